import CBLAS

/// Row-major single-precision GEMM on OpenBLAS, C = alpha·op(A)·op(B) + beta·C, split across
/// `Parallel.threads` by row blocks of C (or column blocks when C is short and wide).
public enum Gemm {
    public static func multiply(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                                a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true) {
        Parallel.ensureBLASSingleThreaded()
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
        let threads = parallel ? Parallel.threads : 1
        let flops = m * n * k
        if threads == 1 || flops < 1 << 18 {
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                        beta, c, Int32(ldc))
            return
        }
        if m >= n || m >= 64 * threads {
            // Row blocks of C: rows of op(A).
            Parallel.forRanges(threads, grain: 0) { r in
                for t in r {
                    let lo = m * t / threads, hi = m * (t + 1) / threads
                    if lo == hi { continue }
                    let aOff = transA ? lo : lo * lda
                    cblas_sgemm(CblasRowMajor, ta, tb, Int32(hi - lo), Int32(n), Int32(k), alpha, a + aOff, Int32(lda),
                                b, Int32(ldb), beta, c + lo * ldc, Int32(ldc))
                }
            }
        } else {
            // Column blocks of C: columns of op(B).
            Parallel.forRanges(threads, grain: 0) { r in
                for t in r {
                    let lo = n * t / threads, hi = n * (t + 1) / threads
                    if lo == hi { continue }
                    let bOff = transB ? lo * ldb : lo
                    cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(hi - lo), Int32(k), alpha, a, Int32(lda),
                                b + bOff, Int32(ldb), beta, c + lo, Int32(ldc))
                }
            }
        }
    }
}

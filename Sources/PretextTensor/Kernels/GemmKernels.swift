internal import CBLASLoader

/// Row-major single-precision GEMM, `C = alpha·op(A)·op(B) + beta·C`, on `Parallel.threads`: large
/// calls run on OpenBLAS's own threads for that one call, the others are split by blocks of rows of C
/// (or of columns when C is short and wide), each block a single-threaded OpenBLAS call
/// (`GemmThreading` says which and why). Between calls OpenBLAS stays single-threaded, so kernels that
/// already run inside a parallel region call `sgemm(..., parallel: false)` without oversubscribing the
/// cores.
public enum GemmKernels {
    /// Below this many multiply-adds a GEMM runs on the calling thread.
    static let parallelThreshold = 1 << 18

    /// `C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C`, all row-major with leading dimensions
    /// `lda`, `ldb`, `ldc` (as in `cblas_sgemm` with `CblasRowMajor`).
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
                             parallel: Bool = true) {
        Parallel.ensureBLASSingleThreaded()
        if m <= 0 || n <= 0 { return }
        let threads = parallel ? Parallel.threads : 1
        if threads <= 1 || m &* n &* k < parallelThreshold {
            call(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        if GemmThreading.current.usesOpenBLAS(multiplyAdds: m &* n &* k),
           pretext_sgemm_threaded(Int32(threads), transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k),
                                  alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc)) == 0 {
            return
        }
        // Split the longer side of C, in multiples of 16 so every block keeps OpenBLAS's full-width
        // micro-kernel tiles.
        let splitRows = m >= n || n < 32
        let extent = splitRows ? m : n
        let units = (extent + 15) / 16
        let chunks = min(threads, units)
        if chunks <= 1 {
            call(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        KernelThreads.run(units, chunks: chunks) { _, r in
            let lo = r.lowerBound &* 16, hi = min(extent, r.upperBound &* 16)
            if splitRows {
                let aOff = transA ? lo : lo &* lda
                call(transA, transB, hi &- lo, n, k, alpha, a + aOff, lda, b, ldb, beta, c + lo &* ldc, ldc)
            } else {
                let bOff = transB ? lo &* ldb : lo
                call(transA, transB, m, hi &- lo, k, alpha, a, lda, b + bOff, ldb, beta, c + lo, ldc)
            }
        }
    }

    @inline(__always)
    static func call(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                     _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                     _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        if k == 0 {
            // BLAS leaves C untouched for k == 0 only when beta == 1; make it exact for any beta.
            for i in 0..<m {
                let row = c + i &* ldc
                if beta == 0 { row.update(repeating: 0, count: n) } else { for j in 0..<n { row[j] *= beta } }
            }
            return
        }
        pretext_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                      b, Int32(ldb), beta, c, Int32(ldc))
    }
}

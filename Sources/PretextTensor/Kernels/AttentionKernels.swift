/// The loops behind `Tensor.scaledDotProductAttention`: one (image, head) pair per task, its GEMMs run
/// single-threaded on strided views of qkv (no copies), the softmax in the same pass while the scores
/// are in cache. The softmax is `Tensor.softmax`'s (`KernelMath.softmax`), and its gradient the same `y·(g − Σ g·y)`.
enum AttentionKernels {
    /// probs[n, h] = softmax(scale · q·kᵀ), out[n, :, h] = probs[n, h]·v.
    static func forward(_ a: AttentionGeometry, qkv: UnsafePointer<Float>, probs: UnsafeMutablePointer<Float>,
                        out: UnsafeMutablePointer<Float>) {
        let l = a.tokens, hd = a.headDim
        Parallel.forEach(a.batch * a.heads, costPerItem: 2 * l * l * hd, grain: 1 << 16) { pair in
            let n = pair / a.heads, h = pair % a.heads
            let q = qkv + a.qkvOffset(n, h, part: 0), k = qkv + a.qkvOffset(n, h, part: 1), v = qkv + a.qkvOffset(n, h, part: 2)
            let p = probs + a.probsOffset(n, h)
            GemmKernels.sgemm(transA: false, transB: true, m: l, n: l, k: hd, alpha: a.scale, a: q, lda: a.qkvStride,
                              b: k, ldb: a.qkvStride, c: p, ldc: l, parallel: false)
            for row in 0..<l { KernelMath.softmax(p + row * l, p + row * l, l) }
            GemmKernels.sgemm(m: l, n: hd, k: l, a: UnsafePointer(p), lda: l, b: v, ldb: a.qkvStride,
                              c: out + a.outOffset(n, h), ldc: a.dim, parallel: false)
        }
    }

    /// Gradient of the fused qkv from the output's: dv = pᵀ·dout, dp = dout·vᵀ, ds = p·(dp − Σ dp·p),
    /// dq = scale · ds·k, dk = scale · dsᵀ·q. Every element of `gradQKV` is written.
    static func backward(_ a: AttentionGeometry, qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                         gradOut: UnsafePointer<Float>, gradQKV: UnsafeMutablePointer<Float>) {
        let l = a.tokens, hd = a.headDim
        Parallel.forRanges(a.batch * a.heads, costPerItem: 4 * l * l * hd, grain: 1 << 16) { pairs in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: l * l)
            defer { scratch.deallocate() }
            for pair in pairs {
                let n = pair / a.heads, h = pair % a.heads
                let q = qkv + a.qkvOffset(n, h, part: 0), k = qkv + a.qkvOffset(n, h, part: 1), v = qkv + a.qkvOffset(n, h, part: 2)
                let gq = gradQKV + a.qkvOffset(n, h, part: 0), gk = gradQKV + a.qkvOffset(n, h, part: 1)
                let gv = gradQKV + a.qkvOffset(n, h, part: 2)
                let p = probs + a.probsOffset(n, h), gout = gradOut + a.outOffset(n, h)
                GemmKernels.sgemm(transA: true, transB: false, m: l, n: hd, k: l, a: p, lda: l, b: gout, ldb: a.dim,
                                  c: gv, ldc: a.qkvStride, parallel: false)
                GemmKernels.sgemm(transA: false, transB: true, m: l, n: l, k: hd, a: gout, lda: a.dim, b: v, ldb: a.qkvStride,
                                  c: scratch, ldc: l, parallel: false)
                for row in 0..<l {
                    let pr = p + row * l, dr = scratch + row * l
                    let s = KernelMath.dot(dr, pr, l)
                    for j in 0..<l { dr[j] = pr[j] * (dr[j] - s) }
                }
                GemmKernels.sgemm(m: l, n: hd, k: l, alpha: a.scale, a: UnsafePointer(scratch), lda: l, b: k, ldb: a.qkvStride,
                                  c: gq, ldc: a.qkvStride, parallel: false)
                GemmKernels.sgemm(transA: true, transB: false, m: l, n: hd, k: l, alpha: a.scale, a: UnsafePointer(scratch), lda: l,
                                  b: q, ldb: a.qkvStride, c: gk, ldc: a.qkvStride, parallel: false)
            }
        }
    }
}

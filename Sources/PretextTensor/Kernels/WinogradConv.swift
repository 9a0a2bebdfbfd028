internal import CKernels

/// Pretext's own Winograd F(4×4, 3×3) convolution (Lavin & Gray 2016, arXiv:1509.09308) for 3×3
/// stride-1 convolutions, on CPUs where oneDNN has none: oneDNN 2.6 ships Winograd kernels for AVX-512
/// only, so on AVX2 CPUs (and for PyTorch there too) every 3×3 convolution ran its direct kernel.
///
/// Each 4×4 block of outputs comes from a 6×6 input tile: 36 multiplications per channel pair instead of
/// 144, i.e. 4× fewer. The 36 products summed over channels are 36 GEMMs (OpenBLAS), between cheap
/// transforms (`winograd.c`). Work is split into blocks of tiles, each thread transforming its own
/// blocks into its own scratch and running single-threaded GEMMs on them, so nothing is shared but the
/// transformed filters; the weight gradient gets one partial sum per thread, added up in a fixed order
/// (results repeat bit for bit at a given thread count). The input gradient of a stride-1 convolution is
/// the forward convolution of the output gradient with the flipped, transposed filters, so it takes
/// the same path. Accuracy: the transforms' constants (up to 8 and 1/24) cost a few units in the 6th
/// significant digit against a direct convolution (tested to 1e-4 of the largest output), the same
/// trade cuDNN and oneDNN make.
enum WinogradConv {
    /// Convolutions with fewer input or output channels stay direct: the GEMMs are too thin to gain.
    /// Measured per pass at batch 128 on Zen 3 (2 threads; forward / input / weight gradient, ms,
    /// direct → Winograd): 16 ch at 32 px 6.4/6.2/8.2 → 9.5/10.2/11.9 (slower), 32 ch at 16 and 32 px
    /// about even, 64 ch at 8 px 6.0/4.6/6.4 → 4.1/4.0/4.1, 64 ch at 32 px 79/74/123 → 58/59/67,
    /// 256 ch at 8 px 89/68/94 → 39/37/39, 512 ch at 4 px 101/87/108 → 58/74/50.
    nonisolated(unsafe) static var minChannels = 64

    /// Tests set this to run Pretext's Winograd whatever oneDNN offers (nil: `handles` decides).
    nonisolated(unsafe) static var forced: Bool?

    /// Calls that ran here (tests read it).
    nonisolated(unsafe) static var calls = 0

    /// Floats of transformed tiles per thread and block (input and output side together, 8 MB): large
    /// enough for GEMMs of a few hundred columns, small enough to stay in the last-level cache.
    nonisolated(unsafe) static var blockBudget = 1 << 21

    /// Whether this geometry runs here: 3×3, stride 1, no dilation, one group, enough channels, and
    /// Winograd enabled (`PRETEXT_CONV_WINOGRAD`) but not already run by oneDNN's own kernel.
    static func handles(_ g: Conv2dGeometry) -> Bool {
        guard g.kernelH == 3, g.kernelW == 3, g.strideH == 1, g.strideW == 1, g.dilationH == 1, g.dilationW == 1,
              g.groups == 1, g.outH > 0, g.outW > 0 else { return false }
        if let forced { return forced }
        guard ConvBackend.winograd, g.inChannels >= minChannels, g.outChannels >= minChannels else { return false }
        return !(ConvBackend.active == .onednn && ConvBackend.oneDNNHasWinograd)
    }

    /// Tiles of the output grid: 4×4 outputs each.
    struct Tiling {
        let g: Conv2dGeometry
        let tilesH: Int, tilesW: Int, total: Int, perBlock: Int, blocks: Int, chunks: Int

        init(_ g: Conv2dGeometry) {
            self.g = g
            tilesH = (g.outH + 3) / 4
            tilesW = (g.outW + 3) / 4
            total = g.batch * tilesH * tilesW
            // As many blocks as the budget asks for, rounded up to a multiple of the threads so that
            // every thread gets the same number of tiles.
            let threads = max(1, Parallel.threads)
            let byBudget = max(16, WinogradConv.blockBudget / (36 * (g.inChannels + g.outChannels)))
            let wanted = (total + byBudget - 1) / byBudget
            let rounded = min(total, (wanted + threads - 1) / threads * threads)
            perBlock = (total + rounded - 1) / rounded
            blocks = (total + perBlock - 1) / perBlock
            chunks = min(threads, blocks)
        }

        /// Scratch floats per thread: the input tiles [36][C][perBlock] and output tiles [36][K][perBlock].
        var scratchPerChunk: Int { 36 * (g.inChannels + g.outChannels) * perBlock }

        func tileRange(ofBlock b: Int) -> (start: Int, count: Int) {
            let start = b * perBlock
            return (start, min(perBlock, total - start))
        }

        func transformInput(_ x: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>, block b: Int) {
            let (t0, n) = tileRange(ofBlock: b)
            pretext_wino_input(x, v, g.inChannels, g.height, g.width, g.padH, g.padW, tilesH, tilesW, t0, n, perBlock)
        }
    }

    /// `y = conv(x, w) + bias`, overwriting y.
    static func forward(_ g: Conv2dGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                        _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) {
        convolve(g, x, w, flipped: false, bias, y)
    }

    /// `gx` of a stride-1 convolution: the forward convolution of gy with the flipped, transposed filters
    /// (flipped and transposed on their way into the Winograd domain).
    static func backwardInput(_ g: Conv2dGeometry, _ gy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                              _ gx: UnsafeMutablePointer<Float>) -> Bool {
        guard let tg = ConvKernels.transposedGeometry(g) else { return false }
        convolve(tg, gy, w, flipped: true, nil, gx)
        return true
    }

    /// The forward convolution of geometry g; with `flipped`, w is the weight of the convolution g is
    /// the transposed of (`[C][K][3][3]`), used rotated.
    private static func convolve(_ g: Conv2dGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, flipped: Bool,
                                 _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) {
        calls += 1
        let t = Tiling(g), k = g.outChannels, c = g.inChannels
        BufferPool.shared.withScratch(36 * k * c + t.chunks * t.scratchPerChunk) { scratch in
            let u = scratch
            // w's own shape: [K][C], or [C][K] when it is the weight the transposed convolution came from.
            let (wk, wc) = flipped ? (c, k) : (k, c)
            Parallel.forRanges(k * c, costPerItem: 200) { r in
                pretext_wino_weights(w, u, wk, wc, r.lowerBound, r.upperBound, flipped ? 1 : 0)
            }
            KernelThreads.run(t.blocks, chunks: t.chunks) { chunk, blocks in
                let v = scratch + 36 * k * c + chunk * t.scratchPerChunk
                let m = v + 36 * c * t.perBlock
                for b in blocks {
                    let (t0, n) = t.tileRange(ofBlock: b)
                    t.transformInput(x, into: v, block: b)
                    for xi in 0..<36 {
                        GemmKernels.sgemm(m: k, n: n, k: c, a: u + xi * k * c, lda: c, b: v + xi * c * t.perBlock,
                                          ldb: t.perBlock, c: m + xi * k * t.perBlock, ldc: t.perBlock, parallel: false)
                    }
                    pretext_wino_output(m, y, bias, k, g.outH, g.outW, t.tilesH, t.tilesW, t0, n, t.perBlock)
                }
            }
        }
    }

    /// `gw[K][C][3][3]`, summed over the batch, overwriting gw.
    static func backwardWeight(_ g: Conv2dGeometry, _ gy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                               _ gw: UnsafeMutablePointer<Float>) {
        calls += 1
        let t = Tiling(g), k = g.outChannels, c = g.inChannels, kc36 = 36 * k * c
        BufferPool.shared.withScratch(t.chunks * (kc36 + t.scratchPerChunk)) { scratch in
            KernelThreads.run(t.blocks, chunks: t.chunks) { chunk, blocks in
                let du = scratch + chunk * kc36
                let v = scratch + t.chunks * kc36 + chunk * t.scratchPerChunk
                let dm = v + 36 * c * t.perBlock
                var first = true
                for b in blocks {
                    let (t0, n) = t.tileRange(ofBlock: b)
                    t.transformInput(x, into: v, block: b)
                    pretext_wino_gradout(gy, dm, k, g.outH, g.outW, t.tilesH, t.tilesW, t0, n, t.perBlock)
                    for xi in 0..<36 {
                        GemmKernels.sgemm(transB: true, m: k, n: c, k: n, a: dm + xi * k * t.perBlock, lda: t.perBlock,
                                          b: v + xi * c * t.perBlock, ldb: t.perBlock, beta: first ? 0 : 1,
                                          c: du + xi * k * c, ldc: c, parallel: false)
                    }
                    first = false
                }
            }
            // Every chunk had at least one block (chunks ≤ blocks), so every partial was written.
            KernelThreads.addPartials(scratch + kc36, parts: t.chunks - 1, stride: kc36, count: kc36, into: scratch)
            Parallel.forRanges(k * c, costPerItem: 200) { r in
                pretext_wino_weight_grad(scratch, gw, k, c, r.lowerBound, r.upperBound)
            }
        }
    }
}

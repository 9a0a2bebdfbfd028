/// Raw 2-D convolution kernels over NCHW float buffers, weight `[O, C/groups, KH, KW]` as in PyTorch.
///
/// The general path lowers each image to columns (`im2col`: one row per (channel, kh, kw), one column per
/// output pixel) and multiplies by the weight with one GEMM per group. 1×1 stride-1 unpadded convolutions
/// skip the lowering (the image already is its column matrix). The input gradient of a stride-1
/// convolution is computed as a forward convolution of gradOutput with the flipped, channel-transposed
/// kernel (cheaper than col2im's scattered accumulation, measured); strided ones use GEMM + `col2im`.
/// Convolutions with one input channel per group (depthwise) use direct vectorised loops, since their
/// GEMMs would be matrix-vector products.
///
/// Work is split across threads over the images of the batch, each thread with its own scratch columns
/// from `BufferPool`; the weight gradient gets one partial sum per thread, added up at the end, so results
/// do not depend on scheduling. Small images (late ResNet stages: 8×8, 4×4) are lowered several at a time
/// into one wider column matrix, because GEMMs with only 16 or 64 columns run far below peak (4×4: ~45 →
/// ~68 GFLOP/s per core). When the batch is smaller than the thread count, each image is processed with
/// the threads splitting the lowering and the GEMMs instead (measured slower than the batch split when
/// the batch allows it). Very large images are lowered a block of output rows at a time to bound scratch.
public enum ConvKernels {
    /// Cap on the column scratch per thread (floats; 16 MB): larger images are lowered a block of
    /// output rows at a time, and fewer small images are put side by side. Tests lower it to exercise
    /// the row blocks on small shapes.
    nonisolated(unsafe) static var maxColumnScratch = 1 << 22

    /// How convolutions are computed, for `--version` and benchmark headers.
    public static let implementation = "im2col + GEMM, batch-parallel; direct loops for depthwise"

    // MARK: - Public entry points

    /// `output[N, O, OH, OW] = conv(input[N, C, H, W], weight) + bias`, overwriting `output`.
    public static func forward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        if WinogradConv.handles(g) { return WinogradConv.forward(g, input, weight, bias, output) }
        if ConvBackend.forward(g, input, weight, bias, output) { return }
        let p = Plan(g)
        if p.direct { return depthwiseForward(p, input, weight, bias, output) }
        p.forEachStep { base, count, inner, scratch in
            forwardStep(p, input, weight, bias, output, base: base, count: count, inner: inner, scratch: scratch)
        }
    }

    /// `gradInput[N, C, H, W]` from `gradOutput[N, O, OH, OW]`, overwriting `gradInput`.
    public static func backwardInput(_ g: Conv2dGeometry, gradOutput: UnsafePointer<Float>,
                                     weight: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
        if WinogradConv.handles(g), WinogradConv.backwardInput(g, gradOutput, weight, gradInput) { return }
        if ConvBackend.backwardInput(g, gradOutput, weight, gradInput) { return }
        let p = Plan(g)
        if p.direct && p.og > 1 { return depthwiseBackwardInput(p, gradOutput, weight, gradInput) }
        if !p.pointwise, let t = transposedGeometry(g) {
            // Stride 1: the input gradient is itself a convolution (of gradOutput with the flipped,
            // transposed kernel), which lowers with im2col and avoids col2im's scattered accumulation.
            BufferPool.shared.withScratch(g.weightCount) { flipped in
                flipTransposed(g, weight, flipped)
                forward(t, input: gradOutput, weight: flipped, bias: nil, output: gradInput)
            }
            return
        }
        if p.direct { return depthwiseBackwardInput(p, gradOutput, weight, gradInput) }
        p.forEachStep { base, count, inner, scratch in
            backwardInputStep(p, gradOutput, weight, gradInput, base: base, count: count, inner: inner,
                              scratch: scratch)
        }
    }

    /// `gradWeight[O, C/groups, KH, KW]` (summed over the batch), overwriting `gradWeight`.
    public static func backwardWeight(_ g: Conv2dGeometry, gradOutput: UnsafePointer<Float>,
                                      input: UnsafePointer<Float>, gradWeight: UnsafeMutablePointer<Float>) {
        if WinogradConv.handles(g) { return WinogradConv.backwardWeight(g, gradOutput, input, gradWeight) }
        if ConvBackend.backwardWeight(g, gradOutput, input, gradWeight) { return }
        let p = Plan(g)
        if p.direct { return depthwiseBackwardWeight(p, gradOutput, input, gradWeight) }
        let wCount = g.weightCount
        // Chunk 0 accumulates straight into gradWeight; the others into their own partial buffers.
        BufferPool.shared.withScratch(wCount &* max(0, p.chunks &- 1)) { partials in
            p.forEachStep { base, count, inner, scratch in
                let chunk = p.chunkIndex(ofImage: base)
                let dst = chunk == 0 ? gradWeight : partials + (chunk &- 1) &* wCount
                let first = base == p.chunkRange(chunk).lowerBound
                backwardWeightStep(p, gradOutput, input, dst, base: base, count: count, accumulate: !first,
                                   inner: inner, scratch: scratch)
            }
            KernelThreads.addPartials(partials, parts: p.chunks &- 1, stride: wCount, count: wCount, into: gradWeight)
        }
    }

    /// `gradBias[O]` = gradOutput summed over batch and pixels, overwriting `gradBias`.
    public static func backwardBias(_ g: Conv2dGeometry, gradOutput: UnsafePointer<Float>,
                                    gradBias: UnsafeMutablePointer<Float>) {
        let o = g.outChannels, ohw = g.outH &* g.outW, n = g.batch
        Parallel.forRanges(o, costPerItem: n &* ohw) { r in
            for c in r {
                var s: Double = 0
                for i in 0..<n { s += Double(KernelMath.sum(gradOutput + (i &* o &+ c) &* ohw, ohw)) }
                gradBias[c] = Float(s)
            }
        }
    }

    // MARK: - Input gradient as a convolution

    /// For stride 1, the geometry of the convolution that maps gradOutput to gradInput: same kernel,
    /// dilation and groups, channels swapped, padding `dilation·(K−1) − pad` (nil when that is negative).
    static func transposedGeometry(_ g: Conv2dGeometry) -> Conv2dGeometry? {
        guard g.strideH == 1, g.strideW == 1 else { return nil }
        let ph = g.dilationH &* (g.kernelH &- 1) &- g.padH, pw = g.dilationW &* (g.kernelW &- 1) &- g.padW
        guard ph >= 0, pw >= 0 else { return nil }
        let t = Conv2dGeometry(batch: g.batch, inChannels: g.outChannels, height: g.outH, width: g.outW,
                               outChannels: g.inChannels, kernelH: g.kernelH, kernelW: g.kernelW, padH: ph, padW: pw,
                               dilationH: g.dilationH, dilationW: g.dilationW, groups: g.groups)
        return t.outH == g.height && t.outW == g.width ? t : nil
    }

    /// `dst[g·cg + c, o, KH−1−kh, KW−1−kw] = w[g·og + o, c, kh, kw]`: the weight of `transposedGeometry`.
    static func flipTransposed(_ g: Conv2dGeometry, _ w: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        let cg = g.inChannelsPerGroup, og = g.outChannelsPerGroup, kh = g.kernelH, kw = g.kernelW, kk = kh &* kw
        for grp in 0..<g.groups {
            for o in 0..<og {
                for c in 0..<cg {
                    let src = w + ((grp &* og &+ o) &* cg &+ c) &* kk
                    let d = dst + ((grp &* cg &+ c) &* og &+ o) &* kk
                    for i in 0..<kk { d[kk &- 1 &- i] = src[i] }
                }
            }
        }
    }

    // MARK: - Plan

    /// Everything derived from the geometry once per call: GEMM sizes, how images are grouped into
    /// GEMMs, and how the batch is split across threads.
    struct Plan {
        let g: Conv2dGeometry
        let cg, og, kk, ckk, hw, ohw, imageIn, imageOut: Int
        /// Convolution is a plain GEMM on the image (1×1, stride 1, no padding).
        let pointwise: Bool
        /// One input channel per group: handled by direct loops.
        let direct: Bool
        /// Images lowered side by side into one column matrix per GEMM.
        let imagesPerGemm: Int
        /// Number of batch chunks run concurrently (1 when running serially or image-parallel).
        let chunks: Int
        /// Whether each image step itself splits its work across threads.
        let inner: Bool

        /// Column matrices narrower than this are widened by lowering several images at once.
        static let targetColumns = 256
        /// Output rows lowered at once for a single image (all of them unless the columns are huge).
        let rowsPerBlock: Int

        init(_ g: Conv2dGeometry) {
            self.g = g
            cg = g.inChannelsPerGroup
            og = g.outChannelsPerGroup
            kk = g.kernelH &* g.kernelW
            ckk = cg &* kk
            hw = g.height &* g.width
            ohw = g.outH &* g.outW
            imageIn = g.inChannels &* hw
            imageOut = g.outChannels &* ohw
            pointwise = g.kernelH == 1 && g.kernelW == 1 && g.strideH == 1 && g.strideW == 1
                && g.padH == 0 && g.padW == 0
            direct = cg == 1 && g.groups > 1
            let threads = Parallel.threads
            let macs = g.batch &* g.outChannels &* ckk &* ohw
            if threads <= 1 || macs < (1 << 20) {
                chunks = 1; inner = false
            } else if g.batch >= threads && (g.batch % threads == 0 || g.batch >= 4 &* threads) {
                chunks = threads; inner = false
            } else {
                chunks = 1; inner = true
            }
            let perChunk = (g.batch + chunks - 1) / chunks
            var k = max(1, (Plan.targetColumns + ohw - 1) / ohw)
            k = min(k, perChunk, max(1, ConvKernels.maxColumnScratch / max(1, g.inChannels &* kk &* ohw)))
            imagesPerGemm = k
            let rowFloats = g.inChannels &* kk &* g.outW
            rowsPerBlock = pointwise ? g.outH : max(1, min(g.outH, ConvKernels.maxColumnScratch / max(1, rowFloats)))
        }

        /// Calls `body(firstRow, endRow)` for the blocks of `rowsPerBlock` output rows.
        @inline(__always) func forEachRowBlock(_ body: (Int, Int) -> Void) {
            var r0 = 0
            while r0 < g.outH {
                let r1 = min(g.outH, r0 &+ rowsPerBlock)
                body(r0, r1)
                r0 = r1
            }
        }

        @inline(__always) func chunkRange(_ c: Int) -> Range<Int> {
            (g.batch &* c / chunks)..<(g.batch &* (c &+ 1) / chunks)
        }

        @inline(__always) func chunkIndex(ofImage i: Int) -> Int {
            var c = 0
            while !chunkRange(c).contains(i) { c &+= 1 }
            return c
        }

        /// Floats of per-thread scratch: column matrix, then a gathered output-sized block when
        /// several images share a GEMM.
        var columnScratch: Int {
            if imagesPerGemm > 1 { return g.inChannels &* kk &* imagesPerGemm &* ohw }
            return pointwise ? 0 : g.inChannels &* kk &* rowsPerBlock &* g.outW
        }
        var outputScratch: Int { imagesPerGemm > 1 ? g.outChannels &* imagesPerGemm &* ohw : 0 }

        /// Calls `step(firstImage, imageCount, innerParallel, scratch)` for consecutive groups of
        /// `imagesPerGemm` images, chunks of the batch running on different threads.
        func forEachStep(_ step: (Int, Int, Bool, UnsafeMutablePointer<Float>) -> Void) {
            let scratchCount = columnScratch &+ outputScratch
            KernelThreads.run(g.batch, chunks: chunks) { _, range in
                BufferPool.shared.withScratch(scratchCount) { scratch in
                    var base = range.lowerBound
                    while base < range.upperBound {
                        let count = min(imagesPerGemm, range.upperBound &- base)
                        step(base, count, inner, scratch)
                        base &+= count
                    }
                }
            }
        }
    }

    // MARK: - GEMM path steps

    static func forwardStep(_ p: Plan, _ input: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                            _ bias: UnsafePointer<Float>?, _ output: UnsafeMutablePointer<Float>,
                            base: Int, count: Int, inner: Bool, scratch: UnsafeMutablePointer<Float>) {
        let o = p.g.outChannels, ohw = p.ohw, ow = p.g.outW
        if count == 1 {
            // The GEMM writes the image's output in place; starting it from the bias (beta = 1) costs
            // the same as the zeroing pass BLAS does for beta = 0, and saves a separate bias pass.
            let dst = output + base &* p.imageOut
            if let bias {
                forRows(o, cost: ohw, inner: inner) { r in
                    for c in r { (dst + c &* ohw).update(repeating: bias[c], count: ohw) }
                }
            }
            p.forEachRowBlock { r0, r1 in
                let (cols, ld) = lowerRows(p, input + base &* p.imageIn, rows: r0..<r1, inner: inner,
                                           scratch: scratch)
                for gi in 0..<p.g.groups {
                    GemmKernels.sgemm(m: p.og, n: (r1 &- r0) &* ow, k: p.ckk, a: weight + gi &* p.og &* p.ckk,
                                      lda: p.ckk, b: cols + gi &* p.ckk &* ld, ldb: ld, beta: bias != nil ? 1 : 0,
                                      c: dst + (gi &* p.og &* ohw &+ r0 &* ow), ldc: ohw, parallel: inner)
                }
            }
            return
        }
        // Several small images side by side: one GEMM into scratch, then scatter back to NCHW, adding
        // the bias on the way.
        let ld = count &* ohw
        let cols = lowerImages(p, input, base: base, count: count, inner: inner, scratch: scratch)
        let tmp = scratch + p.columnScratch
        for gi in 0..<p.g.groups {
            GemmKernels.sgemm(m: p.og, n: ld, k: p.ckk, a: weight + gi &* p.og &* p.ckk, lda: p.ckk,
                              b: cols + gi &* p.ckk &* ld, ldb: ld, c: tmp + gi &* p.og &* ld, ldc: ld,
                              parallel: inner)
        }
        forRows(o, cost: ld, inner: inner) { r in
            for c in r {
                let b = bias?[c] ?? 0
                for j in 0..<count {
                    let out = output + ((base &+ j) &* p.imageOut &+ c &* ohw)
                    let src = tmp + (c &* ld &+ j &* ohw)
                    for i in 0..<ohw { out[i] = src[i] + b }
                }
            }
        }
    }

    /// Input gradient by GEMM + col2im (strided convolutions; stride 1 goes through
    /// `transposedGeometry` instead).
    static func backwardInputStep(_ p: Plan, _ gradOutput: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                  _ gradInput: UnsafeMutablePointer<Float>, base: Int, count: Int, inner: Bool,
                                  scratch: UnsafeMutablePointer<Float>) {
        let c = p.g.inChannels, ohw = p.ohw, ow = p.g.outW
        if count == 1 {
            let gOut = gradOutput + base &* p.imageOut
            let img = gradInput + base &* p.imageIn
            if p.pointwise {
                for gi in 0..<p.g.groups {
                    GemmKernels.sgemm(transA: true, m: p.cg, n: p.hw, k: p.og, a: weight + gi &* p.og &* p.cg,
                                      lda: p.cg, b: gOut + gi &* p.og &* ohw, ldb: ohw,
                                      c: img + gi &* p.cg &* p.hw, ldc: p.hw, parallel: inner)
                }
                return
            }
            let blocked = p.rowsPerBlock < p.g.outH
            if blocked { img.update(repeating: 0, count: p.imageIn) }
            p.forEachRowBlock { r0, r1 in
                let nb = (r1 &- r0) &* ow
                for gi in 0..<p.g.groups {
                    GemmKernels.sgemm(transA: true, m: p.ckk, n: nb, k: p.og, a: weight + gi &* p.og &* p.ckk,
                                      lda: p.ckk, b: gOut + (gi &* p.og &* ohw &+ r0 &* ow), ldb: ohw,
                                      c: scratch + gi &* p.ckk &* nb, ldc: nb, parallel: inner)
                }
                forRows(c, cost: p.kk &* nb, inner: inner) { r in
                    col2im(p, UnsafePointer(scratch), ld: nb, img, channels: r, outRows: r0..<r1,
                           accumulate: blocked)
                }
            }
            return
        }
        let ld = count &* ohw
        let gOut = gatherGradOutput(p, gradOutput, base: base, count: count, inner: inner,
                                    into: scratch + p.columnScratch)
        for gi in 0..<p.g.groups {
            GemmKernels.sgemm(transA: true, m: p.ckk, n: ld, k: p.og, a: weight + gi &* p.og &* p.ckk,
                              lda: p.ckk, b: gOut + gi &* p.og &* ld, ldb: ld,
                              c: scratch + gi &* p.ckk &* ld, ldc: ld, parallel: inner)
        }
        for j in 0..<count {
            let img = gradInput + (base &+ j) &* p.imageIn
            forRows(c, cost: p.kk &* ohw, inner: inner) { r in
                col2im(p, UnsafePointer(scratch + j &* ohw), ld: ld, img, channels: r)
            }
        }
    }

    static func backwardWeightStep(_ p: Plan, _ gradOutput: UnsafePointer<Float>, _ input: UnsafePointer<Float>,
                                   _ gradWeight: UnsafeMutablePointer<Float>, base: Int, count: Int,
                                   accumulate: Bool, inner: Bool, scratch: UnsafeMutablePointer<Float>) {
        let ohw = p.ohw, ow = p.g.outW
        if count == 1 {
            let gOut = gradOutput + base &* p.imageOut
            p.forEachRowBlock { r0, r1 in
                let (cols, ld) = lowerRows(p, input + base &* p.imageIn, rows: r0..<r1, inner: inner,
                                           scratch: scratch)
                for gi in 0..<p.g.groups {
                    GemmKernels.sgemm(transB: true, m: p.og, n: p.ckk, k: (r1 &- r0) &* ow,
                                      a: gOut + (gi &* p.og &* ohw &+ r0 &* ow), lda: ohw,
                                      b: cols + gi &* p.ckk &* ld, ldb: ld, beta: accumulate || r0 > 0 ? 1 : 0,
                                      c: gradWeight + gi &* p.og &* p.ckk, ldc: p.ckk, parallel: inner)
                }
            }
            return
        }
        let ld = count &* ohw
        let cols = lowerImages(p, input, base: base, count: count, inner: inner, scratch: scratch)
        let gOut = gatherGradOutput(p, gradOutput, base: base, count: count, inner: inner,
                                    into: scratch + p.columnScratch)
        for gi in 0..<p.g.groups {
            GemmKernels.sgemm(transB: true, m: p.og, n: p.ckk, k: ld, a: gOut + gi &* p.og &* ld, lda: ld,
                              b: cols + gi &* p.ckk &* ld, ldb: ld, beta: accumulate ? 1 : 0,
                              c: gradWeight + gi &* p.og &* p.ckk, ldc: p.ckk, parallel: inner)
        }
    }

    /// The column matrix of output rows `rows` of one image, and its row stride (the image itself, with
    /// stride H·W, for a pointwise convolution).
    @inline(__always)
    static func lowerRows(_ p: Plan, _ img: UnsafePointer<Float>, rows: Range<Int>, inner: Bool,
                          scratch: UnsafeMutablePointer<Float>) -> (UnsafePointer<Float>, Int) {
        let ow = p.g.outW
        if p.pointwise { return (img + rows.lowerBound &* ow, p.hw) }
        let nb = rows.count &* ow
        forRows(p.g.inChannels, cost: p.kk &* nb, inner: inner) { r in
            im2col(p, img, scratch, ld: nb, channels: r, outRows: rows)
        }
        return (UnsafePointer(scratch), nb)
    }

    /// The column matrix `[C·KH·KW, count·OH·OW]` of images `base ..< base+count`, side by side.
    @inline(__always)
    static func lowerImages(_ p: Plan, _ input: UnsafePointer<Float>, base: Int, count: Int, inner: Bool,
                            scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let ld = count &* p.ohw
        for j in 0..<count {
            let img = input + (base &+ j) &* p.imageIn
            forRows(p.g.inChannels, cost: p.kk &* p.ohw, inner: inner) { r in
                im2col(p, img, scratch + j &* p.ohw, ld: ld, channels: r)
            }
        }
        return UnsafePointer(scratch)
    }

    /// gradOutput of images `base ..< base+count` as one `[O, count·OH·OW]` matrix (a copy only when
    /// count > 1).
    @inline(__always)
    static func gatherGradOutput(_ p: Plan, _ gradOutput: UnsafePointer<Float>, base: Int, count: Int,
                                 inner: Bool, into dst: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        if count == 1 { return gradOutput + base &* p.imageOut }
        let ld = count &* p.ohw, ohw = p.ohw
        forRows(p.g.outChannels, cost: ld, inner: inner) { r in
            for c in r {
                for j in 0..<count {
                    (dst + (c &* ld &+ j &* ohw)).update(from: gradOutput + ((base &+ j) &* p.imageOut &+ c &* ohw),
                                                      count: ohw)
                }
            }
        }
        return UnsafePointer(dst)
    }

    @inline(__always)
    static func forRows(_ n: Int, cost: Int, inner: Bool, _ body: (Range<Int>) -> Void) {
        if inner { Parallel.forRanges(n, costPerItem: cost, body) } else { body(0..<n) }
    }

    // MARK: - im2col / col2im

    /// Output positions `lo ..< hi` along one axis whose input coordinate `o·stride + offset` falls
    /// inside `0 ..< size`.
    @inline(__always)
    static func validRange(size: Int, out: Int, stride: Int, offset: Int) -> (Int, Int) {
        let lo = offset >= 0 ? 0 : (-offset &+ stride &- 1) / stride
        let last = size &- 1 &- offset
        let hi = last < 0 ? 0 : min(out, last / stride &+ 1)
        return (min(lo, hi), hi)
    }

    /// Writes rows `(c·KH + kh)·KW + kw` for `c` in `channels` of the column matrix (row stride `ld`)
    /// starting at `cols`, zero where the kernel tap falls in the padding. With `outRows`, only the
    /// columns of those output rows are written (column 0 being the first pixel of `outRows`).
    static func im2col(_ p: Plan, _ src: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, ld: Int,
                       channels: Range<Int>, outRows: Range<Int>? = nil) {
        let g = p.g
        let h = g.height, w = g.width, oh = g.outH, ow = g.outW
        let kh = g.kernelH, kw = g.kernelW, sh = g.strideH, sw = g.strideW
        let rows = outRows ?? 0..<oh
        let r0 = rows.lowerBound, r1 = rows.upperBound
        if p.pointwise {
            let off = r0 &* ow, n = (r1 &- r0) &* ow
            for c in channels { (cols + c &* ld).update(from: src + (c &* p.hw &+ off), count: n) }
            return
        }
        for c in channels {
            let plane = src + c &* p.hw
            for i in 0..<kh {
                let hOff = i &* g.dilationH &- g.padH
                var (yLo, yHi) = validRange(size: h, out: oh, stride: sh, offset: hOff)
                yLo = min(max(yLo, r0), r1); yHi = max(min(yHi, r1), yLo)
                for j in 0..<kw {
                    let wOff = j &* g.dilationW &- g.padW
                    let (xLo, xHi) = validRange(size: w, out: ow, stride: sw, offset: wOff)
                    let row = cols + (((c &* kh &+ i) &* kw &+ j) &* ld &- r0 &* ow)
                    if yLo > r0 { (row + r0 &* ow).update(repeating: 0, count: (yLo &- r0) &* ow) }
                    if yHi < r1 { (row + yHi &* ow).update(repeating: 0, count: (r1 &- yHi) &* ow) }
                    if xHi <= xLo {
                        if yHi > yLo { (row + yLo &* ow).update(repeating: 0, count: (yHi &- yLo) &* ow) }
                        continue
                    }
                    for y in yLo..<yHi {
                        let dst = row + y &* ow
                        let s = plane + ((y &* sh &+ hOff) &* w &+ wOff)
                        for x in 0..<xLo { dst[x] = 0 }
                        if sw == 1 {
                            for x in xLo..<xHi { dst[x] = s[x] }
                        } else {
                            for x in xLo..<xHi { dst[x] = s[x &* sw] }
                        }
                        for x in xHi..<ow { dst[x] = 0 }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: adds the column entries of output rows `outRows` (all by default;
    /// column 0 being the first pixel of `outRows`) into planes `channels` of `img`, which are zeroed
    /// first unless `accumulate`.
    static func col2im(_ p: Plan, _ cols: UnsafePointer<Float>, ld: Int, _ img: UnsafeMutablePointer<Float>,
                       channels: Range<Int>, outRows: Range<Int>? = nil, accumulate: Bool = false) {
        let g = p.g
        let h = g.height, w = g.width, oh = g.outH, ow = g.outW
        let kh = g.kernelH, kw = g.kernelW, sh = g.strideH, sw = g.strideW
        let rows = outRows ?? 0..<oh
        let r0 = rows.lowerBound, r1 = rows.upperBound
        for c in channels {
            let plane = img + c &* p.hw
            if !accumulate { plane.update(repeating: 0, count: p.hw) }
            for i in 0..<kh {
                let hOff = i &* g.dilationH &- g.padH
                var (yLo, yHi) = validRange(size: h, out: oh, stride: sh, offset: hOff)
                yLo = min(max(yLo, r0), r1); yHi = max(min(yHi, r1), yLo)
                for j in 0..<kw {
                    let wOff = j &* g.dilationW &- g.padW
                    let (xLo, xHi) = validRange(size: w, out: ow, stride: sw, offset: wOff)
                    if xHi <= xLo { continue }
                    let row = cols + (((c &* kh &+ i) &* kw &+ j) &* ld &- r0 &* ow)
                    for y in yLo..<yHi {
                        let s = row + y &* ow
                        let d = plane + ((y &* sh &+ hOff) &* w &+ wOff)
                        if sw == 1 {
                            for x in xLo..<xHi { d[x] += s[x] }
                        } else {
                            for x in xLo..<xHi { d[x &* sw] += s[x] }
                        }
                    }
                }
            }
        }
    }

    // MARK: - Depthwise (one input channel per group): direct loops

    /// Output channel `o` reads input channel `o / og`; each output plane is built tap by tap as
    /// row-wise multiply-adds, which vectorise for stride 1.
    static func depthwiseForward(_ p: Plan, _ input: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                 _ bias: UnsafePointer<Float>?, _ output: UnsafeMutablePointer<Float>) {
        let g = p.g
        let o = g.outChannels, oh = g.outH, ow = g.outW, w = g.width
        let planes = g.batch &* o
        let unitStride = g.strideW == 1
        let paddedCount = unitStride ? (g.height &+ 2 &* g.padH) &* (g.width &+ 2 &* g.padW) &+ 8 : 0
        Parallel.forRanges(planes, costPerItem: p.kk &* p.ohw) { r in
            BufferPool.shared.withScratch(paddedCount) { padded in
                for plane in r {
                    let n = plane / o, oc = plane % o, ic = oc / p.og
                    let src = input + (n &* p.imageIn &+ ic &* p.hw)
                    let dst = output + plane &* p.ohw
                    let wt = weight + oc &* p.kk
                    if unitStride {
                        depthwisePlaneUnitStride(g, src, dst, wt, bias?[oc] ?? 0, padded: padded)
                        continue
                    }
                    // Strided: one pass per tap over the output rows it reaches.
                    dst.update(repeating: bias?[oc] ?? 0, count: p.ohw)
                    let sw = g.strideW
                    for i in 0..<g.kernelH {
                        let hOff = i &* g.dilationH &- g.padH
                        let (yLo, yHi) = validRange(size: g.height, out: oh, stride: g.strideH, offset: hOff)
                        for j in 0..<g.kernelW {
                            let wOff = j &* g.dilationW &- g.padW
                            let (xLo, xHi) = validRange(size: w, out: ow, stride: sw, offset: wOff)
                            if xHi <= xLo { continue }
                            let k = wt[i &* g.kernelW &+ j]
                            for y in yLo..<yHi {
                                let d = dst + y &* ow
                                let s = src + ((y &* g.strideH &+ hOff) &* w &+ wOff)
                                for x in xLo..<xHi { d[x] += k * s[x &* sw] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Copies an `height × width` plane into `padded`, `(height + 2·padH) × (width + 2·padW)` with a
    /// zero border, followed by 8 zero floats of slack for 8-wide loads that run past the last row.
    @inline(__always)
    static func padPlane(_ src: UnsafePointer<Float>, height h: Int, width w: Int, padH ph: Int, padW pw: Int,
                         into padded: UnsafeMutablePointer<Float>) {
        let pWidth = w &+ 2 &* pw
        padded.update(repeating: 0, count: ph &* pWidth)
        for y in 0..<h {
            let row = padded + (y &+ ph) &* pWidth
            for x in 0..<pw { row[x] = 0; row[pw &+ w &+ x] = 0 }
            (row + pw).update(from: src + y &* w, count: w)
        }
        (padded + (ph &+ h) &* pWidth).update(repeating: 0, count: ph &* pWidth &+ 8)
    }

    /// One depthwise output plane for unit horizontal stride. The input plane is first copied into
    /// `padded` (zero border of the padding, plus 8 floats of slack), so every tap of every output is
    /// in bounds; then eight outputs at a time accumulate all taps in registers (one pass over the output
    /// instead of one per tap, no per-tap bounds checks).
    @inline(__always)
    static func depthwisePlaneUnitStride(_ g: Conv2dGeometry, _ src: UnsafePointer<Float>,
                                         _ dst: UnsafeMutablePointer<Float>, _ wt: UnsafePointer<Float>, _ b: Float,
                                         padded: UnsafeMutablePointer<Float>) {
        let h = g.height, w = g.width, oh = g.outH, ow = g.outW, kh = g.kernelH, kw = g.kernelW
        let dh = g.dilationH, dw = g.dilationW, ph = g.padH, pw = g.padW, sh = g.strideH
        let pWidth = w &+ 2 &* pw
        padPlane(src, height: h, width: w, padH: ph, padW: pw, into: padded)
        for y in 0..<oh {
            let d = dst + y &* ow
            let top = padded + y &* sh &* pWidth
            var x = 0
            while x < ow {
                var acc = SIMD8<Float>(repeating: b)
                for i in 0..<kh {
                    let s = top + (i &* dh &* pWidth &+ x), wr = wt + i &* kw
                    for j in 0..<kw { acc += SIMD8(repeating: wr[j]) * KernelMath.load8(s + j &* dw) }
                }
                if x &+ 8 <= ow {
                    UnsafeMutableRawPointer(d + x).storeBytes(of: acc, as: SIMD8<Float>.self)
                } else {
                    for l in 0..<(ow &- x) { d[x &+ l] = acc[l] }
                }
                x &+= 8
            }
        }
    }

    static func depthwiseBackwardInput(_ p: Plan, _ gradOutput: UnsafePointer<Float>,
                                       _ weight: UnsafePointer<Float>, _ gradInput: UnsafeMutablePointer<Float>) {
        let g = p.g
        let c = g.inChannels, oh = g.outH, ow = g.outW, w = g.width
        let planes = g.batch &* c
        Parallel.forRanges(planes, costPerItem: p.og &* p.kk &* p.ohw) { r in
            for plane in r {
                let n = plane / c, ic = plane % c
                let dst = gradInput + plane &* p.hw
                dst.update(repeating: 0, count: p.hw)
                for m in 0..<p.og {
                    let oc = ic &* p.og &+ m
                    let src = gradOutput + (n &* p.imageOut &+ oc &* p.ohw)
                    let wt = weight + oc &* p.kk
                    for i in 0..<g.kernelH {
                        let hOff = i &* g.dilationH &- g.padH
                        let (yLo, yHi) = validRange(size: g.height, out: oh, stride: g.strideH, offset: hOff)
                        for j in 0..<g.kernelW {
                            let wOff = j &* g.dilationW &- g.padW
                            let (xLo, xHi) = validRange(size: w, out: ow, stride: g.strideW, offset: wOff)
                            if xHi <= xLo { continue }
                            let k = wt[i &* g.kernelW &+ j]
                            for y in yLo..<yHi {
                                let s = src + y &* ow
                                let d = dst + ((y &* g.strideH &+ hOff) &* w &+ wOff)
                                if g.strideW == 1 {
                                    for x in xLo..<xHi { d[x] += k * s[x] }
                                } else {
                                    let sw = g.strideW
                                    for x in xLo..<xHi { d[x &* sw] += k * s[x] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func depthwiseBackwardWeight(_ p: Plan, _ gradOutput: UnsafePointer<Float>,
                                        _ input: UnsafePointer<Float>, _ gradWeight: UnsafeMutablePointer<Float>) {
        let g = p.g
        let o = g.outChannels, oh = g.outH, ow = g.outW, w = g.width
        if g.strideW == 1 { return depthwiseBackwardWeightUnitStride(p, gradOutput, input, gradWeight) }
        Parallel.forRanges(o, costPerItem: g.batch &* p.kk &* p.ohw) { r in
            for oc in r {
                let ic = oc / p.og
                let wt = gradWeight + oc &* p.kk
                for i in 0..<g.kernelH {
                    let hOff = i &* g.dilationH &- g.padH
                    let (yLo, yHi) = validRange(size: g.height, out: oh, stride: g.strideH, offset: hOff)
                    for j in 0..<g.kernelW {
                        let wOff = j &* g.dilationW &- g.padW
                        let (xLo, xHi) = validRange(size: w, out: ow, stride: g.strideW, offset: wOff)
                        var acc: Double = 0
                        if xHi > xLo {
                            for n in 0..<g.batch {
                                let go = gradOutput + (n &* p.imageOut &+ oc &* p.ohw)
                                let src = input + (n &* p.imageIn &+ ic &* p.hw)
                                var s: Float = 0
                                for y in yLo..<yHi {
                                    let gRow = go + y &* ow
                                    let iRow = src + ((y &* g.strideH &+ hOff) &* w &+ wOff)
                                    if g.strideW == 1 {
                                        s += KernelMath.dot(gRow + xLo, iRow + xLo, xHi &- xLo)
                                    } else {
                                        let sw = g.strideW
                                        for x in xLo..<xHi { s += gRow[x] * iRow[x &* sw] }
                                    }
                                }
                                acc += Double(s)
                            }
                        }
                        wt[i &* g.kernelW &+ j] = Float(acc)
                    }
                }
            }
        }
    }

    /// Depthwise weight gradient for unit horizontal stride: per (image, channel) plane, the input is
    /// zero-padded as in `depthwisePlaneUnitStride`, then eight gradOutput values at a time are
    /// multiplied into one 8-wide accumulator per tap; lanes are summed into Double per plane.
    static func depthwiseBackwardWeightUnitStride(_ p: Plan, _ gradOutput: UnsafePointer<Float>,
                                                  _ input: UnsafePointer<Float>,
                                                  _ gradWeight: UnsafeMutablePointer<Float>) {
        let g = p.g
        let h = g.height, w = g.width, oh = g.outH, ow = g.outW, kh = g.kernelH, kw = g.kernelW, kk = p.kk
        let dh = g.dilationH, dw = g.dilationW, ph = g.padH, pw = g.padW, sh = g.strideH
        let pWidth = w &+ 2 &* pw
        let paddedCount = (h &+ 2 &* ph) &* pWidth &+ 8
        Parallel.forRanges(g.outChannels, costPerItem: g.batch &* kk &* p.ohw) { r in
            BufferPool.shared.withScratch(paddedCount) { padded in
                withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: kk) { accBuf in
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: kk) { totalBuf in
                        let acc = accBuf.baseAddress!, total = totalBuf.baseAddress!
                        for oc in r {
                            let ic = oc / p.og
                            total.initialize(repeating: 0, count: kk)
                            for n in 0..<g.batch {
                                let src = input + (n &* p.imageIn &+ ic &* p.hw)
                                let go = gradOutput + (n &* p.imageOut &+ oc &* p.ohw)
                                padPlane(src, height: h, width: w, padH: ph, padW: pw, into: padded)
                                acc.initialize(repeating: SIMD8<Float>(), count: kk)
                                for y in 0..<oh {
                                    let gRow = go + y &* ow
                                    let top = padded + y &* sh &* pWidth
                                    var x = 0
                                    while x < ow {
                                        var gv = SIMD8<Float>()
                                        if x &+ 8 <= ow {
                                            gv = KernelMath.load8(gRow + x)
                                        } else {
                                            for l in 0..<(ow &- x) { gv[l] = gRow[x &+ l] }
                                        }
                                        for i in 0..<kh {
                                            let s = top + (i &* dh &* pWidth &+ x)
                                            for j in 0..<kw {
                                                acc[i &* kw &+ j] += gv * KernelMath.load8(s + j &* dw)
                                            }
                                        }
                                        x &+= 8
                                    }
                                }
                                for t in 0..<kk { total[t] += Double(acc[t].sum()) }
                            }
                            for t in 0..<kk { gradWeight[oc &* kk &+ t] = Float(total[t]) }
                        }
                    }
                }
            }
        }
    }
}

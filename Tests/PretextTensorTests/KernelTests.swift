import XCTest
@testable import PretextTensor

/// Checks the raw conv / pool / norm kernels (forward and every backward) against naive reference loops
/// in Double. Backward references are the exact adjoint loops, or central finite differences in Double
/// where the gradient passes through batch / row statistics.
final class KernelTests: XCTestCase {
    // MARK: - Helpers

    /// Deterministic values in [-1, 1) (plus `offset`).
    private func randomArray(_ n: Int, seed: UInt64, offset: Float = 0) -> [Float] {
        var s = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float((s >> 40) & 0xFFFFFF) / Float(1 << 23) - 1 + offset
        }
    }

    private func assertClose(_ got: [Float], _ want: [Double], rtol: Double = 1e-4, _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(what): length", file: file, line: line)
        let scale = max(1e-3, want.map { abs($0) }.max() ?? 0)
        var worst = 0.0, at = -1
        for i in 0..<min(got.count, want.count) {
            let err = abs(Double(got[i]) - want[i]) / (abs(want[i]) + scale * 0.1)
            if err > worst || err.isNaN { worst = err; at = i }
        }
        XCTAssert(worst <= rtol, "\(what): worst relative error \(worst) at \(at): got \(at >= 0 ? got[at] : 0), want \(at >= 0 ? want[at] : 0)",
                  file: file, line: line)
    }

    private func withOptionalPointer<R>(_ a: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let a else { return body(nil) }
        return a.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    // MARK: - Convolution

    private struct ConvRef {
        var out: [Double], gIn: [Double], gW: [Double], gB: [Double]
    }

    /// Forward plus exact adjoints, all in Double.
    private func convReference(_ g: Conv2dGeometry, _ x: [Float], _ w: [Float], _ b: [Float]?,
                               _ gOut: [Float]) -> ConvRef {
        let oh = g.outH, ow = g.outW, cg = g.inChannelsPerGroup, og = g.outChannelsPerGroup
        var out = [Double](repeating: 0, count: g.batch * g.outputImageSize)
        var gIn = [Double](repeating: 0, count: g.batch * g.inputImageSize)
        var gW = [Double](repeating: 0, count: g.weightCount)
        var gB = [Double](repeating: 0, count: g.outChannels)
        for n in 0..<g.batch {
            for o in 0..<g.outChannels {
                let grp = o / og
                for y in 0..<oh {
                    for xo in 0..<ow {
                        let oi = ((n * g.outChannels + o) * oh + y) * ow + xo
                        var s = Double(b?[o] ?? 0)
                        let go = Double(gOut[oi])
                        gB[o] += go
                        for ci in 0..<cg {
                            let c = grp * cg + ci
                            for i in 0..<g.kernelH {
                                let iy = y * g.strideH - g.padH + i * g.dilationH
                                if iy < 0 || iy >= g.height { continue }
                                for j in 0..<g.kernelW {
                                    let ix = xo * g.strideW - g.padW + j * g.dilationW
                                    if ix < 0 || ix >= g.width { continue }
                                    let xi = ((n * g.inChannels + c) * g.height + iy) * g.width + ix
                                    let wi = ((o * cg + ci) * g.kernelH + i) * g.kernelW + j
                                    s += Double(w[wi]) * Double(x[xi])
                                    gIn[xi] += Double(w[wi]) * go
                                    gW[wi] += Double(x[xi]) * go
                                }
                            }
                        }
                        out[oi] = s
                    }
                }
            }
        }
        return ConvRef(out: out, gIn: gIn, gW: gW, gB: gB)
    }

    /// Checks a geometry under every convolution backend this machine has (oneDNN, when its engine
    /// starts, and the built-in im2col + GEMM), and that oneDNN ran every dense shape itself.
    private func checkConv(_ g: Conv2dGeometry, bias: Bool, seed: UInt64, _ name: String,
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let winograd = ConvBackend.winograd
        defer { ConvBackend.forced = nil; ConvBackend.winograd = winograd }
        let runs: [(ConvBackend, Bool)] = [(.onednn, true), (.onednn, false), (.im2col, false)]
        for (backend, wino) in runs where backend == .im2col || ConvBackend.current == .onednn {
            ConvBackend.forced = backend
            ConvBackend.winograd = wino
            let refused = ConvBackend.fallbacks
            try checkConvOnce(g, bias: bias, seed: seed, "\(name) [\(backend)\(wino ? ", winograd" : "")]",
                              file: file, line: line)
            if backend == .onednn && g.groups == 1 {
                XCTAssertEqual(ConvBackend.fallbacks, refused, "\(name): oneDNN refused a dense shape", file: file, line: line)
            }
        }
    }

    private func checkConvOnce(_ g: Conv2dGeometry, bias: Bool, seed: UInt64, _ name: String,
                               file: StaticString, line: UInt) throws {
        try g.validate()
        let x = randomArray(g.batch * g.inputImageSize, seed: seed)
        let w = randomArray(g.weightCount, seed: seed + 1)
        let b = bias ? randomArray(g.outChannels, seed: seed + 2) : nil
        let outCount = g.batch * g.outputImageSize
        let gOut = randomArray(outCount, seed: seed + 3)
        let ref = convReference(g, x, w, b, gOut)

        // Outputs start as garbage (NaN) to check that every kernel overwrites.
        var out = [Float](repeating: .nan, count: outCount)
        var gIn = [Float](repeating: .nan, count: x.count)
        var gW = [Float](repeating: .nan, count: w.count)
        var gB = [Float](repeating: .nan, count: g.outChannels)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                gOut.withUnsafeBufferPointer { gp in
                    withOptionalPointer(b) { bp in
                        ConvKernels.forward(g, input: xp.baseAddress!, weight: wp.baseAddress!, bias: bp,
                                            output: &out)
                    }
                    ConvKernels.backwardInput(g, gradOutput: gp.baseAddress!, weight: wp.baseAddress!,
                                              gradInput: &gIn)
                    ConvKernels.backwardWeight(g, gradOutput: gp.baseAddress!, input: xp.baseAddress!,
                                               gradWeight: &gW)
                    ConvKernels.backwardBias(g, gradOutput: gp.baseAddress!, gradBias: &gB)
                }
            }
        }
        assertClose(out, ref.out, "\(name) forward", file: file, line: line)
        assertClose(gIn, ref.gIn, "\(name) backwardInput", file: file, line: line)
        assertClose(gW, ref.gW, "\(name) backwardWeight", file: file, line: line)
        assertClose(gB, ref.gB, "\(name) backwardBias", file: file, line: line)
    }

    func testConvBasicStridePadding() throws {
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 3, height: 5, width: 6, outChannels: 4, kernelH: 3, kernelW: 3,
                                     padH: 1, padW: 1), bias: true, seed: 1, "3x3 s1 p1")
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 4, height: 7, width: 7, outChannels: 6, kernelH: 3, kernelW: 3,
                                     strideH: 2, strideW: 2), bias: false, seed: 2, "3x3 s2 p0")
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 2, height: 6, width: 5, outChannels: 3, kernelH: 3, kernelW: 2,
                                     strideH: 2, strideW: 1, padH: 2, padW: 1), bias: true, seed: 3, "3x2 s(2,1) p(2,1)")
        try checkConv(Conv2dGeometry(batch: 1, inChannels: 3, height: 9, width: 8, outChannels: 2, kernelH: 5, kernelW: 5,
                                     strideH: 2, strideW: 2, padH: 2, padW: 2), bias: true, seed: 4, "5x5 s2 p2")
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 1, height: 4, width: 4, outChannels: 3, kernelH: 3, kernelW: 3,
                                     padH: 2, padW: 2), bias: true, seed: 5, "1 input channel, padding 2")
    }

    func testConvDilationAndGroups() throws {
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 3, height: 7, width: 7, outChannels: 2, kernelH: 3, kernelW: 3,
                                     padH: 2, padW: 2, dilationH: 2, dilationW: 2), bias: true, seed: 10, "dilation 2")
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 4, height: 5, width: 5, outChannels: 6, kernelH: 3, kernelW: 3,
                                     padH: 1, padW: 1, groups: 2), bias: true, seed: 11, "groups 2")
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 4, height: 6, width: 6, outChannels: 4, kernelH: 3, kernelW: 3,
                                     padH: 1, padW: 1, groups: 4), bias: true, seed: 12, "depthwise")
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 3, height: 7, width: 6, outChannels: 3, kernelH: 3, kernelW: 3,
                                     strideH: 2, strideW: 2, padH: 2, padW: 1, dilationH: 2, dilationW: 1, groups: 3),
                      bias: false, seed: 13, "depthwise s2 dilated")
        try checkConv(Conv2dGeometry(batch: 1, inChannels: 2, height: 5, width: 5, outChannels: 6, kernelH: 3, kernelW: 3,
                                     padH: 1, padW: 1, groups: 2), bias: true, seed: 14, "depthwise multiplier 3")
        // Rows wide enough for the 8-wide vector loop of the unit-stride depthwise kernel.
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 3, height: 5, width: 21, outChannels: 3, kernelH: 3, kernelW: 3,
                                     padH: 1, padW: 1, groups: 3), bias: true, seed: 15, "depthwise wide")
        try checkConv(Conv2dGeometry(batch: 1, inChannels: 2, height: 9, width: 26, outChannels: 2, kernelH: 5, kernelW: 3,
                                     strideH: 2, strideW: 1, padH: 2, padW: 3, dilationH: 1, dilationW: 2, groups: 2),
                      bias: false, seed: 16, "depthwise wide, dilated, stride (2, 1)")
        try checkConv(Conv2dGeometry(batch: 1, inChannels: 2, height: 4, width: 19, outChannels: 4, kernelH: 3, kernelW: 3,
                                     padH: 0, padW: 1, groups: 2), bias: true, seed: 17, "depthwise wide multiplier 2")
    }

    func testConvPointwise() throws {
        try checkConv(Conv2dGeometry(batch: 3, inChannels: 5, height: 4, width: 3, outChannels: 3, kernelH: 1, kernelW: 1),
                      bias: true, seed: 20, "1x1 (batched images)")
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 4, height: 16, width: 17, outChannels: 6, kernelH: 1, kernelW: 1,
                                     groups: 2), bias: false, seed: 21, "1x1 groups 2 (one image per GEMM)")
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 4, height: 7, width: 6, outChannels: 5, kernelH: 1, kernelW: 1,
                                     strideH: 2, strideW: 2), bias: true, seed: 22, "1x1 stride 2")
    }

    /// Shapes large enough to take the threaded paths: batch split across threads (with per-thread
    /// weight-gradient partials), several small images per GEMM, and a single image split inside.
    func testConvThreadedPaths() throws {
        try checkConv(Conv2dGeometry(batch: 4, inChannels: 16, height: 12, width: 12, outChannels: 16, kernelH: 3,
                                     kernelW: 3, padH: 1, padW: 1), bias: true, seed: 30, "batch-parallel")
        try checkConv(Conv2dGeometry(batch: 6, inChannels: 24, height: 4, width: 4, outChannels: 32, kernelH: 3,
                                     kernelW: 3, padH: 1, padW: 1), bias: true, seed: 31, "batched 4x4 images")
        try checkConv(Conv2dGeometry(batch: 1, inChannels: 16, height: 14, width: 14, outChannels: 40, kernelH: 3,
                                     kernelW: 3, padH: 1, padW: 1), bias: true, seed: 32, "single image, threads inside")
        try checkConv(Conv2dGeometry(batch: 8, inChannels: 64, height: 4, width: 4, outChannels: 64, kernelH: 1,
                                     kernelW: 1), bias: false, seed: 33, "batched 1x1 parallel")
        // ResNet-like stage transitions: oneDNN's blocked layouts (channels a multiple of 16) and the right
        // padding PyTorch drops when it floors the output size (10 px: used right padding 0; 8 px, pad 0: −1).
        try checkConv(Conv2dGeometry(batch: 3, inChannels: 32, height: 10, width: 10, outChannels: 48, kernelH: 3,
                                     kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1), bias: false, seed: 34,
                      "3x3 s2 32->48, right padding below left")
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 16, height: 8, width: 8, outChannels: 32, kernelH: 3,
                                     kernelW: 3, strideH: 2, strideW: 2), bias: true, seed: 35, "3x3 s2 p0, an unused last row")
        try checkConv(Conv2dGeometry(batch: 4, inChannels: 32, height: 8, width: 8, outChannels: 64, kernelH: 1,
                                     kernelW: 1, strideH: 2, strideW: 2), bias: false, seed: 36, "1x1 s2 downsample")
        try checkConv(Conv2dGeometry(batch: 5, inChannels: 3, height: 12, width: 12, outChannels: 32, kernelH: 3,
                                     kernelW: 3, padH: 1, padW: 1), bias: false, seed: 37, "3-channel stem")
        // Winograd-eligible (3x3, stride 1, >= 32 channels), with sizes that are not multiples of its 4x4 tiles.
        try checkConv(Conv2dGeometry(batch: 3, inChannels: 32, height: 7, width: 9, outChannels: 48, kernelH: 3,
                                     kernelW: 3, padH: 1, padW: 1), bias: true, seed: 38, "3x3 s1 32->48 (Winograd tiles)")
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 64, height: 4, width: 4, outChannels: 64, kernelH: 3,
                                     kernelW: 3, padH: 1, padW: 1), bias: false, seed: 39, "3x3 s1 64->64 at 4 px")
    }

    /// Winograd runs where it was chosen (oneDNN 2.6 has it for AVX-512 only), and not where it was not.
    func testConvWinogradChoice() throws {
        guard ConvBackend.current == .onednn else { throw XCTSkip("oneDNN not in use (PRETEXT_CONV)") }
        let winograd = ConvBackend.winograd
        defer { ConvBackend.winograd = winograd }
        ConvBackend.winograd = true
        let eligible = Conv2dGeometry(batch: 4, inChannels: 64, height: 8, width: 8, outChannels: 64, kernelH: 3,
                                      kernelW: 3, padH: 1, padW: 1)
        let strided = Conv2dGeometry(batch: 4, inChannels: 64, height: 8, width: 8, outChannels: 64, kernelH: 3,
                                     kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1)
        let thin = Conv2dGeometry(batch: 4, inChannels: 16, height: 8, width: 8, outChannels: 16, kernelH: 3,
                                  kernelW: 3, padH: 1, padW: 1)
        if CPUFeatures.host.avx512f && CPUFeatures.host.avx512bw && CPUFeatures.host.avx512vl {
            XCTAssertTrue(ConvBackend.oneDNNKernel(for: eligible).contains("wino"), ConvBackend.oneDNNKernel(for: eligible))
        }
        XCTAssertFalse(ConvBackend.oneDNNKernel(for: strided).contains("wino"))
        XCTAssertFalse(ConvBackend.oneDNNKernel(for: thin).contains("wino"))
        ConvBackend.winograd = false
        XCTAssertFalse(ConvBackend.oneDNNKernel(for: eligible).contains("wino"))
        XCTAssertFalse(ConvBackend.oneDNNKernel(for: eligible).isEmpty)
    }

    /// Pretext's own Winograd F(4x4, 3x3) (what AVX2 CPUs run for 3x3 stride-1 convolutions, oneDNN
    /// having Winograd kernels for AVX-512 only), forced on every CPU: forward, both gradients and the
    /// bias against the double-precision reference, over tile grids that do not divide the image,
    /// paddings 0-2, thin and wide channel counts, one and many blocks of tiles per thread.
    func testPretextWinograd() throws {
        let budget = WinogradConv.blockBudget
        defer { WinogradConv.forced = nil; WinogradConv.blockBudget = budget }
        WinogradConv.forced = true
        let cases: [(Conv2dGeometry, Bool, String)] = [
            (Conv2dGeometry(batch: 3, inChannels: 5, height: 7, width: 9, outChannels: 6, kernelH: 3, kernelW: 3,
                            padH: 1, padW: 1), true, "7x9 pad 1, partial tiles"),
            (Conv2dGeometry(batch: 2, inChannels: 4, height: 10, width: 6, outChannels: 3, kernelH: 3, kernelW: 3),
             false, "pad 0 (8x4 output)"),
            (Conv2dGeometry(batch: 2, inChannels: 3, height: 5, width: 5, outChannels: 4, kernelH: 3, kernelW: 3,
                            padH: 2, padW: 1), true, "pad (2, 1)"),
            (Conv2dGeometry(batch: 1, inChannels: 2, height: 1, width: 3, outChannels: 2, kernelH: 3, kernelW: 3,
                            padH: 1, padW: 1), false, "one row"),
            (Conv2dGeometry(batch: 4, inChannels: 64, height: 4, width: 4, outChannels: 48, kernelH: 3, kernelW: 3,
                            padH: 1, padW: 1), false, "64->48 at 4 px (a ResNet's last stage)"),
            (Conv2dGeometry(batch: 2, inChannels: 16, height: 16, width: 16, outChannels: 32, kernelH: 3, kernelW: 3,
                            padH: 1, padW: 1), true, "16->32 at 16 px"),
        ]
        for (budgetFloats, label) in [(budget, "default blocks"), (36 * 64, "blocks of 16 tiles")] {
            WinogradConv.blockBudget = budgetFloats
            for (i, (g, bias, name)) in cases.enumerated() {
                let before = WinogradConv.calls
                try checkConvOnce(g, bias: bias, seed: 60 + UInt64(i), "Winograd \(name), \(label)", file: #filePath, line: #line)
                XCTAssertEqual(WinogradConv.calls - before, 3, "\(name): forward, input and weight gradient all ran Winograd")
            }
        }
        // Exact resume needs the same bits call after call: blocks go to threads in a fixed order.
        WinogradConv.blockBudget = 36 * 64
        let g = cases[5].0
        let x = randomArray(g.batch * g.inputImageSize, seed: 70), w = randomArray(g.weightCount, seed: 71)
        let gy = randomArray(g.batch * g.outputImageSize, seed: 72)
        func run() -> [Float] {
            var y = [Float](repeating: 0, count: gy.count), gw = [Float](repeating: 0, count: w.count)
            ConvKernels.forward(g, input: x, weight: w, bias: nil, output: &y)
            ConvKernels.backwardWeight(g, gradOutput: gy, input: x, gradWeight: &gw)
            return y + gw
        }
        let first = run()
        for _ in 0..<3 { XCTAssertEqual(run(), first, "Winograd results repeat bit for bit") }
        WinogradConv.forced = nil
        XCTAssertFalse(WinogradConv.handles(Conv2dGeometry(batch: 1, inChannels: 64, height: 8, width: 8, outChannels: 64,
                                                           kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1)))
        XCTAssertFalse(WinogradConv.handles(Conv2dGeometry(batch: 1, inChannels: 3, height: 8, width: 8, outChannels: 64,
                                                           kernelH: 3, kernelW: 3, padH: 1, padW: 1)), "the RGB stem stays direct")
    }

    /// Images whose column matrix exceeds the scratch cap are lowered a block of output rows at a time
    /// (forward, weight gradient, and the col2im input gradient of strided convolutions).
    func testConvRowBlocks() throws {
        let saved = ConvKernels.maxColumnScratch
        defer { ConvKernels.maxColumnScratch = saved }
        ConvKernels.maxColumnScratch = 3 * 9 * 7 * 2   // two output rows of a 3-channel 3x3 conv, 7 wide
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 3, height: 9, width: 7, outChannels: 4, kernelH: 3, kernelW: 3,
                                     padH: 1, padW: 1), bias: true, seed: 40, "row blocks s1")
        try checkConv(Conv2dGeometry(batch: 2, inChannels: 3, height: 13, width: 14, outChannels: 4, kernelH: 3,
                                     kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 1),
                      bias: false, seed: 41, "row blocks s2")
        try checkConv(Conv2dGeometry(batch: 1, inChannels: 4, height: 11, width: 7, outChannels: 4, kernelH: 3,
                                     kernelW: 3, strideH: 2, strideW: 1, padH: 2, padW: 1, dilationH: 2, groups: 2),
                      bias: true, seed: 42, "row blocks groups, dilation")
    }

    func testConvGeometryValidation() {
        XCTAssertThrowsError(try Conv2dGeometry(batch: 1, inChannels: 3, height: 5, width: 5, outChannels: 4, kernelH: 3,
                                                kernelW: 3, groups: 2).validate())
        XCTAssertThrowsError(try Conv2dGeometry(batch: 1, inChannels: 4, height: 2, width: 5, outChannels: 4, kernelH: 3,
                                                kernelW: 3, strideH: 2).validate())
        XCTAssertThrowsError(try Conv2dGeometry(batch: 1, inChannels: 4, height: 5, width: 5, outChannels: 4, kernelH: 0,
                                                kernelW: 3).validate())
        let g = Conv2dGeometry(batch: 1, inChannels: 4, height: 32, width: 32, outChannels: 8, kernelH: 3, kernelW: 3,
                               strideH: 2, strideW: 2, padH: 1, padW: 1)
        XCTAssertNoThrow(try g.validate())
        XCTAssertEqual(g.outH, 16)
        XCTAssertEqual(g.outW, 16)
        do {
            try Conv2dGeometry(batch: 1, inChannels: 6, height: 5, width: 5, outChannels: 4, kernelH: 3, kernelW: 3,
                               groups: 4).validate()
            XCTFail("expected an error")
        } catch let TensorError.invalidArgument(op, detail) {
            XCTAssertEqual(op, "conv2d")
            XCTAssert(detail.contains("6") && detail.contains("groups"), detail)
        } catch { XCTFail("\(error)") }
    }

    // MARK: - Pooling

    func testMaxPool() throws {
        for (k, s, p, h, w) in [(3, 2, 1, 7, 6), (2, 2, 0, 6, 6), (3, 1, 1, 5, 4), (2, 3, 1, 8, 7), (3, 2, 1, 9, 21),
                                (3, 1, 1, 6, 13)] {
            let g = Pool2dGeometry(batch: 2, channels: 3, height: h, width: w, kernelH: k, kernelW: k,
                                   strideH: s, strideW: s, padH: p, padW: p)
            try g.validate()
            let planes = 2 * 3, oh = g.outH, ow = g.outW
            let x = randomArray(planes * h * w, seed: UInt64(k * 100 + s * 10 + p))
            let gOut = randomArray(planes * oh * ow, seed: 7)
            var refOut = [Double](), refIdx = [Int32]()
            var refGIn = [Double](repeating: 0, count: x.count)
            for pl in 0..<planes {
                for y in 0..<oh {
                    for xo in 0..<ow {
                        var best = -Double.infinity, at = -1
                        for i in 0..<k {
                            for j in 0..<k {
                                let iy = y * s - p + i, ix = xo * s - p + j
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                let v = Double(x[pl * h * w + iy * w + ix])
                                if v > best { best = v; at = iy * w + ix }
                            }
                        }
                        refOut.append(best)
                        refIdx.append(Int32(at))
                        refGIn[pl * h * w + at] += Double(gOut[refOut.count - 1])
                    }
                }
            }
            var out = [Float](repeating: .nan, count: refOut.count)
            var idx = [Int32](repeating: -1, count: refOut.count)
            var gIn = [Float](repeating: .nan, count: x.count)
            PoolKernels.maxForward(g, input: x, output: &out, indices: &idx)
            PoolKernels.maxBackward(g, gradOutput: gOut, indices: idx, gradInput: &gIn)
            assertClose(out, refOut, rtol: 0, "max k\(k) s\(s) p\(p) forward")
            XCTAssertEqual(idx, refIdx, "max k\(k) s\(s) p\(p) indices")
            assertClose(gIn, refGIn, "max k\(k) s\(s) p\(p) backward")
        }
        // Ties: the first maximum of the window wins, as in PyTorch.
        let g = Pool2dGeometry(batch: 1, channels: 1, height: 4, width: 4, kernelH: 2, kernelW: 2, padH: 1, padW: 1)
        var out = [Float](repeating: 0, count: 9), idx = [Int32](repeating: 0, count: 9)
        PoolKernels.maxForward(g, input: [Float](repeating: 1, count: 16), output: &out, indices: &idx)
        XCTAssertEqual(idx, [0, 1, 3, 4, 5, 7, 12, 13, 15])
        // NaN propagates (PyTorch: `val > max || isnan(val)`), in the vector and the scalar loops.
        let gn = Pool2dGeometry(batch: 1, channels: 1, height: 2, width: 10, kernelH: 2, kernelW: 2)
        var xn = (0..<20).map { Float($0) }
        xn[13] = .nan
        xn[8] = .nan
        var outN = [Float](repeating: 0, count: 5), idxN = [Int32](repeating: 0, count: 5)
        PoolKernels.maxForward(gn, input: xn, output: &outN, indices: &idxN)
        XCTAssertEqual(idxN, [11, 13, 15, 17, 8])
        XCTAssertEqual(outN.map { $0.isNaN }, [false, true, false, false, true])
        XCTAssertEqual(outN[0], 11)
    }

    func testAvgPool() throws {
        for (k, s, p, h, w) in [(3, 2, 1, 7, 6), (2, 2, 0, 6, 6), (3, 1, 1, 5, 4), (4, 3, 2, 9, 8)] {
            let g = Pool2dGeometry(batch: 2, channels: 2, height: h, width: w, kernelH: k, kernelW: k,
                                   strideH: s, strideW: s, padH: p, padW: p)
            try g.validate()
            let planes = 4, oh = g.outH, ow = g.outW
            let x = randomArray(planes * h * w, seed: UInt64(k * 100 + s * 10 + p))
            let gOut = randomArray(planes * oh * ow, seed: 9)
            var refOut = [Double](), refGIn = [Double](repeating: 0, count: x.count)
            for pl in 0..<planes {
                for y in 0..<oh {
                    for xo in 0..<ow {
                        var sum = 0.0
                        let go = Double(gOut[refOut.count]) / Double(k * k)  // count_include_pad
                        for i in 0..<k {
                            for j in 0..<k {
                                let iy = y * s - p + i, ix = xo * s - p + j
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                sum += Double(x[pl * h * w + iy * w + ix])
                                refGIn[pl * h * w + iy * w + ix] += go
                            }
                        }
                        refOut.append(sum / Double(k * k))
                    }
                }
            }
            var out = [Float](repeating: .nan, count: refOut.count)
            var gIn = [Float](repeating: .nan, count: x.count)
            PoolKernels.avgForward(g, input: x, output: &out)
            PoolKernels.avgBackward(g, gradOutput: gOut, gradInput: &gIn)
            assertClose(out, refOut, "avg k\(k) s\(s) p\(p) forward")
            assertClose(gIn, refGIn, "avg k\(k) s\(s) p\(p) backward")
        }
        XCTAssertThrowsError(try Pool2dGeometry(batch: 1, channels: 1, height: 4, width: 4, kernelH: 2, kernelW: 2,
                                                padH: 2, padW: 0).validate())
    }

    func testAdaptiveAvgPool() {
        for (h, w, oh, ow) in [(7, 7, 3, 3), (5, 7, 2, 4), (6, 5, 1, 1), (4, 4, 4, 4), (3, 2, 5, 3), (8, 8, 2, 2)] {
            let planes = 2 * 3
            let x = randomArray(planes * h * w, seed: UInt64(h * 1000 + w * 100 + oh * 10 + ow))
            let gOut = randomArray(planes * oh * ow, seed: 5)
            var refOut = [Double](), refGIn = [Double](repeating: 0, count: x.count)
            for pl in 0..<planes {
                for y in 0..<oh {
                    let ys = Int((Double(y * h) / Double(oh)).rounded(.down))
                    let ye = Int((Double((y + 1) * h) / Double(oh)).rounded(.up))
                    for xo in 0..<ow {
                        let xs = Int((Double(xo * w) / Double(ow)).rounded(.down))
                        let xe = Int((Double((xo + 1) * w) / Double(ow)).rounded(.up))
                        let area = Double((ye - ys) * (xe - xs))
                        let go = Double(gOut[refOut.count]) / area
                        var sum = 0.0
                        for iy in ys..<ye {
                            for ix in xs..<xe {
                                sum += Double(x[pl * h * w + iy * w + ix])
                                refGIn[pl * h * w + iy * w + ix] += go
                            }
                        }
                        refOut.append(sum / area)
                    }
                }
            }
            var out = [Float](repeating: .nan, count: refOut.count)
            var gIn = [Float](repeating: .nan, count: x.count)
            PoolKernels.adaptiveAvgForward(batch: 2, channels: 3, height: h, width: w, outH: oh, outW: ow,
                                           input: x, output: &out)
            PoolKernels.adaptiveAvgBackward(batch: 2, channels: 3, height: h, width: w, outH: oh, outW: ow,
                                            gradOutput: gOut, gradInput: &gIn)
            assertClose(out, refOut, "adaptive \(h)x\(w)->\(oh)x\(ow) forward")
            assertClose(gIn, refGIn, "adaptive \(h)x\(w)->\(oh)x\(ow) backward")
        }
    }

    // MARK: - Batch norm

    /// Batch-norm forward in Double with batch statistics, for finite differences.
    private func bnTrainForward(_ x: [Double], n: Int, c: Int, hw: Int, w: [Double], b: [Double],
                                eps: Double) -> [Double] {
        var y = [Double](repeating: 0, count: x.count)
        let m = Double(n * hw)
        for ch in 0..<c {
            var mean = 0.0
            for i in 0..<n { for j in 0..<hw { mean += x[(i * c + ch) * hw + j] } }
            mean /= m
            var v = 0.0
            for i in 0..<n { for j in 0..<hw { let d = x[(i * c + ch) * hw + j] - mean; v += d * d } }
            let istd = 1 / (v / m + eps).squareRoot()
            for i in 0..<n {
                for j in 0..<hw {
                    let k = (i * c + ch) * hw + j
                    y[k] = (x[k] - mean) * istd * w[ch] + b[ch]
                }
            }
        }
        return y
    }

    private func checkBatchNorm(n: Int, c: Int, hw: Int, offset: Float, seed: UInt64) {
        let eps: Float = 1e-5
        let x = randomArray(n * c * hw, seed: seed, offset: offset)
        let w = randomArray(c, seed: seed + 1, offset: 1.5), b = randomArray(c, seed: seed + 2)
        let gOut = randomArray(x.count, seed: seed + 3)
        let xd = x.map(Double.init), wd = w.map(Double.init), bd = b.map(Double.init)
        let name = "bn n\(n) c\(c) hw\(hw)"

        // Statistics.
        var refMean = [Double](repeating: 0, count: c), refVar = [Double](repeating: 0, count: c)
        let m = Double(n * hw)
        for ch in 0..<c {
            for i in 0..<n { for j in 0..<hw { refMean[ch] += xd[(i * c + ch) * hw + j] } }
            refMean[ch] /= m
            for i in 0..<n { for j in 0..<hw { let d = xd[(i * c + ch) * hw + j] - refMean[ch]; refVar[ch] += d * d } }
            refVar[ch] /= m
        }
        var mean = [Float](repeating: .nan, count: c), variance = [Float](repeating: .nan, count: c)
        NormKernels.batchNormStatistics(n: n, c: c, hw: hw, input: x, mean: &mean, variance: &variance)
        assertClose(mean, refMean, rtol: 1e-5, "\(name) mean")
        assertClose(variance, refVar, rtol: 1e-4, "\(name) variance")

        // Apply with the exact statistics.
        let invStd = refVar.map { Float(1 / ($0 + Double(eps)).squareRoot()) }
        let meanF = refMean.map { Float($0) }
        var y = [Float](repeating: .nan, count: x.count)
        NormKernels.batchNormApply(n: n, c: c, hw: hw, input: x, mean: meanF, invStd: invStd, weight: w, bias: b,
                                   output: &y)
        assertClose(y, bnTrainForward(xd, n: n, c: c, hw: hw, w: wd, b: bd, eps: Double(eps)), rtol: 2e-4,
                    "\(name) apply")
        var yPlain = [Float](repeating: .nan, count: x.count)
        NormKernels.batchNormApply(n: n, c: c, hw: hw, input: x, mean: meanF, invStd: invStd, weight: nil, bias: nil,
                                   output: &yPlain)
        assertClose(yPlain, bnTrainForward(xd, n: n, c: c, hw: hw, w: [Double](repeating: 1, count: c),
                                           b: [Double](repeating: 0, count: c), eps: Double(eps)),
                    rtol: 2e-4, "\(name) apply without affine")

        // Parameter gradients (same in both modes): Σ dy·x̂ and Σ dy.
        var refGW = [Double](repeating: 0, count: c), refGB = [Double](repeating: 0, count: c)
        for i in 0..<n {
            for ch in 0..<c {
                for j in 0..<hw {
                    let k = (i * c + ch) * hw + j
                    refGW[ch] += Double(gOut[k]) * (xd[k] - refMean[ch]) * Double(invStd[ch])
                    refGB[ch] += Double(gOut[k])
                }
            }
        }

        // Training: input gradient by central differences of L = Σ y·gOut in Double.
        let h = 1e-4
        var refGIn = [Double](repeating: 0, count: x.count)
        var xp = xd
        for k in 0..<x.count {
            let orig = xp[k]
            xp[k] = orig + h
            let lp = zip(bnTrainForward(xp, n: n, c: c, hw: hw, w: wd, b: bd, eps: Double(eps)), gOut)
                .reduce(0.0) { $0 + $1.0 * Double($1.1) }
            xp[k] = orig - h
            let lm = zip(bnTrainForward(xp, n: n, c: c, hw: hw, w: wd, b: bd, eps: Double(eps)), gOut)
                .reduce(0.0) { $0 + $1.0 * Double($1.1) }
            xp[k] = orig
            refGIn[k] = (lp - lm) / (2 * h)
        }
        var gIn = [Float](repeating: .nan, count: x.count)
        var gW = [Float](repeating: .nan, count: c), gB = [Float](repeating: .nan, count: c)
        NormKernels.batchNormBackward(n: n, c: c, hw: hw, input: x, gradOutput: gOut, mean: meanF, invStd: invStd,
                                      weight: w, gradInput: &gIn, gradWeight: &gW, gradBias: &gB, training: true)
        assertClose(gIn, refGIn, rtol: 1e-3, "\(name) train gradInput")
        assertClose(gW, refGW, "\(name) train gradWeight")
        assertClose(gB, refGB, "\(name) train gradBias")

        // Evaluation: statistics are constants.
        let refEval = (0..<x.count).map { k -> Double in
            let ch = (k / hw) % c
            return Double(gOut[k]) * wd[ch] * Double(invStd[ch])
        }
        gIn = [Float](repeating: .nan, count: x.count)
        gW = [Float](repeating: .nan, count: c); gB = [Float](repeating: .nan, count: c)
        NormKernels.batchNormBackward(n: n, c: c, hw: hw, input: x, gradOutput: gOut, mean: meanF, invStd: invStd,
                                      weight: w, gradInput: &gIn, gradWeight: &gW, gradBias: &gB, training: false)
        assertClose(gIn, refEval, "\(name) eval gradInput")
        assertClose(gW, refGW, "\(name) eval gradWeight")
        assertClose(gB, refGB, "\(name) eval gradBias")
        // Only the input gradient, no weight.
        gIn = [Float](repeating: .nan, count: x.count)
        NormKernels.batchNormBackward(n: n, c: c, hw: hw, input: x, gradOutput: gOut, mean: meanF, invStd: invStd,
                                      weight: nil, gradInput: &gIn, gradWeight: nil, gradBias: nil, training: false)
        assertClose(gIn, (0..<x.count).map { refEval[$0] / wd[($0 / hw) % c] }, "\(name) eval gradInput, no weight")
    }

    func testBatchNorm() {
        checkBatchNorm(n: 3, c: 4, hw: 5, offset: 0, seed: 40)        // small planes: row-ordered path
        checkBatchNorm(n: 2, c: 3, hw: 40, offset: 0.5, seed: 41)     // per-channel plane path
        checkBatchNorm(n: 16, c: 5, hw: 1, offset: -2, seed: 42)      // [N, C] input
        checkBatchNorm(n: 2, c: 2, hw: 36, offset: 100, seed: 43)     // large mean: centred formulas
        checkBatchNorm(n: 4, c: 3, hw: 2, offset: 100, seed: 44)
    }

    func testBatchNormStatisticsLargeOffset() {
        // A large mean must not swamp the variance (the kernel sums around a shift, in Double).
        let n = 8, c = 3, hw = 3000
        let x = randomArray(n * c * hw, seed: 50, offset: 1000)
        var mean = [Float](repeating: 0, count: c), variance = [Float](repeating: 0, count: c)
        NormKernels.batchNormStatistics(n: n, c: c, hw: hw, input: x, mean: &mean, variance: &variance)
        for ch in 0..<c {
            var s = 0.0
            for i in 0..<n { for j in 0..<hw { s += Double(x[(i * c + ch) * hw + j]) } }
            let m = s / Double(n * hw)
            var v = 0.0
            for i in 0..<n { for j in 0..<hw { let d = Double(x[(i * c + ch) * hw + j]) - m; v += d * d } }
            v /= Double(n * hw)
            XCTAssertEqual(Double(mean[ch]), m, accuracy: 1e-4)
            XCTAssertEqual(Double(variance[ch]), v, accuracy: v * 1e-3)
        }
    }

    // MARK: - Layer norm

    private func lnRow(_ x: ArraySlice<Double>, w: [Double]?, b: [Double]?, eps: Double) -> [Double] {
        let d = Double(x.count)
        let m = x.reduce(0, +) / d
        let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / d
        let istd = 1 / (v + eps).squareRoot()
        return x.enumerated().map { j, xv in (xv - m) * istd * (w?[j] ?? 1) + (b?[j] ?? 0) }
    }

    private func checkLayerNorm(rows: Int, dim: Int, affine: Bool, seed: UInt64) {
        let eps: Float = 1e-5
        let x = randomArray(rows * dim, seed: seed, offset: 0.3)
        let w = affine ? randomArray(dim, seed: seed + 1, offset: 1) : nil
        let b = affine ? randomArray(dim, seed: seed + 2) : nil
        let gOut = randomArray(x.count, seed: seed + 3)
        let xd = x.map(Double.init), wd = w?.map(Double.init), bd = b?.map(Double.init)
        let name = "ln \(rows)x\(dim)\(affine ? " affine" : "")"

        var refY = [Double](), refMean = [Double](), refInv = [Double](), refGIn = [Double]()
        var refGW = [Double](repeating: 0, count: dim), refGB = [Double](repeating: 0, count: dim)
        let h = 1e-4
        for r in 0..<rows {
            var row = Array(xd[r * dim..<(r + 1) * dim])
            refY += lnRow(row[...], w: wd, b: bd, eps: Double(eps))
            let m = row.reduce(0, +) / Double(dim)
            let v = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(dim)
            refMean.append(m)
            refInv.append(1 / (v + Double(eps)).squareRoot())
            let g = gOut[r * dim..<(r + 1) * dim].map(Double.init)
            for j in 0..<dim {
                refGW[j] += g[j] * (row[j] - m) * refInv[r]
                refGB[j] += g[j]
            }
            // Analytic gradient in Double: dx = istd·(g·w − mean(g·w) − x̂·mean(g·w·x̂)).
            let gw = (0..<dim).map { g[$0] * (wd?[$0] ?? 1) }
            let xhat = row.map { ($0 - m) * refInv[r] }
            let mg = gw.reduce(0, +) / Double(dim)
            let mgx = zip(gw, xhat).reduce(0.0) { $0 + $1.0 * $1.1 } / Double(dim)
            let analytic = (0..<dim).map { refInv[r] * (gw[$0] - mg - xhat[$0] * mgx) }
            refGIn += analytic
            // Central differences on the first rows confirm the analytic reference itself.
            if r >= 2 { continue }
            for j in 0..<dim {
                let orig = row[j]
                row[j] = orig + h
                let lp = zip(lnRow(row[...], w: wd, b: bd, eps: Double(eps)), g).reduce(0.0) { $0 + $1.0 * $1.1 }
                row[j] = orig - h
                let lm = zip(lnRow(row[...], w: wd, b: bd, eps: Double(eps)), g).reduce(0.0) { $0 + $1.0 * $1.1 }
                row[j] = orig
                XCTAssertEqual((lp - lm) / (2 * h), analytic[j], accuracy: 1e-6 * max(1, abs(analytic[j])),
                               "\(name) finite differences, row \(r) col \(j)")
            }
        }
        var y = [Float](repeating: .nan, count: x.count)
        var mean = [Float](repeating: .nan, count: rows), invStd = [Float](repeating: .nan, count: rows)
        withOptionalPointer(w) { wp in
            withOptionalPointer(b) { bp in
                NormKernels.layerNormForward(rows: rows, dim: dim, input: x, weight: wp, bias: bp, eps: eps,
                                             output: &y, mean: &mean, invStd: &invStd)
            }
        }
        assertClose(y, refY, rtol: 2e-4, "\(name) forward")
        assertClose(mean, refMean, "\(name) mean")
        assertClose(invStd, refInv, "\(name) invStd")

        var gIn = [Float](repeating: .nan, count: x.count)
        var gW = [Float](repeating: .nan, count: dim), gB = [Float](repeating: .nan, count: dim)
        withOptionalPointer(w) { wp in
            NormKernels.layerNormBackward(rows: rows, dim: dim, input: x, gradOutput: gOut, mean: mean,
                                          invStd: invStd, weight: wp, gradInput: &gIn, gradWeight: &gW,
                                          gradBias: &gB)
        }
        assertClose(gIn, refGIn, rtol: 1e-3, "\(name) gradInput")
        assertClose(gW, refGW, "\(name) gradWeight")
        assertClose(gB, refGB, "\(name) gradBias")
    }

    func testLayerNorm() {
        checkLayerNorm(rows: 5, dim: 37, affine: true, seed: 60)
        checkLayerNorm(rows: 3, dim: 64, affine: false, seed: 61)
        checkLayerNorm(rows: 64, dim: 160, affine: true, seed: 62)   // rows split across threads
    }
}

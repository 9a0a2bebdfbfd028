import XCTest
import PretextTensor
@testable import PretextNN

/// ViTs against timm (keys, shapes, parameter counts, CLS features, position-embedding resampling) and
/// the MAE subset encoder against Lightly's `MaskedVisionTransformerTIMM`.
final class VisionTransformerTests: XCTestCase {
    /// vit_{tiny,small,base}_patch16_224: every key and shape of timm's 12-block models, checked on a
    /// 1-block build of the same width (building ViT-B in a debug test costs ~10 s): the non-block keys
    /// and block 0 must equal timm's, blocks 1–11 repeat block 0, and the parameter count is
    /// non-block + 12 × block.
    func testKeysAndShapesOfTimmModels() {
        var rng = RNG(seed: 1)
        for (name, size) in [("vit_t16_224", VisionTransformer.Size.tiny), ("vit_s16_224", .small), ("vit_b16_224", .base)] {
            let fx = Fixture.model(name)
            let ref = Fixture.keys(fx["keys"])
            let vit = VisionTransformer(dim: size.dim, depth: 1, heads: size.heads, initialize: false, rng: &rng)
            assertKeys(vit, ref.filter { !$0.0.hasPrefix("blocks.") || $0.0.hasPrefix("blocks.0.") }, name)
            let block0 = ref.filter { $0.0.hasPrefix("blocks.0.") }
            for b in 1..<12 {
                let blockB = ref.filter { $0.0.hasPrefix("blocks.\(b).") }
                XCTAssertEqual(blockB.map { $0.0.replacingOccurrences(of: "blocks.\(b).", with: "blocks.0.") }, block0.map(\.0))
                XCTAssertEqual(blockB.map(\.1), block0.map(\.1))
            }
            let blockParams = vit.blocks[0].parameterCount
            XCTAssertEqual(vit.parameterCount + 11 * blockParams, (fx["parameters"] as! NSNumber).intValue, "\(name) parameters")
            XCTAssertEqual(vit.featureDim, size.dim)
            XCTAssertEqual(vit.heads, size.heads)
        }
        XCTAssertEqual(VisionTransformer.Size.small.depth, 12)
    }

    func testViTSmallPatch8MatchesTimm() throws {
        var rng = RNG(seed: 2)
        let vit = VisionTransformer(.small, patchSize: 8, imageSize: 32, initialize: false, rng: &rng)
        let fx = Fixture.model("vit_s8_32")
        assertKeys(vit, Fixture.keys(fx["keys"]), "vit_s8_32")
        Formula.fill(vit)
        vit.eval()
        let y = try noGrad { try vit(Formula.input([2, 3, 32, 32])) }
        assertClose(y.scalars, Fixture.tensor(fx["output"]).scalars, "vit-s/8 CLS features vs timm")
    }

    func testViTTinyPatch4MatchesTimmAtSeveralSizes() throws {
        var rng = RNG(seed: 3)
        let vit = VisionTransformer(.tiny, patchSize: 4, imageSize: 32, rng: &rng)
        XCTAssertEqual(vit.architecture, "vit-t/4")
        let fx = Fixture.model("vit_t4_32")
        assertKeys(vit, Fixture.keys(fx["keys"]), "vit_t4_32")
        Formula.fill(vit)
        vit.eval()
        try noGrad {
            let y = try vit(Formula.input([2, 3, 32, 32]))
            XCTAssertEqual(y.shape, [2, 192])
            assertClose(y.scalars, Fixture.tensor(fx["output"]).scalars, "vit-t/4 at 32 px")
            // Non-native sizes: timm resamples the position embedding (bicubic, antialias).
            for size in [16, 40] {
                let ys = try vit(Formula.input([2, 3, size, size]))
                assertClose(ys.scalars, Fixture.tensor(fx["output_\(size)"]).scalars, "vit-t/4 at \(size) px")
            }
            let tokens = try vit.encode(Formula.input([2, 3, 32, 32]))
            XCTAssertEqual(tokens.shape, [2, 65, 192])
            let every8 = try tokens.indexSelect(axis: 1, indices: Array(stride(from: 0, to: 65, by: 8)))
            assertClose(every8.scalars, Fixture.tensor(fx["tokens_every8"]).scalars, "vit-t/4 all tokens")
        }
    }

    func testPositionEmbeddingResamplingMatchesTimm() throws {
        let fx = Fixture.section("pos_embed")
        let input = Fixture.tensor(fx["input"])
        for (name, value) in fx where name != "input" {
            let c = value as! [String: Any]
            let new = Fixture.ints(c["new"])
            let r = try PositionEmbedding.resample(input, from: (4, 4), to: (new[0], new[1]))
            let ref = Fixture.tensor(c["output"])
            XCTAssertEqual(r.shape, ref.shape, name)
            assertClose(r.scalars, ref.scalars, rtol: 1e-5, "resample_abs_pos_embed to \(name)")
        }
        // Same grid: unchanged.
        XCTAssertTrue(try PositionEmbedding.resample(input, from: (4, 4), to: (4, 4)) === input)
    }

    /// Gradients reach the learned position embedding through the resampling (DINO local crops).
    func testResampledPositionEmbeddingGetsGradients() throws {
        var rng = RNG(seed: 4)
        let vit = VisionTransformer(dim: 16, depth: 1, heads: 2, patchSize: 4, imageSize: 16, rng: &rng)
        let y = try vit(Tensor.normal([2, 3, 8, 8], rng: &rng))
        try y.sum().backward()
        let g = try XCTUnwrap(vit.posEmbed.grad)
        XCTAssertEqual(g.shape, [1, 17, 16])
        XCTAssertGreaterThan(g.scalars.map(abs).max()!, 0)
        for (k, p) in vit.namedParameters() { XCTAssertNotNil(p.grad, "no gradient for \(k)") }
    }

    func testMAESubsetEncodingMatchesLightly() throws {
        var rng = RNG(seed: 5)
        let vit = VisionTransformer(.tiny, patchSize: 4, imageSize: 32, rng: &rng)
        Formula.fill(vit)
        vit.eval()
        let fx = Fixture.section("mae")
        let keep = (fx["keep"] as! [Any]).map { Fixture.ints($0) }
        let y = try noGrad { try vit.encode(Formula.input([2, 3, 32, 32]), keep: keep) }
        XCTAssertEqual(y.shape, [2, 7, 192])
        assertClose(y.scalars, Fixture.tensor(fx["output"]).scalars, "encode(keep:) vs MaskedVisionTransformerTIMM")
        XCTAssertThrowsError(try vit.encode(Formula.input([2, 3, 32, 32]), keep: [[1, 2], [3]]))
        XCTAssertThrowsError(try vit.encode(Formula.input([2, 3, 32, 32]), keep: [[64], [0]]))
    }

    /// `encode(keep:)` embeds only the kept patches; it must give the values and every parameter's
    /// gradient of embedding all patches and selecting afterwards (Lightly's order of work), on the
    /// native grid and on a resampled one, with a patch kept by both images.
    func testSubsetEncodingEqualsEmbeddingEveryPatchThenSelecting() throws {
        for size in [16, 12] {
            var rng = RNG(seed: 9)
            let vit = VisionTransformer(dim: 16, depth: 1, heads: 2, patchSize: 4, imageSize: 16, rng: &rng)
            let images = Tensor.normal([2, 3, size, size], rng: &rng)
            let l = (size / 4) * (size / 4)
            let keep = [[3, 0, l - 1], [l - 1, 5, 2]]
            let weights = Tensor.normal([2, 4, 16], rng: &rng)
            func gradients(_ encode: () throws -> Tensor) throws -> (Tensor, [String: [Float]]) {
                for p in vit.parameters() { p.grad = nil }
                let y = try encode()
                try (y * weights).sum().backward()
                return (y, Dictionary(uniqueKeysWithValues: vit.namedParameters().map { ($0.0, $0.1.grad?.scalars ?? []) }))
            }
            let (fast, fastGrads) = try gradients { try vit.encode(images, keep: keep) }
            let (slow, slowGrads) = try gradients {
                let all = try vit.embed(images)
                var rows: [Int] = []
                for (i, idx) in keep.enumerated() { rows.append(i * (1 + l)); rows += idx.map { i * (1 + l) + 1 + $0 } }
                let kept = try all.reshaped([2 * (1 + l), 16]).indexSelect(axis: 0, indices: rows).reshaped([2, 4, 16])
                return try vit.norm(vit.transform(kept))
            }
            assertClose(fast.scalars, slow.scalars, rtol: 1e-5, "values, \(size) px")
            for (key, g) in slowGrads {
                XCTAssertFalse(g.isEmpty, "\(key) has no gradient")
                assertClose(fastGrads[key] ?? [], g, rtol: 1e-5, "gradient of \(key), \(size) px")
            }
        }
    }

    func testPatchifyAndSinCosMatchLightly() throws {
        let fx = Fixture.section("mae")
        let p = try VisionTransformer.patchify(Formula.input([2, 3, 8, 8]), patchSize: 4)
        XCTAssertEqual(p.shape, [2, 4, 48])
        assertClose(p.scalars, Fixture.tensor(fx["patchify"]).scalars, rtol: 1e-7, "patchify")   // fixture has 8 digits
        let s = PositionEmbedding.sinCos2D(dim: 16, gridSize: 4)
        assertClose(s.scalars, Fixture.tensor(fx["sincos"]).scalars, rtol: 1e-5, "sin-cos embedding")
    }

    /// timm's init: Linear weights trunc_normal(0.02), zero biases; pos_embed std 0.02; cls ~1e-6.
    func testInitialisation() throws {
        var rng = RNG(seed: 6)
        let vit = VisionTransformer(dim: 64, depth: 2, heads: 4, patchSize: 4, imageSize: 32, rng: &rng)
        func std(_ v: [Float]) -> Float {
            let m = v.reduce(0, +) / Float(v.count)
            return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Float(v.count)).squareRoot()
        }
        XCTAssertEqual(std(vit.blocks[0].mlp.fc1.weight.scalars), 0.02, accuracy: 0.001)
        XCTAssertEqual(vit.blocks[0].attn.qkv.bias!.scalars.allSatisfy { $0 == 0 }, true)
        XCTAssertEqual(std(vit.posEmbed.scalars), 0.02, accuracy: 0.001)
        XCTAssertLessThan(vit.clsToken.scalars.map(abs).max()!, 1e-5)
        XCTAssertEqual(vit.blocks[1].norm1.weight.scalars.allSatisfy { $0 == 1 }, true)
        // patch embedding: PyTorch's default conv init, U(±1/√fan_in), fan_in = 3·4·4.
        XCTAssertLessThanOrEqual(vit.patchEmbed.proj.weight.scalars.map(abs).max()!, 1 / Float(48).squareRoot())
        XCTAssertThrowsError(try vit(Tensor.zeros([1, 3, 30, 30])))
    }
    /// The fused attention (no dropout) and the composed path (with dropout p = 0) compute the same
    /// outputs and the same gradients for the input and every weight of qkv and proj.
    func testFusedAttentionEqualsTheComposedPath() throws {
        var rng = RNG(seed: 3)
        let attn = Attention(dim: 24, heads: 4, rng: &rng)
        let x = Tensor.normal([3, 9, 24], rng: &rng)
        let w = Tensor.normal([3, 9, 24], rng: &rng)
        func run(_ body: (Tensor) throws -> Tensor) throws -> [[Float]] {
            x.requiresGrad = true
            x.grad = nil
            for p in attn.namedParameters() { p.tensor.grad = nil }
            let y = try body(x)
            try (y * w).sum().backward()
            return [y.scalars, try XCTUnwrap(x.grad).scalars] + attn.namedParameters().map { $0.tensor.grad?.scalars ?? [] }
        }
        let fused = try run { try attn($0) }
        let composed = try run { try attn.composed($0, attnDrop: Dropout(p: 0, rng: &rng)) }
        XCTAssertEqual(fused.count, 2 + 4, "output, input gradient, qkv/proj weight and bias gradients")
        for (k, (a, b)) in zip(fused, composed).enumerated() {
            let tol = 2e-5 * max(1, b.map { abs($0) }.max() ?? 0)
            for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: tol, "tensor \(k), element \(i)") }
        }
    }
}

import Foundation
import XCTest
@testable import PretextKit
@testable import PretextMaskedModeling
import PretextCore
import PretextNN
import PretextTensor

/// SimMIM's parts and the masked ViT forward shared with iBOT (`Tests/Fixtures/kit/simmim.json`, made by
/// `Tests/Fixtures/make_simmim_fixture.py` with Lightly 1.6's `MaskedVisionTransformerTIMM`, timm and
/// PyTorch): the mask token replacing patch embeddings before the position embeddings (all tokens and
/// every parameter's gradient, the mask token's included), SimMIM's linear decoder + L1 loss on the masked
/// patches (prediction, target, loss, gradients), one AdamW step, and the mask generators.
final class SimMIMPartsTests: XCTestCase {
    static let fixture = KitFixture.load("simmim")

    static func tensor(_ v: Any?) -> Tensor {
        let d = v as! [String: Any]
        return Tensor(shape: (d["shape"] as! [NSNumber]).map(\.intValue), scalars: (d["values"] as! [NSNumber]).map(\.floatValue))
    }

    /// |a − b| ≤ tol · max(1, |b|) elementwise (1e-5: absolute for small values, relative for large sums).
    func assertClose(_ a: Tensor, _ b: Tensor, _ what: String, atol: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        var worst: Float = 0
        for (x, y) in zip(a.scalars, b.scalars) { worst = Swift.max(worst, Swift.abs(x - y) / Swift.max(1, Swift.abs(y))) }
        XCTAssertLessThanOrEqual(worst, atol, "\(what): largest scaled difference \(worst)", file: file, line: line)
    }

    /// The fixture's ViT, mask token and decoder with Lightly's weights.
    static func model() throws -> (VisionTransformer, MaskToken, Linear) {
        var rng = RNG(seed: 0)
        let vit = VisionTransformer(dim: 16, depth: 2, heads: 2, patchSize: 4, imageSize: 16, rng: &rng)
        MaskedAutoencoder.fixSinCosPositionEmbedding(vit)
        let weights = fixture["weights"] as! [String: Any]
        var state: [String: Tensor] = [:]
        for (k, v) in weights where k.hasPrefix("vit.") { state[String(k.dropFirst(4))] = tensor(v) }
        // The fixed sine-cosine embedding is Lightly's.
        let sincos = vit.posEmbed.copy()
        try vit.loadStateDict(state)
        XCTAssertEqual(sincos.scalars.count, vit.posEmbed.count)
        for (a, b) in zip(sincos.scalars, vit.posEmbed.scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let token = MaskToken(dim: 16)
        XCTAssertEqual(token.maskToken.scalars, [Float](repeating: 0, count: 16), "Lightly initialises the mask token to zeros")
        token.maskToken.assign(tensor(weights["mask_token"]))
        let decoder = Linear(16, 48, rng: &rng)
        let d = fixture["decoder"] as! [String: Any]
        try decoder.loadStateDict(["weight": tensor(d["weight"]), "bias": tensor(d["bias"])])
        return (vit, token, decoder)
    }

    static var masked: [[Int]] { (fixture["masked"] as! [[NSNumber]]).map { $0.map(\.intValue) } }

    /// Gradients keyed as Lightly's (`mask_token`, `vit.*`, `decoder.*`) against the fixture's.
    func checkGradients(_ expected: Any?, vit: VisionTransformer, token: MaskToken, decoder: Linear?, _ what: String) throws {
        let ref = expected as! [String: Any]
        var ours: [String: Tensor] = ["mask_token": try XCTUnwrap(token.maskToken.grad, "\(what): the mask token got no gradient")]
        for (k, p) in vit.namedParameters() where p.requiresGrad { ours["vit." + k] = p.grad }
        if let decoder { for (k, p) in decoder.namedParameters() { ours["decoder." + k] = p.grad } }
        XCTAssertEqual(Set(ours.keys), Set(ref.keys), "\(what): trained parameters (Lightly freezes pos_embed)")
        for (k, v) in ref {
            assertClose(try XCTUnwrap(ours[k] ?? nil, "\(what) \(k)"), Self.tensor(v), "\(what) grad \(k)")
        }
    }

    func testMaskedEncodeEqualsLightlysMaskedVisionTransformer() throws {
        let (vit, token, _) = try Self.model()
        let fx = Self.fixture["masked_encode"] as! [String: Any]
        let images = Self.tensor(Self.fixture["images"])
        let mask = try PatchMask.tensor(masked: Self.masked, patches: 16)
        XCTAssertEqual(mask.scalars.reduce(0, +), 36)
        let tokens = try vit.encode(images, mask: mask, maskToken: token)
        assertClose(tokens, Self.tensor(fx["tokens"]), "masked tokens")
        // Without a mask: the plain forward, the token unused.
        assertClose(try vit.encode(images, mask: nil, maskToken: token), Self.tensor(fx["unmasked_tokens"]), "unmasked tokens")
        assertClose(try vit.encode(images), Self.tensor(fx["unmasked_tokens"]), "plain encode")
        try (tokens * Self.tensor(fx["upstream"])).sum().backward()
        try checkGradients(fx["grads"], vit: vit, token: token, decoder: nil, "masked encode")
        XCTAssertNil(vit.posEmbed.grad)
        // Replacing after the position embedding (a plausible mistake: masked positions lose their position)
        // gives other tokens, far outside the tolerance.
        let embedded = try vit.embed(images)
        let replaced = try token(embedded.narrowed(axis: 1, start: 1, length: 16), mask: mask)
        let wrong = try vit.norm(vit.transform(Tensor.cat([embedded.narrowed(axis: 1, start: 0, length: 1), replaced], axis: 1)))
        XCTAssertGreaterThan(zip(wrong.scalars, Self.tensor(fx["tokens"]).scalars).map { Swift.abs($0 - $1) }.max()!, 0.01)
    }

    func testSimMIMPredictionTargetLossAndGradientsEqualLightlysBenchmark() throws {
        let (vit, token, decoder) = try Self.model()
        let fx = Self.fixture["simmim"] as! [String: Any]
        let images = Self.tensor(Self.fixture["images"])
        let model = try SimMIMModel(encoder: vit, maskToken: token, decoder: decoder, maskRatio: 0.6, maskCell: 2)
        let pred = try model.predictMasked(images, masked: Self.masked)
        assertClose(pred, Self.tensor(fx["prediction"]), "prediction")
        let target = try model.targets(images, masked: Self.masked)
        assertClose(target, Self.tensor(fx["target"]), "target", atol: 0)
        let loss = try SimMIMLoss()([pred, target])
        XCTAssertEqual(loss.item, (fx["loss"] as! NSNumber).floatValue, accuracy: 1e-5)
        try loss.backward()
        try checkGradients(fx["grads"], vit: vit, token: token, decoder: decoder, "simmim")
        XCTAssertNil(target.grad)

        // One AdamW step (every parameter decayed, as the fixture), then the loss of the same batch again.
        let step = Self.fixture["step"] as! [String: Any]
        var params: [(key: String, tensor: Tensor)] = [("mask_token", token.maskToken)]
        params += vit.namedParameters().filter { $0.tensor.requiresGrad }.map { ("vit." + $0.key, $0.tensor) }
        params += decoder.namedParameters().map { ("decoder." + $0.key, $0.tensor) }
        let opt = try AdamW(groups: [ParameterGroup(name: "all", parameters: params)],
                            weightDecay: (step["weight_decay"] as! NSNumber).floatValue)
        try opt.step(learningRate: (step["lr"] as! NSNumber).floatValue)
        for (_, p) in params { p.grad = nil }
        let after = try SimMIMLoss()([model.predictMasked(images, masked: Self.masked), model.targets(images, masked: Self.masked)])
        XCTAssertEqual(after.item, (step["loss_after"] as! NSNumber).floatValue, accuracy: 1e-5)
        XCTAssertLessThan(after.item, loss.item)
    }

    /// `registerSimMIM` adds the `simmim` loss; a second plugin registering the same opt-in names is skipped,
    /// not refused (the MAE and SimMIM plugins both register MAE's view preset).
    func testRegistrationAddsTheLossAndSkipsNamesAnotherPluginRegistered() throws {
        let r = Registry()
        try Builtins.register(in: r)
        for source in ["a.so", "b.so"] {
            try r.transaction(source: source) {
                try MaskedModeling.register(in: r)
                try MaskedModeling.registerSimMIM(in: r)
            }
        }
        XCTAssertEqual(r.entry(.loss, "simmim")?.source, "a.so")
        XCTAssertEqual(r.entry(.transform, "mae")?.source, "a.so")
        XCTAssertTrue(try r.makeLoss("simmim", ConfigSection(path: "method", values: [:]), BuildContext(registry: r, seed: 0)) is SimMIMLoss)
    }

    /// The mask token is a no-decay parameter (biases, norms and the ViT's tokens are exempt from weight decay).
    func testTheMaskTokenIsExemptFromWeightDecay() throws {
        let groups = ParameterGroup.decayAndNoDecay(MaskToken(dim: 8), prefix: "mask_token")
        XCTAssertEqual(groups.map(\.name), ["mask_token.no_decay"])
        XCTAssertEqual(groups[0].parameters.map(\.key), ["mask_token.mask_token"])
        XCTAssertEqual(groups[0].weightDecay, 0)
    }

    func testSimMIMLossIsTheMeanAbsoluteErrorAndRejectsMismatchedShapes() throws {
        let p = Tensor(shape: [1, 2, 2], scalars: [1, -2, 0.5, 3], requiresGrad: true), t = Tensor(shape: [1, 2, 2], scalars: [0, 0, 1, 3])
        let l = try SimMIMLoss()([p, t])
        XCTAssertEqual(l.item, (1 + 2 + 0.5 + 0) / 4, accuracy: 1e-7)
        try l.backward()
        XCTAssertEqual(p.grad!.scalars, [0.25, -0.25, -0.25, 0])
        XCTAssertThrowsError(try SimMIMLoss()([p, Tensor.zeros([1, 2, 3])]))
        XCTAssertThrowsError(try SimMIMLoss()([p]))
    }

    /// Lightly's `random_grid_token_mask`: whole cells of cell × cell patches, ⌊cells·(1 − ratio)⌋ kept.
    func testRandomGridMasksWholeCellsAtTheRatio() throws {
        var rng = RNG(seed: 5)
        let m = try PatchMask.randomGrid(batch: 4, grid: 8, cell: 2, ratio: 0.6, rng: &rng)
        XCTAssertEqual(m.map(\.count), [40, 40, 40, 40])          // 16 cells, 6 kept, 10 masked × 4 patches
        for idx in m {
            XCTAssertEqual(Set(idx).count, 40)
            let s = Set(idx)
            for p in idx {                                       // the cell of p is wholly masked
                let (cy, cx) = ((p / 8) / 2 * 2, (p % 8) / 2 * 2)
                for (y, x) in [(0, 0), (0, 1), (1, 0), (1, 1)] { XCTAssertTrue(s.contains((cy + y) * 8 + cx + x)) }
            }
        }
        XCTAssertNotEqual(m[0], m[1])
        XCTAssertEqual(try PatchMask.randomGrid(batch: 1, grid: 4, cell: 1, ratio: 0.75, rng: &rng)[0].count, 12)
        XCTAssertThrowsError(try PatchMask.randomGrid(batch: 1, grid: 8, cell: 3, ratio: 0.6, rng: &rng))
        XCTAssertThrowsError(try PatchMask.randomGrid(batch: 1, grid: 8, cell: 2, ratio: 1, rng: &rng))
        XCTAssertEqual(PatchMask.indices(try PatchMask.tensor(masked: [[3, 1], [0]], patches: 4)), [[1, 3], [0]])
    }

    /// Lightly's `random_block_mask`: half of the images masked, with rectangles, between 10 and 50 %.
    func testRandomBlockMasksHalfTheImagesWithRectangles() throws {
        var rng = RNG(seed: 9)
        var counts: [Int] = []
        for _ in 0..<20 {
            let m = try PatchMask.randomBlock(batch: 8, height: 8, width: 8, minPatchesPerBlock: 4, rng: &rng)
            XCTAssertEqual(m.shape, [8, 64])
            let perImage = (0..<8).map { i in Int(m.scalars[(i * 64)..<((i + 1) * 64)].reduce(0, +)) }
            XCTAssertEqual(perImage.filter { $0 == 0 }.count, 4, "4 of 8 images unmasked (batch_mask_ratio 0.5)")
            for c in perImage where c > 0 { XCTAssertLessThanOrEqual(c, 32); XCTAssertGreaterThanOrEqual(c, 4) }
            counts += perImage.filter { $0 > 0 }
        }
        // Targets ⌊64·U(0.1, 0.5)⌋ in four bins: about 19 on average, some images near the upper bin.
        let mean = Double(counts.reduce(0, +)) / Double(counts.count)
        XCTAssertGreaterThan(mean, 12); XCTAssertLessThan(mean, 24)
        XCTAssertGreaterThan(counts.max()!, 22)
        // One image: exactly the requested count when blocks fit, each block a rectangle.
        let one = try PatchMask.blockMask(height: 8, width: 8, count: 4, minPerBlock: 4, maxPerBlock: 4, rng: &rng)
        let cells = one.enumerated().filter { $0.element != 0 }.map(\.offset)
        XCTAssertEqual(cells.count, 4)
        let ys = Set(cells.map { $0 / 8 }), xs = Set(cells.map { $0 % 8 })
        XCTAssertEqual(ys.count * xs.count, 4, "a 1×4, 4×1 or 2×2 block")
        XCTAssertThrowsError(try PatchMask.blockMask(height: 8, width: 8, count: 3, minPerBlock: 4, rng: &rng))
        XCTAssertThrowsError(try PatchMask.randomBlock(batch: 2, height: 4, width: 4, minImageMaskRatio: 0.5, maxImageMaskRatio: 0.1, rng: &rng))
    }
}

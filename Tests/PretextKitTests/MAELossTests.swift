import Foundation
import XCTest
@testable import PretextKit
@testable import PretextMaskedModeling
import PretextData
import PretextCore
import PretextNN
import PretextTensor

/// The MAE loss against ../shared/reference/losses.json (case mae_normpix: per-patch normalised
/// targets, masked patches only, as the MAE reference code), and the masked-autoencoder forward pass.
final class MAELossTests: XCTestCase {
    let ref = Reference()

    func testNormPixLossOnMaskedPatchesEqualsTheReference() throws {
        let c = try ref.reference("mae_normpix")
        let pred = try ref.tensor(c["pred"], requiresGrad: true), target = try ref.tensor(c["target"]), mask = try ref.tensor(c["mask"])
        let loss = try MAELoss(normPixLoss: true)([pred, target, mask])
        XCTAssertEqual(loss.item, ref.number(c, "loss"), accuracy: 1e-5)
        // Predicting only the masked patches (what the MAE method does) gives the same value: both
        // images have 3 masked patches.
        var rows: [Int] = []
        for (i, m) in mask.scalars.enumerated() where m == 1 { rows.append(i) }
        let pick = { (t: Tensor) throws -> Tensor in try t.reshaped([10, 12]).indexSelect(axis: 0, indices: rows).reshaped([2, 3, 12]) }
        XCTAssertEqual(try MAELoss(normPixLoss: true)([pick(pred), pick(target)]).item, ref.number(c, "loss"), accuracy: 1e-5)
        // Gradient: 2·(pred − t̂)/(P · masked patches) on masked patches, 0 elsewhere.
        try loss.backward()
        let g = pred.grad!.scalars
        XCTAssertEqual(g[12 * 1 + 3], 0)                              // image 0, patch 1 is visible
        let tn = try MAELoss().normalizedTarget(target).scalars
        XCTAssertEqual(g[5], 2 * (pred.scalars[5] - tn[5]) / (12 * 6), accuracy: 1e-6)
    }

    func testPlainPixelMSEWithoutNormalisation() throws {
        var rng = RNG(seed: 3)
        let p = Tensor.normal([2, 4, 6], rng: &rng), t = Tensor.normal([2, 4, 6], rng: &rng)
        let expected = zip(p.scalars, t.scalars).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / 48
        XCTAssertEqual(Double(try MAELoss(normPixLoss: false)([p, t]).item), expected, accuracy: 1e-6)
        let registry = Registry()
        try Builtins.register(in: registry)
        try MaskedModeling.register(in: registry)
        let l = try registry.makeLoss("mae", ConfigSection(path: "method", values: ["norm_pix_loss": .bool(false)]),
                                      BuildContext(registry: registry, seed: 0))
        XCTAssertEqual(Double(try l([p, t]).item), expected, accuracy: 1e-6)
    }

    func testMaskedAutoencoderPredictsTheHiddenPatchesAndTrainsEverything() throws {
        var rng = RNG(seed: 1)
        let vit = VisionTransformer(dim: 32, depth: 2, heads: 2, patchSize: 4, imageSize: 16, rng: &rng)
        MaskedAutoencoder.initializeEncoder(vit, rng: &rng)
        MaskedAutoencoder.fixSinCosPositionEmbedding(vit)
        XCTAssertFalse(vit.posEmbed.requiresGrad)
        assertClose(vit.posEmbed.scalars, PositionEmbedding.sinCos2D(dim: 32, gridSize: 4).scalars, atol: 0, rtol: 0)
        let decoder = MAEDecoder(numPatches: 16, patchSize: 4, embedDim: 32, decoderDim: 16, depth: 1, heads: 2, rng: &rng)
        XCTAssertEqual(decoder.stateDict().map(\.key).filter { !$0.contains("decoder_blocks") },
                       ["decoder_embed.weight", "decoder_embed.bias", "mask_token", "decoder_pos_embed",
                        "decoder_norm.weight", "decoder_norm.bias", "decoder_pred.weight", "decoder_pred.bias"])
        XCTAssertTrue(decoder.stateDict().contains { $0.key == "decoder_blocks.0.attn.qkv.weight" })
        XCTAssertFalse(decoder.decoderPosEmbed.requiresGrad)

        let mae = try MaskedAutoencoder(encoder: vit, decoder: decoder, maskRatio: 0.75)
        let (keep, masked) = mae.randomMasks(batch: 3, rng: &rng)
        XCTAssertEqual(keep.map(\.count), [4, 4, 4])
        XCTAssertEqual(masked.map(\.count), [12, 12, 12])
        for i in 0..<3 { XCTAssertEqual(Set(keep[i]).union(masked[i]), Set(0..<16)) }
        let x = Tensor.normal([3, 3, 16, 16], rng: &rng)
        let pred = try mae.predictMasked(x, keep: keep, masked: masked)
        XCTAssertEqual(pred.shape, [3, 12, 48])
        let target = try mae.targets(x, masked: masked)
        XCTAssertEqual(target.shape, [3, 12, 48])
        // Target row (image 1, j-th masked patch) is that patch of the image.
        let q = masked[1][5], (gy, gx) = (q / 4, q % 4)
        XCTAssertEqual(target.scalars[(1 * 12 + 5) * 48 + (2 * 4 + 3) * 3 + 1], x.scalars[((1 * 3 + 1) * 16 + gy * 4 + 2) * 16 + gx * 4 + 3])
        // The prediction of a masked patch does not depend on the pixels of another masked patch.
        let x2 = x.copy()
        let other = masked[0][0], (oy, ox) = (other / 4, other % 4)
        x2.storage.pointer[(0 * 16 + oy * 4) * 16 + ox * 4] += 5
        let pred2 = try mae.predictMasked(x2, keep: keep, masked: masked)
        assertClose(pred2.scalars, pred.scalars, atol: 1e-5, rtol: 1e-5)
        try MAELoss(normPixLoss: false)([pred, target]).backward()
        XCTAssertNotNil(decoder.maskToken.grad)
        XCTAssertNotNil(vit.clsToken.grad)
        XCTAssertNotNil(vit.blocks[0].attn.qkv.weight.grad)
        XCTAssertNil(vit.posEmbed.grad)
        XCTAssertThrowsError(try MaskedAutoencoder(encoder: vit, decoder: decoder, maskRatio: 1))
        XCTAssertThrowsError(try mae.predictMasked(Tensor.zeros([1, 3, 8, 8]), keep: [[0]], masked: [[1, 2, 3]]))
    }

    /// The decoder's last block and norm run on the masked rows only (`decode(_:outputRows:)`, what
    /// `predictMasked` uses): values and every parameter's and the input's gradient equal decoding every
    /// token and then selecting, for a 2-block and a 1-block decoder.
    func testDecodingOnlyTheRowsReadEqualsDecodingEveryTokenThenSelecting() throws {
        for depth in [2, 1] {
            var rng = RNG(seed: 4)
            let decoder = MAEDecoder(numPatches: 16, patchSize: 4, embedDim: 32, decoderDim: 16, depth: depth, heads: 2, rng: &rng)
            for p in decoder.parameters() where p.requiresGrad { Init.normal(p, std: 0.3, rng: &rng) }
            let tokens = Tensor.normal([2, 17, 16], rng: &rng).requiringGrad()
            let rows = [1, 5, 16, 3, 17 + 2, 17 + 16, 17 + 9, 17 + 4]
            let weights = Tensor.normal([rows.count, 16], rng: &rng)
            func run(_ decode: () throws -> Tensor) throws -> (Tensor, [String: [Float]]) {
                for p in decoder.parameters() { p.grad = nil }
                tokens.grad = nil
                let y = try decode()
                try (y * weights).sum().backward()
                var grads = Dictionary(uniqueKeysWithValues: decoder.namedParameters().map { ($0.0, $0.1.grad?.scalars ?? []) })
                grads["input"] = tokens.grad?.scalars ?? []
                return (y, grads)
            }
            let (fast, fastGrads) = try run { try decoder.decode(tokens, outputRows: rows) }
            let (slow, slowGrads) = try run { try decoder.decode(tokens).reshaped([34, 16]).indexSelect(axis: 0, indices: rows) }
            XCTAssertEqual(fast.shape, [rows.count, 16])
            assertClose(fast.scalars, slow.scalars, atol: 1e-6, rtol: 1e-5)
            for (key, g) in slowGrads where !key.contains("pos_embed") && !key.contains("mask_token") && !key.contains("decoder_pred") && !key.contains("decoder_embed") {
                XCTAssertFalse(g.isEmpty, "\(key) has no gradient")
                XCTAssertGreaterThan(g.map(abs).max() ?? 0, 0, "\(key)'s gradient is zero")
                assertClose(fastGrads[key] ?? [], g, atol: 1e-6, rtol: 1e-5)
            }
        }
    }

    /// The opt-in module registers MAE's view preset (defaults: Lightly's MAETransform) and loss.
    func testMaskedModelingRegistersThePresetAndLoss() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        XCTAssertFalse(registry.names(.transform).contains("mae"), "not part of the kit")
        try MaskedModeling.register(in: registry)
        let ctx = BuildContext(registry: registry, seed: 0)
        let mae = try XCTUnwrap(try registry.makeTransform("mae", ConfigSection(path: "views", values: ["input_size": .int(28)]), ctx) as? MAEViews)
        var rng = RNG(seed: 1)
        let img = try Image(width: 32, height: 32, pixels: (0..<(32 * 32 * 3)).map { UInt8($0 % 251) })
        XCTAssertEqual(mae(img, &rng).tensors.map(\.shape), [[3, 28, 28]])
        XCTAssertEqual(mae.crop.scale.0, 0.2)
        XCTAssertEqual(mae.crop.interpolation, .bicubic)
        let loss = try XCTUnwrap(try registry.makeLoss("mae", ConfigSection(path: "method", values: ["norm_pix_loss": .bool(false)]), ctx) as? MAELoss)
        XCTAssertFalse(loss.normPixLoss)
    }
}

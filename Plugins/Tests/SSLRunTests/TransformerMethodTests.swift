import Foundation
import XCTest
import Pretext

/// DINO, MAE, MoCo v3, SimMIM and iBOT through the real binary and their plugins: tiny runs on 16 px synthetic images
/// with a ViT-T/4 (a 4×4 patch grid), checking the loss, the logged teacher entropy, MAE's reconstruction
/// images, MoCo v3's frozen patch projection, SimMIM's mask token, iBOT's two losses, exact resume and export.
final class TransformerMethodTests: XCTestCase {
    /// A ViT-T with 4 px patches on 16 px synthetic images, 32 images in batches of 8.
    static let tinyViT = ["--backbone", "vit-t", "--set", "backbone.patch_size=4", "--set", "backbone.image_size=16",
                          "--set", "data.synthetic_size=16", "--set", "data.synthetic_count=32", "--batch-size", "8", "--paper-settings",
                          "--set", "data.workers=1", "--set", "train.log_every=1", "--quiet"]
    /// A small DINO: 2 global + 2 local crops, 64 prototypes.
    static let tinyDINO = ["--method", "dino", "--set", "views.local_views=2", "--set", "method.head.output_dim=64",
                           "--set", "method.head.hidden_dim=64", "--set", "method.head.bottleneck_dim=32"]

    func records(_ run: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func stepRecords(_ run: URL) throws -> [[String: Any]] { try records(run).filter { $0["loss"] != nil } }

    func testDINOOnAViTTrainsWithFiniteLossAndLogsTheTeacherEntropy() throws {
        let run = try SSLRun.temporaryDirectory("dino-vit").appendingPathComponent("run")
        let r = try SSLRun.run(Self.tinyDINO + Self.tinyViT + ["--epochs", "1", "--out", run.path])
        XCTAssertEqual(r.status, 0, r.all)
        let steps = try stepRecords(run)
        XCTAssertEqual(steps.count, 4, "one record per step")
        for rec in steps {
            let loss = try XCTUnwrap(rec["loss"] as? Double), entropy = try XCTUnwrap(rec["teacher_entropy"] as? Double, "\(rec)")
            XCTAssertTrue(loss.isFinite && loss > 0, "\(rec)")
            // Between a one-hot (0) and a uniform (ln 64) teacher.
            XCTAssertTrue(entropy >= 0 && entropy <= Foundation.log(64.0) + 1e-6, "\(rec)")
            XCTAssertNotNil(rec["teacher_batch_entropy"] as? Double)
            XCTAssertEqual(try XCTUnwrap(rec["teacher_temp"] as? Double), 0.04, accuracy: 1e-6, "epoch 0 of the warm-up")
            XCTAssertNotNil(rec["weight_decay"] as? Double, "the weight-decay schedule is logged")
        }
        let config = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
        // Crop sizes follow the backbone: 16 px global, 96/224 of it rounded to the 4 px patch = 8 px local.
        XCTAssertTrue(config.contains("global_crop_size: 16") && config.contains("local_crop_size: 8"), config)
        let ckpt = try SafeTensors.read(from: run.appendingPathComponent("checkpoints/last/model.safetensors")).dictionary
        XCTAssertEqual(ckpt["extra.center"]?.shape, [1, 64])
        XCTAssertNotNil(ckpt["teacher_head.last_layer.weight_v"])
        // Epoch 1 froze the last layer: the student's prototypes equal the teacher's (a copy at the start,
        // and an EMA of an unchanged layer stays equal).
        let student = try XCTUnwrap(ckpt["head.last_layer.weight_v"]).scalars
        let teacher = try XCTUnwrap(ckpt["teacher_head.last_layer.weight_v"]).scalars
        XCTAssertLessThanOrEqual(zip(student, teacher).map { abs($0 - $1) }.max() ?? 1, 1e-6)
        XCTAssertNotEqual(ckpt["head.layers.0.weight"]?.scalars, ckpt["teacher_head.layers.0.weight"]?.scalars)
    }

    func testDINOWithAResNetBackbone() throws {
        let run = try SSLRun.temporaryDirectory("dino-resnet").appendingPathComponent("run")
        let r = try SSLRun.run(Self.tinyDINO + [
            "--backbone", "resnet18", "--set", "backbone.cifar_stem=true", "--set", "backbone.width=0.125",
            "--set", "views.global_crop_size=16", "--set", "views.local_crop_size=8", "--set", "method.head.batch_norm=true",
            "--set", "data.synthetic_size=16", "--set", "data.synthetic_count=32", "--batch-size", "8", "--paper-settings",
            "--set", "data.workers=1", "--set", "train.log_every=1", "--quiet", "--epochs", "1", "--out", run.path])
        XCTAssertEqual(r.status, 0, r.all)
        let steps = try stepRecords(run)
        XCTAssertFalse(steps.isEmpty)
        for rec in steps {
            XCTAssertTrue((rec["loss"] as? Double)?.isFinite == true, "\(rec)")
            XCTAssertTrue((rec["teacher_entropy"] as? Double)?.isFinite == true, "\(rec)")
        }
    }

    func testDINOResumeGivesTheSameWeightsAsAnUninterruptedRun() throws {
        let dir = try SSLRun.temporaryDirectory("dino-resume")
        let straight = dir.appendingPathComponent("straight"), split = dir.appendingPathComponent("split")
        // Two epochs: the first with the last layer frozen, the teacher temperature warm-up, the EMA
        // teacher, the centre (checkpointed as extra.center) and the weight-decay schedule all in play.
        let common = Self.tinyDINO + Self.tinyViT + ["--epochs", "2", "--set", "method.warmup_teacher_temp_epochs=2"]
        let a = try SSLRun.run(common + ["--out", straight.path])
        XCTAssertEqual(a.status, 0, a.all)
        let b1 = try SSLRun.run(common + ["--stop-after", "1", "--out", split.path])
        XCTAssertEqual(b1.status, 0, b1.all)
        let b2 = try SSLRun.run(["--resume", split.path, "--stop-after", "0", "--quiet"])
        XCTAssertEqual(b2.status, 0, b2.all)
        let wa = try SafeTensors.read(from: straight.appendingPathComponent("checkpoints/last/model.safetensors")).dictionary
        let wb = try SafeTensors.read(from: split.appendingPathComponent("checkpoints/last/model.safetensors")).dictionary
        XCTAssertEqual(Set(wa.keys), Set(wb.keys))
        XCTAssertTrue(wa.keys.contains("extra.center") && wa.keys.contains("teacher_backbone.blocks.11.mlp.fc2.weight"))
        var worst: Float = 0
        for (k, va) in wa { for (x, y) in zip(va.scalars, wb[k]!.scalars) { worst = max(worst, abs(x - y)) } }
        XCTAssertLessThanOrEqual(worst, 1e-6, "largest weight difference")
        // The second epoch trained the prototypes.
        XCTAssertNotEqual(wa["head.last_layer.weight_v"]?.scalars, wa["teacher_head.last_layer.weight_v"]?.scalars)
        XCTAssertEqual(try XCTUnwrap(stepRecords(straight).last?["teacher_temp"] as? Double), 0.07, accuracy: 1e-6)
    }

    func testMAETrainsAndWritesAReconstructionImageEachEpoch() throws {
        let run = try SSLRun.temporaryDirectory("mae").appendingPathComponent("run")
        let r = try SSLRun.run(["--method", "mae", "--set", "method.decoder.dim=32", "--set", "method.decoder.depth=1",
                                "--set", "method.decoder.heads=2"] + Self.tinyViT + ["--epochs", "2", "--out", run.path])
        XCTAssertEqual(r.status, 0, r.all)
        for rec in try stepRecords(run) { XCTAssertTrue((rec["loss"] as? Double)?.isFinite == true, "\(rec)") }
        for epoch in 1...2 {
            let png = run.appendingPathComponent(String(format: "reconstruction-epoch-%03d.png", epoch))
            let bytes = try [UInt8](Data(contentsOf: png))
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
            // 8 rows of original | masked | reconstruction, each 16 px upscaled ×6, 2 px borders.
            let image = try ImageDecoder.decode(file: png.path)
            XCTAssertEqual(image.width, 3 * 96 + 4 * 2)
            XCTAssertEqual(image.height, 8 * 96 + 9 * 2)
        }
        let ckpt = try SafeTensors.read(from: run.appendingPathComponent("checkpoints/last/model.safetensors")).dictionary
        XCTAssertNotNil(ckpt["decoder.mask_token"])
        XCTAssertEqual(ckpt["decoder.decoder_pos_embed"]?.shape, [1, 17, 32])
        // The fixed sine-cosine position embedding of the encoder is not trained.
        XCTAssertEqual(ckpt["backbone.pos_embed"]?.scalars, PositionEmbedding.sinCos2D(dim: 192, gridSize: 4).scalars)

        let resnet = try SSLRun.run(["--method", "mae", "--epochs", "1", "--out", run.path + "-resnet"] + SSLRun.tiny)
        XCTAssertEqual(resnet.status, 1)
        XCTAssertTrue(resnet.stderr.contains("needs a ViT backbone"), resnet.all)
    }

    /// MoCo v3 on the tiny ViT: finite losses, the momentum's cosine from 0.99 to 1, the frozen random
    /// patch projection (the online one never moves, so its EMA copy stays equal to it, while the rest of
    /// the network drifts apart; with `freeze_patch_embed: false` it trains), exact resume, export, and the
    /// refusals of views the ViT cannot cut into patches and of predictions the keys cannot score.
    func testMoCoV3TrainsWithAFrozenPatchProjectionResumesExactlyAndExports() throws {
        // Each run folder holds about 85 MB (two ViT-T and AdamW's moments): one at a time, removed when read.
        let dir = try SSLRun.temporaryDirectory("mocov3")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let common = ["--method", "mocov3", "--set", "method.projection.hidden_dim=64", "--set", "method.prediction.hidden_dim=64",
                      "--set", "optimizer.lr=0.001", "--set", "train.keep_epoch_checkpoints=false"] + Self.tinyViT + ["--epochs", "2"]
        func gap(_ key: String, _ w: [String: Tensor]) throws -> Float {
            let online = try XCTUnwrap(w["backbone.\(key)"], key).scalars, ema = try XCTUnwrap(w["momentum_backbone.\(key)"], key).scalars
            return zip(online, ema).map { abs($0 - $1) }.max() ?? 0
        }

        let trained = dir.appendingPathComponent("trained")
        let t = try SSLRun.run(common + ["--set", "method.freeze_patch_embed=false", "--out", trained.path])
        XCTAssertEqual(t.status, 0, t.all)
        let wt = Dictionary(uniqueKeysWithValues: try SSLRun.lastWeights(trained).map { ($0.key, $0.tensor) })
        XCTAssertGreaterThan(try gap("patch_embed.proj.weight", wt), 1e-6, "not frozen: the patch projection trains")
        try FileManager.default.removeItem(at: trained)

        let straight = dir.appendingPathComponent("straight")
        let a = try SSLRun.run(common + ["--out", straight.path])
        XCTAssertEqual(a.status, 0, a.all)
        let steps = try stepRecords(straight)
        XCTAssertEqual(steps.count, 8, "one record per step")
        for rec in steps {
            let loss = try XCTUnwrap(rec["loss"] as? Double), std = try XCTUnwrap(rec["output_std"] as? Double, "\(rec)")
            // Two directions of 2τ·CE over 8 keys: about 2 · 0.4 · ln 8 = 1.66 at the start.
            XCTAssertTrue(loss.isFinite && loss > 0 && loss < 2 * 0.4 * Foundation.log(8.0) + 0.5, "\(rec)")
            XCTAssertTrue(std > 0 && std < 1, "\(rec)")
        }
        XCTAssertEqual(try XCTUnwrap(steps.first?["momentum"] as? Double), 0.99, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(steps.last?["momentum"] as? Double), 1, accuracy: 1e-6, "cosine to 1 on the last step")
        let wa = try SSLRun.lastWeights(straight)
        let w = Dictionary(uniqueKeysWithValues: wa.map { ($0.key, $0.tensor) })
        XCTAssertLessThanOrEqual(try gap("patch_embed.proj.weight", w), 1e-6, "frozen: the EMA of an unchanged layer stays equal")
        XCTAssertGreaterThan(try gap("blocks.0.attn.qkv.weight", w), 1e-6, "the rest trains")
        XCTAssertNotNil(w["prediction.layers.3.weight"])
        XCTAssertNil(w["projection.layers.7.weight"], "the output batch-norm has no affine parameters")
        let exported = try SSLRun.run(["export", straight.path, "--out", dir.appendingPathComponent("w.safetensors").path])
        XCTAssertEqual(exported.status, 0, exported.all)
        let e = try SafeTensors.read(from: dir.appendingPathComponent("w.safetensors")).dictionary
        XCTAssertEqual(e["patch_embed.proj.weight"]?.scalars, w["backbone.patch_embed.proj.weight"]?.scalars, "the backbone is exported")

        let split = dir.appendingPathComponent("split")
        try SSLRun.assertResumesExactly(common, like: straight, into: split)
        try FileManager.default.removeItem(at: straight)

        // Views that the ViT cannot cut into patches are refused before training, naming the key.
        let bad = try SSLRun.run(common + ["--set", "views.input_size=18", "--out", dir.appendingPathComponent("bad").path])
        XCTAssertEqual(bad.status, 1, bad.all)
        XCTAssertTrue(bad.stderr.contains("views.input_size") && bad.stderr.contains("patch size 4"), bad.all)
        // Predictions of another size than the keys cannot be scored: refused naming the key.
        let sizes = try SSLRun.run(common + ["--set", "method.prediction.output_dim=32", "--out", dir.appendingPathComponent("sizes").path])
        XCTAssertEqual(sizes.status, 1, sizes.all)
        XCTAssertTrue(sizes.stderr.contains("method.prediction.output_dim"), sizes.all)
    }

    /// SimMIM on the tiny ViT: finite L1 losses, the mask token (zeros at the start) trained and kept out of
    /// weight decay, the fixed position embedding untouched, exact resume, export of the encoder, and the
    /// refusals of a ResNet, of masking cells that do not tile the patch grid and of views of another size.
    func testSimMIMTrainsTheMaskTokenResumesExactlyAndExports() throws {
        let dir = try SSLRun.temporaryDirectory("simmim")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let common = ["--method", "simmim", "--set", "optimizer.lr=0.001", "--set", "train.keep_epoch_checkpoints=false"] + Self.tinyViT + ["--epochs", "2"]
        let straight = dir.appendingPathComponent("straight")
        let a = try SSLRun.run(common + ["--out", straight.path])
        XCTAssertEqual(a.status, 0, a.all)
        let steps = try stepRecords(straight)
        XCTAssertEqual(steps.count, 8, "one record per step")
        for rec in steps {
            // Mean absolute error of normalised pixels: about 1 for an untrained model.
            let loss = try XCTUnwrap(rec["loss"] as? Double)
            XCTAssertTrue(loss.isFinite && loss > 0.1 && loss < 3, "\(rec)")
        }
        let wa = try SSLRun.lastWeights(straight)
        let w = Dictionary(uniqueKeysWithValues: wa.map { ($0.key, $0.tensor) })
        let token = try XCTUnwrap(w["mask_token.mask_token"], "\(w.keys.sorted())")
        XCTAssertEqual(token.shape, [1, 1, 192])
        XCTAssertGreaterThan(token.scalars.map(abs).max() ?? 0, 1e-5, "the mask token (zeros at the start) is trained")
        XCTAssertEqual(w["decoder.weight"]?.shape, [48, 192], "Linear(width, 4 x 4 x 3)")
        XCTAssertEqual(w["backbone.pos_embed"]?.scalars, PositionEmbedding.sinCos2D(dim: 192, gridSize: 4).scalars)
        let exported = try SSLRun.run(["export", straight.path, "--out", dir.appendingPathComponent("w.safetensors").path])
        XCTAssertEqual(exported.status, 0, exported.all)
        let e = try SafeTensors.read(from: dir.appendingPathComponent("w.safetensors")).dictionary
        XCTAssertEqual(e["blocks.0.attn.qkv.weight"]?.scalars, w["backbone.blocks.0.attn.qkv.weight"]?.scalars, "the encoder is exported")
        XCTAssertNil(e["mask_token"] ?? e["mask_token.mask_token"])
        // Defaults: biases, norms and the mask token without weight decay (ParameterGroup.isNoDecay); MAETransform(min_scale=0.67).
        let config = try String(contentsOf: straight.appendingPathComponent("config.yaml"), encoding: .utf8)
        XCTAssertTrue(config.contains("exclude_bias_and_norm: true") && config.contains("min_scale: 0.67"), config)

        let split = dir.appendingPathComponent("split")
        try SSLRun.assertResumesExactly(common, like: straight, into: split)

        let resnet = try SSLRun.run(["--method", "simmim", "--epochs", "1", "--out", dir.appendingPathComponent("resnet").path] + SSLRun.tiny)
        XCTAssertEqual(resnet.status, 1)
        XCTAssertTrue(resnet.stderr.contains("needs a ViT backbone"), resnet.all)
        let cell = try SSLRun.run(common + ["--set", "method.mask_cell=3", "--out", dir.appendingPathComponent("cell").path])
        XCTAssertEqual(cell.status, 1, cell.all)
        XCTAssertTrue(cell.stderr.contains("mask_cell") && cell.stderr.contains("multiple"), cell.all)
        let size = try SSLRun.run(common + ["--set", "views.input_size=32", "--out", dir.appendingPathComponent("size").path])
        XCTAssertEqual(size.status, 1, size.all)
        XCTAssertTrue(size.stderr.contains("views.input_size"), size.all)
    }

    /// iBOT on the tiny ViT: finite class and patch losses, masked patches, both centres checkpointed, the
    /// mask token trained, exact resume (EMA teacher, centres, masks from the step's generator), export,
    /// separate class / patch heads, and the refusals of a ResNet and of masks smaller than a block.
    func testIBOTTrainsBothLossesResumesExactlyAndExports() throws {
        let dir = try SSLRun.temporaryDirectory("ibot")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let common = ["--method", "ibot", "--set", "views.local_views=2", "--set", "method.head.output_dim=64",
                      "--set", "method.head.hidden_dim=64", "--set", "method.head.bottleneck_dim=32",
                      "--set", "method.head.freeze_last_layer=1", "--set", "method.warmup_teacher_temp_epochs=2",
                      "--set", "train.keep_epoch_checkpoints=false"] + Self.tinyViT + ["--epochs", "2"]
        let straight = dir.appendingPathComponent("straight")
        let a = try SSLRun.run(common + ["--out", straight.path])
        XCTAssertEqual(a.status, 0, a.all)
        let steps = try stepRecords(straight)
        XCTAssertEqual(steps.count, 8, "one record per step")
        var fractions: Set<Double> = []
        for rec in steps {
            let loss = try XCTUnwrap(rec["loss"] as? Double), c = try XCTUnwrap(rec["class_loss"] as? Double, "\(rec)")
            let p = try XCTUnwrap(rec["patch_loss"] as? Double, "\(rec)"), f = try XCTUnwrap(rec["masked_fraction"] as? Double)
            XCTAssertTrue(loss.isFinite && c > 0 && p > 0, "\(rec)")
            XCTAssertEqual(loss, c + p, accuracy: 1e-4)
            // Half of the 16 global crops masked, 10-50 % of their 16 patches each: 1.6-4 % ... 25 % overall.
            XCTAssertTrue(f > 0.02 && f < 0.3, "\(rec)")
            fractions.insert(f)
            XCTAssertTrue((rec["teacher_entropy"] as? Double)?.isFinite == true, "\(rec)")
        }
        XCTAssertGreaterThan(fractions.count, 1, "a new mask every step")
        XCTAssertEqual(try XCTUnwrap(steps.last?["teacher_temp"] as? Double), 0.07, accuracy: 1e-6)
        let wa = try SSLRun.lastWeights(straight)
        let w = Dictionary(uniqueKeysWithValues: wa.map { ($0.key, $0.tensor) })
        XCTAssertEqual(w["extra.center"]?.shape, [1, 64])
        XCTAssertEqual(w["extra.patch_center"]?.shape, [1, 64])
        XCTAssertGreaterThan(try XCTUnwrap(w["mask_token.mask_token"]).scalars.map(abs).max() ?? 0, 1e-6, "the mask token is trained")
        XCTAssertNil(w["patch_head.layers.0.weight"], "shared head by default")
        XCTAssertNotNil(w["teacher_backbone.blocks.11.mlp.fc2.weight"])
        let exported = try SSLRun.run(["export", straight.path, "--out", dir.appendingPathComponent("w.safetensors").path])
        XCTAssertEqual(exported.status, 0, exported.all)
        let e = try SafeTensors.read(from: dir.appendingPathComponent("w.safetensors")).dictionary
        XCTAssertEqual(e["blocks.0.attn.qkv.weight"]?.scalars, w["backbone.blocks.0.attn.qkv.weight"]?.scalars, "the student backbone is exported")

        let split = dir.appendingPathComponent("split")
        try SSLRun.assertResumesExactly(common, like: straight, into: split)
        try FileManager.default.removeItem(at: straight)
        try FileManager.default.removeItem(at: split)

        let separate = dir.appendingPathComponent("separate")
        let s = try SSLRun.run(common + ["--set", "method.shared_head=false", "--epochs", "1", "--out", separate.path])
        XCTAssertEqual(s.status, 0, s.all)
        let ws = Dictionary(uniqueKeysWithValues: try SSLRun.lastWeights(separate).map { ($0.key, $0.tensor) })
        XCTAssertNotNil(ws["patch_head.layers.0.weight"])
        XCTAssertNotNil(ws["teacher_patch_head.last_layer.weight_v"])
        for rec in try stepRecords(separate) { XCTAssertTrue((rec["patch_loss"] as? Double)?.isFinite == true, "\(rec)") }

        let resnet = try SSLRun.run(["--method", "ibot", "--epochs", "1", "--out", dir.appendingPathComponent("resnet").path] + SSLRun.tiny)
        XCTAssertEqual(resnet.status, 1)
        XCTAssertTrue(resnet.stderr.contains("needs a ViT backbone"), resnet.all)
        let block = try SSLRun.run(common + ["--set", "method.mask.min_patches_per_block=9", "--out", dir.appendingPathComponent("block").path])
        XCTAssertEqual(block.status, 1, block.all)
        XCTAssertTrue(block.stderr.contains("method.mask.min_image_mask_ratio"), block.all)
    }

    func testDefaultsAreCommentedYAML() throws {
        for method in ["dino", "mae", "mocov3", "simmim", "ibot"] {
            let r = try SSLRun.run(["defaults", method])
            XCTAssertEqual(r.status, 0, r.all)
            // The method's own layer follows the built-in defaults: its last `method:` section onwards.
            let own = try XCTUnwrap(r.stdout.range(of: "\nmethod:\n", options: .backwards).map { r.stdout[$0.upperBound...] })
            XCTAssertTrue(own.contains("mask_ratio") || own.contains("teacher_temp") || own.contains("freeze_patch_embed"), r.all)
            for line in own.split(separator: "\n") where line.contains(": ") && !line.hasSuffix(":") {
                XCTAssertTrue(line.contains("#"), "\(method) default without a comment: \(line)")
            }
        }
    }
}

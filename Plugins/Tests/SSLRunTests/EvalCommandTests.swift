import Foundation
import XCTest
import Pretext

/// Evaluation through the real binary: online kNN + plots in the run folder, `eval knn`, `eval linear`,
/// `finetune` (pretrained, random init, --init), `embed`.
final class EvalCommandTests: XCTestCase {
    func testRunFolderHasPlotsAndOnlineKNNThatOfflineKNNReproduces() throws {
        let f = try EvalFixtures.pretrainedRun()
        for png in ["loss.png", "lr.png", "knn.png"] {
            try EvalFixtures.assertPNG(f.run.appendingPathComponent(png), width: 800, height: 500)
        }
        let records = try MetricsLog.read(f.run.appendingPathComponent("metrics.jsonl"))
        let online = try XCTUnwrap(records.last { $0["knn20_top1"] != nil }?["knn20_top1"] as? Double)
        let json = f.root.appendingPathComponent("knn.json")
        let r = try SSLRun.run(["eval", "knn", f.run.path, "--train", f.train.path, "--test", f.test.path, "--k", "20", "--k", "3",
                                "--json", json.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("top-1") && r.stdout.contains("    20"), r.stdout)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        // Same checkpoint, same features, same classifier: the offline number is the online one.
        XCTAssertEqual(try XCTUnwrap(obj["knn20_top1"] as? Double), online, accuracy: 1e-12)
        XCTAssertNotNil(obj["knn3_top5"])
        let bad = try SSLRun.run(["eval", "knn", f.root.path, "--train", f.train.path, "--test", f.test.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("not a run folder"), bad.all)
        let flat = f.root.appendingPathComponent("flat")
        try FileManager.default.createDirectory(at: flat, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: f.test.appendingPathComponent("red/000.png"), to: flat.appendingPathComponent("a.png"))
        let unlabelled = try SSLRun.run(["eval", "knn", f.run.path, "--train", flat.path, "--test", f.test.path])
        XCTAssertTrue(unlabelled.stderr.contains("labelled folders") && unlabelled.stderr.contains(flat.path), unlabelled.all)
        let finetuneFlat = try SSLRun.run(["finetune", f.run.path, "--train", f.train.path, "--test", flat.path, "--epochs", "1"])
        XCTAssertEqual(finetuneFlat.status, 1, finetuneFlat.all)
        XCTAssertTrue(finetuneFlat.stderr.contains("fine-tuning needs labelled folders") && finetuneFlat.stderr.contains(flat.path),
                      finetuneFlat.all)
    }

    func testLinearProbePrintsAndWritesAccuracy() throws {
        let f = try EvalFixtures.pretrainedRun()
        let json = f.root.appendingPathComponent("linear.json")
        let r = try SSLRun.run(["eval", "linear", f.run.path, "--train", f.train.path, "--test", f.test.path, "--epochs", "30",
                                "--batch-size", "16", "--json", json.path])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("linear probe") && r.stdout.contains("top-1"), r.stdout)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let top1 = try XCTUnwrap(obj["top1"] as? Double)
        // Colour classes are linearly separable even in a barely trained network's pooled features.
        XCTAssertGreaterThanOrEqual(top1, 0.9, r.all)
        XCTAssertEqual(obj["epochs"] as? Int, 30)
    }

    func testFinetunePretrainedRandomAndImportedWeights() throws {
        let f = try EvalFixtures.pretrainedRun()
        let common = ["--train", f.train.path, "--test", f.test.path, "--epochs", "2", "--batch-size", "16"]
        let pre = f.root.appendingPathComponent("ft-pre")
        let a = try SSLRun.run(["finetune", f.run.path, "--out", pre.path] + common)
        XCTAssertEqual(a.status, 0, a.all)
        XCTAssertTrue(a.stdout.contains("epoch 2/2") && a.stdout.contains("test top-1"), a.stdout)
        XCTAssertTrue(a.stdout.contains("lr 0.05 (head), 0.005") , "two learning rates: \(a.stdout)")
        let csv = try String(contentsOf: pre.appendingPathComponent("history.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 3)
        XCTAssertEqual(try String(contentsOf: pre.appendingPathComponent("history.jsonl"), encoding: .utf8).split(separator: "\n").count, 2)
        try EvalFixtures.assertPNG(pre.appendingPathComponent("accuracy.png"), width: 800, height: 500)
        let model = try SafeTensors.read(from: pre.appendingPathComponent("model.safetensors")).dictionary
        XCTAssertEqual(model["fc.weight"]?.shape.first, 3)
        XCTAssertNotNil(model["layer4.1.bn2.running_var"])

        let rnd = try SSLRun.run(["finetune", f.run.path, "--random-init", "--freeze-stages", "2", "--unfreeze-every", "1",
                                  "--out", f.root.appendingPathComponent("ft-random").path] + common)
        XCTAssertEqual(rnd.status, 0, rnd.all)
        XCTAssertTrue(rnd.stdout.contains("random init") && rnd.stdout.contains("frozen stages 2"), rnd.stdout)

        // --init: the exported backbone loads strictly; weights from another architecture list what is wrong.
        let exported = f.root.appendingPathComponent("backbone.safetensors")
        XCTAssertEqual(try SSLRun.run(["export", f.run.path, "--out", exported.path]).status, 0)
        let imp = try SSLRun.run(["finetune", "--backbone", "resnet18", "--set", "backbone.cifar_stem=true", "--set", "backbone.width=0.125",
                                  "--init", exported.path, "--out", f.root.appendingPathComponent("ft-init").path] + common)
        XCTAssertEqual(imp.status, 0, imp.all)
        let wrong = try SSLRun.run(["finetune", "--backbone", "resnet18", "--init", exported.path, "--epochs", "1",
                                    "--train", f.train.path, "--test", f.test.path, "--out", f.root.appendingPathComponent("ft-wrong").path])
        XCTAssertEqual(wrong.status, 1, wrong.all)
        XCTAssertTrue(wrong.stderr.contains("shape mismatches") || wrong.stderr.contains("missing keys"), wrong.all)
        XCTAssertFalse(wrong.stderr.contains("Fatal error"))
        let both = try SSLRun.run(["finetune", f.run.path, "--random-init", "--init", exported.path] + common)
        XCTAssertTrue(both.stderr.contains("not both"), both.all)
    }

    func testEmbedWritesFeaturesAndMaps() throws {
        let f = try EvalFixtures.pretrainedRun()
        let out = f.root.appendingPathComponent("emb/embeddings.csv")
        let r = try SSLRun.run(["embed", f.run.path, "--data", f.test.path, "--out", out.path, "--perplexity", "5", "--quiet"])
        XCTAssertEqual(r.status, 0, r.all)
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 24)
        XCTAssertTrue(lines[0].hasPrefix("filename,label,f0,f1"))
        XCTAssertEqual(lines[0].split(separator: ",").count, 2 + 64)            // resnet18 at width 0.125: 64 features
        XCTAssertTrue(lines[1].hasPrefix("blue/000.png,blue,"), String(lines[1].prefix(40)))
        for map in ["embeddings-pca.png", "embeddings-tsne.png"] {
            try EvalFixtures.assertPNG(out.deletingLastPathComponent().appendingPathComponent(map), width: 960, height: 700)
        }
        let coords = try String(contentsOf: out.deletingLastPathComponent().appendingPathComponent("embeddings-map.csv"), encoding: .utf8)
        XCTAssertTrue(coords.hasPrefix("filename,label,pca1,pca2,tsne1,tsne2"))

        // Small sets: the default perplexity (30) is lowered for 24 images; 2 images get the CSV and a note.
        let small = try SSLRun.run(["embed", f.run.path, "--data", f.test.path, "--out", f.root.appendingPathComponent("emb24/e.csv").path,
                                    "--quiet"])
        XCTAssertEqual(small.status, 0, small.all)
        XCTAssertTrue(small.stdout.contains("perplexity lowered from 30 to 7.67 for 24 points"), small.stdout)
        try EvalFixtures.assertPNG(f.root.appendingPathComponent("emb24/e-tsne.png"), width: 960, height: 700)
        let two = f.root.appendingPathComponent("two/blue")
        try FileManager.default.createDirectory(at: two, withIntermediateDirectories: true)
        for name in ["000.png", "001.png"] {
            try FileManager.default.copyItem(at: f.test.appendingPathComponent("blue/\(name)"), to: two.appendingPathComponent(name))
        }
        let tiny = try SSLRun.run(["embed", f.run.path, "--data", two.deletingLastPathComponent().path,
                                   "--out", f.root.appendingPathComponent("emb2/e.csv").path, "--quiet"])
        XCTAssertEqual(tiny.status, 0, tiny.all)
        XCTAssertTrue(tiny.stdout.contains("no 2-D map for 2 image(s)"), tiny.stdout)
        XCTAssertEqual(try String(contentsOf: f.root.appendingPathComponent("emb2/e.csv"), encoding: .utf8)
            .split(separator: "\n").count, 3)
        // Training and embed both left TensorBoard event files in the run folder.
        let events = try FileManager.default.contentsOfDirectory(atPath: f.run.path).filter { $0.contains("tfevents") }
        XCTAssertGreaterThanOrEqual(events.count, 2, "\(events)")
    }
}

extension EvalCommandTests {
    /// `embed` on a folder with a damaged image: an error naming it and the flag; with --skip-bad-images,
    /// the other images' rows (names and features aligned: the same rows as without the bad file) and a count.
    func testEmbedSkipsUnreadableImagesWhenAsked() throws {
        let f = try EvalFixtures.pretrainedRun()
        let data = f.root.appendingPathComponent("embed-bad")
        try? FileManager.default.removeItem(at: data)
        try FileManager.default.copyItem(at: f.test, to: data)
        let bad = data.appendingPathComponent("green/003.png")
        let good = try Data(contentsOf: bad)
        try good.prefix(good.count / 2).write(to: bad)
        let out = f.root.appendingPathComponent("emb-bad/e.csv")
        let refused = try SSLRun.run(["embed", f.run.path, "--data", data.path, "--out", out.path, "--map", "none", "--quiet"])
        XCTAssertEqual(refused.status, 1, refused.all)
        XCTAssertTrue(refused.stderr.contains("green/003.png") && refused.stderr.contains("--skip-bad-images"), refused.all)
        let r = try SSLRun.run(["embed", f.run.path, "--data", data.path, "--out", out.path, "--map", "none", "--quiet", "--skip-bad-images"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.contains("skipped 1 unreadable image(s)") && r.stdout.contains("green/003.png"), r.all)
        let rows = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 23)
        XCTAssertFalse(rows.contains { $0.hasPrefix("green/003.png,") })
        // Rows keep their own features: the same as embedding the intact folder, to float rounding (Winograd
        // convolutions put the tiles of several images into one GEMM, so a batch without the bad image
        // rounds a few features differently in the 7th digit).
        let full = f.root.appendingPathComponent("emb-full/e.csv")
        XCTAssertEqual(try SSLRun.run(["embed", f.run.path, "--data", f.test.path, "--out", full.path, "--map", "none", "--quiet"]).status, 0)
        let intact = try String(contentsOf: full, encoding: .utf8).split(separator: "\n").dropFirst().filter { !$0.hasPrefix("green/003.png,") }
        XCTAssertEqual(rows.count, intact.count)
        for (got, want) in zip(rows, intact) {
            let g = got.split(separator: ","), w = want.split(separator: ",")
            XCTAssertEqual(g.prefix(2), w.prefix(2), "image and label")
            XCTAssertEqual(g.count, w.count)
            for (a, b) in zip(g.dropFirst(2), w.dropFirst(2)) {
                let x = Double(a) ?? .nan, y = Double(b) ?? .nan
                XCTAssertLessThanOrEqual(abs(x - y), 1e-5 * max(1, abs(y)), "\(g[0]): feature \(x) vs \(y)")
            }
        }
    }
}

extension ReliabilityTests {
    /// A negative number after an option reaches the option's own check (it said "Missing value"); a binary
    /// file given as the config is called that, not "The file isn't in the correct format".
    func testNegativeOptionValuesAndBinaryConfigsGetClearErrors() throws {
        let dir = try SSLRun.temporaryDirectory("negative")
        let r = try SSLRun.run(["--method", "simclr", "--batch-size", "-4", "--epochs", "1", "--out", dir.appendingPathComponent("run").path] + SSLRun.tiny.filter { $0 != "--batch-size" && $0 != "16" })
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertFalse(r.stderr.contains("Missing value"), r.all)
        XCTAssertTrue(r.stderr.contains("batch_size") || r.stderr.contains("batch-size"), r.all)
        XCTAssertTrue(r.stderr.contains("-4"), r.all)
        let config = dir.appendingPathComponent("random.yaml")
        var rng = SystemRandomNumberGenerator()
        try Data((0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) } + [0xFF, 0x00]).write(to: config)
        let b = try SSLRun.run(["--config", config.path, "--out", dir.appendingPathComponent("run2").path])
        XCTAssertEqual(b.status, 1, b.all)
        XCTAssertTrue(b.stderr.contains(config.path) && b.stderr.contains("it is not text"), b.all)
    }
}

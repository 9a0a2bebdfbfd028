import Foundation
import XCTest
import Pretext

/// Training through the real binary: exact resume, Ctrl-C, a diverging loss, export and install.
final class TrainingRunTests: XCTestCase {
    func modelTensors(_ run: URL) throws -> [String: [Float]] {
        let file = try SafeTensors.read(from: run.appendingPathComponent("checkpoints/last/model.safetensors"))
        var out: [String: [Float]] = [:]
        for (k, t) in file.tensors { out[k] = t.scalars }
        return out
    }

    func assertSameWeights(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let wa = try modelTensors(a), wb = try modelTensors(b)
        XCTAssertEqual(Set(wa.keys), Set(wb.keys), file: file, line: line)
        var worst: Float = 0
        for (k, va) in wa { for (x, y) in zip(va, wb[k]!) { worst = max(worst, abs(x - y)) } }
        XCTAssertLessThanOrEqual(worst, 1e-6, "largest weight difference", file: file, line: line)
        XCTAssertTrue(wa.keys.contains("extra.queue.bank") || wa.keys.contains("backbone.conv1.weight"))
    }

    func testResumeGivesTheSameWeightsAsAnUninterruptedRun() throws {
        let dir = try SSLRun.temporaryDirectory("resume")
        let straight = dir.appendingPathComponent("straight"), split = dir.appendingPathComponent("split")
        // MoCo exercises the most state: optimizer momentum, EMA key encoder, the queue, split batch-norm.
        let common = ["--method", "moco", "--set", "method.memory_bank_size=64", "--set", "method.batchnorm_splits=2"] + SSLRun.tiny
        let a = try SSLRun.run(common + ["--epochs", "2", "--out", straight.path])
        XCTAssertEqual(a.status, 0, a.all)
        let b1 = try SSLRun.run(common + ["--epochs", "2", "--stop-after", "1", "--out", split.path])
        XCTAssertEqual(b1.status, 0, b1.all)
        XCTAssertFalse(try String(contentsOf: split.appendingPathComponent("metrics.jsonl"), encoding: .utf8).contains("\"epoch\":2"))
        let b2 = try SSLRun.run(["--resume", split.path, "--stop-after", "0", "--quiet"])
        XCTAssertEqual(b2.status, 0, b2.all)
        try assertSameWeights(straight, split)
        let again = try SSLRun.run(common + ["--epochs", "2", "--out", straight.path])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already holds a run") && again.stderr.contains("--resume"), again.all)
    }

    func testCtrlCWritesACheckpointAndResumeCompletesTheSameRun() throws {
        let dir = try SSLRun.temporaryDirectory("sigint")
        let straight = dir.appendingPathComponent("straight"), cut = dir.appendingPathComponent("cut")
        let common = ["--method", "simclr", "--epochs", "2", "--set", "train.log_every=1"] + SSLRun.tiny
        XCTAssertEqual(try SSLRun.run(common + ["--out", straight.path]).status, 0)

        let p = Process()
        p.executableURL = SSLRun.binary
        p.arguments = common + ["--out", cut.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let metrics = cut.appendingPathComponent("metrics.jsonl")
        let deadline = Date().addingTimeInterval(300)
        while p.isRunning, Date() < deadline {
            if let text = try? String(contentsOf: metrics, encoding: .utf8), text.contains("\"step\":2") { break }
            usleep(5_000)
        }
        try XCTSkipUnless(p.isRunning, "the run finished before it could be interrupted")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("interrupted at step") && stderr.contains("ssl-run --resume"), stderr)
        let resumed = try SSLRun.run(["--resume", cut.path, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.all)
        try assertSameWeights(straight, cut)
        // The interrupted epoch's epoch_loss covers all its batches, before and after the interruption.
        func epochLosses(_ run: URL) throws -> [Double] {
            try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").compactMap {
                (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["epoch_loss"] as? Double
            }
        }
        let a = try epochLosses(straight), b = try epochLosses(cut)
        XCTAssertEqual(a.count, 2)
        XCTAssertEqual(a.count, b.count)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-9 * max(1, abs(x)), "epoch_loss after a Ctrl-C and --resume") }
    }

    func testDivergingLossStopsWithTheStepAndLastCheckpoint() throws {
        let dir = try SSLRun.temporaryDirectory("nan")
        let r = try SSLRun.run(["--method", "rotation", "--epochs", "3", "--lr", "1e12", "--out", dir.path + "/run"] + SSLRun.tiny)
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stderr.contains("the loss became") && r.stderr.contains("at step"), r.all)
        XCTAssertTrue(r.stderr.contains("--lr") || r.stderr.contains("clip_grad"), r.all)
        XCTAssertFalse(r.stderr.contains("Fatal error"))
    }

    func testExportWritesTorchvisionKeysAndMetadata() throws {
        let dir = try SSLRun.temporaryDirectory("export")
        let run = dir.appendingPathComponent("run")
        XCTAssertEqual(try SSLRun.run(["--method", "simclr", "--epochs", "1", "--out", run.path] + SSLRun.tiny).status, 0)
        let out = dir.appendingPathComponent("backbone.safetensors")
        let r = try SSLRun.run(["export", run.path, "--out", out.path])
        XCTAssertEqual(r.status, 0, r.all)
        let file = try SafeTensors.read(from: out)
        let keys = Set(file.tensors.map(\.key))
        XCTAssertTrue(keys.contains("conv1.weight") && keys.contains("layer4.1.bn2.running_var") && keys.contains("bn1.num_batches_tracked"))
        XCTAssertFalse(keys.contains { $0.hasPrefix("projection") || $0.hasPrefix("fc.") })
        XCTAssertEqual(file.metadata["channel_order"], "RGB")
        XCTAssertEqual(file.metadata["architecture"], "resnet18-cifar-w0.125")
        XCTAssertEqual(file.metadata["mean"], "0.485,0.456,0.406")
        // The exported weights are the checkpoint's backbone weights.
        let ckpt = try SafeTensors.read(from: run.appendingPathComponent("checkpoints/last/model.safetensors")).dictionary
        XCTAssertEqual(file.dictionary["layer2.0.conv1.weight"]?.scalars, ckpt["backbone.layer2.0.conv1.weight"]?.scalars)

        let d2 = try SSLRun.run(["export", run.path, "--out", dir.appendingPathComponent("model.pkl").path, "--format", "detectron2"])
        XCTAssertEqual(d2.status, 0, d2.all)
        XCTAssertTrue(d2.stdout.contains("PIXEL_MEAN") && d2.stdout.contains("BGR"), d2.all)
        let bad = try SSLRun.run(["export", dir.path, "--out", out.path])
        XCTAssertTrue(bad.stderr.contains("not a run folder"), bad.all)
    }

    func testInitStartsTheBackboneAndItsMomentumTargetFromAWeightsFile() throws {
        let dir = try SSLRun.temporaryDirectory("init")
        let source = dir.appendingPathComponent("source"), weights = dir.appendingPathComponent("source.safetensors")
        XCTAssertEqual(try SSLRun.run(["--method", "simclr", "--epochs", "1", "--seed", "1", "--out", source.path] + SSLRun.tiny).status, 0)
        XCTAssertEqual(try SSLRun.run(["export", source.path, "--out", weights.path]).status, 0)
        let file = try SafeTensors.read(from: weights).dictionary
        // MoCo at another seed with a learning rate of ~0: its checkpoint shows where both encoders started.
        let moco = ["--method", "moco", "--set", "method.memory_bank_size=64", "--epochs", "1", "--seed", "2", "--lr", "1e-30",
                    "--set", "optimizer.weight_decay=0"] + SSLRun.tiny
        let run = dir.appendingPathComponent("run"), plain = dir.appendingPathComponent("plain")
        let r = try SSLRun.run(moco + ["--init", weights.path, "--out", run.path])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try SSLRun.run(moco + ["--out", plain.path]).status, 0)
        let started = try modelTensors(run), random = try modelTensors(plain)
        for key in ["conv1.weight", "layer3.1.conv2.weight", "layer4.0.bn1.weight"] {
            let want = try XCTUnwrap(file[key]?.scalars, key)
            for module in ["backbone", "key_backbone"] {
                let got = try XCTUnwrap(started["\(module).\(key)"], "\(module).\(key)")
                XCTAssertLessThanOrEqual(zip(got, want).map { abs($0 - $1) }.max()!, 1e-6, "\(module).\(key) starts from the file")
                XCTAssertGreaterThan(zip(random["\(module).\(key)"]!, want).map { abs($0 - $1) }.max()!, 1e-3, "without --init \(module).\(key) starts elsewhere")
            }
        }
        XCTAssertTrue(try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8).contains("init: \(weights.path)"))

        // Reopening the run takes its checkpoint, not the file; a resumed run refuses --init.
        try FileManager.default.removeItem(at: weights)
        XCTAssertEqual(try SSLRun.run(["export", run.path, "--out", dir.appendingPathComponent("again.safetensors").path]).status, 0)
        let resumed = try SSLRun.run(["--resume", run.path, "--init", weights.path])
        XCTAssertNotEqual(resumed.status, 0)
        XCTAssertTrue(resumed.stderr.contains("--init") && resumed.stderr.contains("checkpoint"), resumed.all)

        // A missing file and weights of another architecture name the key and the file.
        let missing = try SSLRun.run(moco + ["--init", weights.path, "--out", dir.appendingPathComponent("missing").path])
        XCTAssertEqual(missing.status, 1, missing.all)
        XCTAssertTrue(missing.stderr.contains("backbone.init") && missing.stderr.contains(weights.path), missing.all)
        let other = dir.appendingPathComponent("other.safetensors")
        XCTAssertEqual(try SSLRun.run(["export", run.path, "--out", other.path]).status, 0)
        let wider = try SSLRun.run(moco + ["--set", "backbone.width=0.25", "--init", other.path, "--out", dir.appendingPathComponent("wider").path])
        XCTAssertEqual(wider.status, 1, wider.all)
        XCTAssertTrue(wider.stderr.contains("backbone.init") && wider.stderr.contains("shape mismatch"), wider.all)
    }

    func testInstalledCopyFindsItsPlugins() throws {
        let prefix = try SSLRun.temporaryDirectory("prefix")
        let r = try SSLRun.run(["install", "--prefix", prefix.path])
        XCTAssertEqual(r.status, 0, r.all)
        let installed = try SSLRun.exec(prefix.appendingPathComponent("bin/ssl-run"), ["list", "method"])
        XCTAssertEqual(installed.status, 0, installed.all)
        XCTAssertTrue(installed.stdout.contains("simclr") && installed.stdout.contains(prefix.appendingPathComponent("lib/pretext/plugins").path),
                      installed.all)
    }
}

import Foundation
import XCTest

/// Bad input through the real binary: each case is an error (exit 1) naming the key or file and what
/// to do, and nothing already in the run folder is changed by the refused command.
final class ReliabilityTests: XCTestCase {
    func config(_ run: URL) throws -> String { try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8) }

    func testAPlainValueWhereASectionBelongsIsAnError() throws {
        let dir = try SSLRun.temporaryDirectory("shape")
        let file = dir.appendingPathComponent("c.yaml")
        try "method: moco\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try SSLRun.run(["--config", file.path, "--epochs", "1", "--out", dir.appendingPathComponent("run").path] + SSLRun.tiny)
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stderr.contains("'method' must be a section") && r.stderr.contains("name: moco"), r.all)
        let nested = try SSLRun.run(["--method", "simclr", "--set", "method.projection=128", "--epochs", "1",
                                     "--out", dir.appendingPathComponent("run2").path] + SSLRun.tiny)
        XCTAssertEqual(nested.status, 1, nested.all)
        XCTAssertTrue(nested.stderr.contains("method.projection") && nested.stderr.contains("a section"), nested.all)
    }

    func testResumeThatCannotFitIsRefusedBeforeAnythingIsWritten() throws {
        let dir = try SSLRun.temporaryDirectory("resume-guard")
        let run = dir.appendingPathComponent("run")
        XCTAssertEqual(try SSLRun.run(["--method", "simclr", "--epochs", "2", "--out", run.path] + SSLRun.tiny).status, 0)
        let before = try config(run)

        let fewer = try SSLRun.run(["--resume", run.path, "--epochs", "1", "--quiet"])
        XCTAssertEqual(fewer.status, 1, fewer.all)
        XCTAssertTrue(fewer.stderr.contains("already trained 2 epochs") && fewer.stderr.contains("--epochs 2"), fewer.all)
        let other = try SSLRun.run(["--resume", run.path, "--method", "moco", "--quiet"])
        XCTAssertEqual(other.status, 1, other.all)
        XCTAssertTrue(other.stderr.contains("method.name = simclr, not moco"), other.all)
        let width = try SSLRun.run(["--resume", run.path, "--set", "backbone.width=0.5", "--quiet"])
        XCTAssertEqual(width.status, 1, width.all)
        XCTAssertTrue(width.stderr.contains("backbone.width = 0.125, not 0.5"), width.all)
        XCTAssertEqual(try config(run), before, "a refused resume must not rewrite config.yaml")
        XCTAssertEqual(try SSLRun.run(["--resume", run.path, "--quiet"]).status, 0)

        // A damaged loop position in state.json: named, not trapped on.
        let state = run.appendingPathComponent("checkpoints/last/state.json")
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: state)) as? [String: Any])
        json["step"] = 999_999
        try JSONSerialization.data(withJSONObject: json).write(to: state)
        let damaged = try SSLRun.run(["--resume", run.path, "--epochs", "3", "--quiet"])
        XCTAssertEqual(damaged.status, 1, damaged.all)
        XCTAssertTrue(damaged.stderr.contains("state.json") && damaged.stderr.contains("damaged"), damaged.all)
        XCTAssertEqual(try config(run), before)
    }

    /// A bit flipped in a checkpoint's weights, and NaN weights, are refused by every command that
    /// loads them (resume, export), naming the file and the tensor.
    func testDamagedOrNonFiniteCheckpointWeightsAreRefusedNamingTheTensor() throws {
        let dir = try SSLRun.temporaryDirectory("damaged-weights")
        let run = dir.appendingPathComponent("run")
        XCTAssertEqual(try SSLRun.run(["--method", "rotation", "--epochs", "1", "--out", run.path] + SSLRun.tiny).status, 0)
        let resumed = try SSLRun.run(["--resume", run.path, "--epochs", "2", "--quiet"])   // an empty method.classifier section
        XCTAssertEqual(resumed.status, 0, resumed.all)
        let model = run.appendingPathComponent("checkpoints/last/model.safetensors")
        let clean = try Data(contentsOf: model)
        var flipped = clean
        flipped[flipped.count - 100] ^= 0x10    // a bit in the last tensor's data
        try flipped.write(to: model)
        for args in [["--resume", run.path, "--epochs", "3", "--quiet"], ["export", run.path, "--out", dir.appendingPathComponent("b.safetensors").path]] {
            let r = try SSLRun.run(args)
            XCTAssertEqual(r.status, 1, r.all)
            XCTAssertTrue(r.stderr.contains("model.safetensors") && r.stderr.contains("checksum") && r.stderr.contains("tensor '"), r.all)
        }
        // NaN weights written with valid checksums (a diverged run, or another writer): refused too.
        let file = try SafeTensorsFixture.replacingFirstWeight(of: clean, with: .nan)
        try file.write(to: model)
        let nan = try SSLRun.run(["export", run.path, "--out", dir.appendingPathComponent("c.safetensors").path])
        XCTAssertEqual(nan.status, 1, nan.all)
        XCTAssertTrue(nan.stderr.contains("NaN or infinite") && nan.stderr.contains("tensor '"), nan.all)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("c.safetensors").path))
    }

    func testASecondWriterOnOneRunFolderIsRefusedWithTheHoldersPID() throws {
        let dir = try SSLRun.temporaryDirectory("lock")
        let run = dir.appendingPathComponent("run")
        let first = Process()
        first.executableURL = SSLRun.binary
        first.arguments = ["--method", "simclr", "--epochs", "50", "--out", run.path] + SSLRun.tiny
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer { if first.isRunning { first.terminate(); first.waitUntilExit() } }
        let metrics = run.appendingPathComponent("metrics.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: metrics.path), Date() < deadline { usleep(50_000) }
        XCTAssertTrue(first.isRunning, "the first run ended too early for the test")
        let second = try SSLRun.run(["--method", "simclr", "--epochs", "1", "--out", run.path] + SSLRun.tiny)
        XCTAssertEqual(second.status, 1, second.all)
        XCTAssertTrue(second.stderr.contains("in use by process \(first.processIdentifier)"), second.all)
        let resume = try SSLRun.run(["--resume", run.path, "--quiet"])
        XCTAssertEqual(resume.status, 1, resume.all)
        XCTAssertTrue(resume.stderr.contains("in use by process"), resume.all)
    }
}

extension ReliabilityTests {
    /// Zero or negative sizes and rates are errors naming the key (they divided by zero or trapped).
    func testZeroAndNegativeSizesAreErrors() throws {
        let dir = try SSLRun.temporaryDirectory("sizes")
        for (set, key) in [("method.projection.output_dim=0", "method.projection.output_dim"),
                           ("method.projection.hidden_dim=-1", "method.projection.hidden_dim"),
                           ("backbone.width=0", "backbone.width"), ("optimizer.lr=-0.1", "optimizer.lr"),
                           ("method.temperature=0", "method.temperature")] {
            let r = try SSLRun.run(["--method", "simclr", "--epochs", "1", "--out", dir.appendingPathComponent(key).path] + SSLRun.tiny + ["--set", set])
            XCTAssertEqual(r.status, 1, "\(set): \(r.all)")
            XCTAssertTrue(r.stderr.contains(key), "\(set): \(r.all)")
        }
    }
}

extension ReliabilityTests {
    /// drop_last: false with a last batch of one image is refused when the loader is set up (it used to
    /// fail in batch-norm at the end of the first epoch); a missing PRETEXT_PLUGIN_PATH folder is warned about.
    func testALastBatchOfOneAndAMissingPluginFolderAreReported() throws {
        let dir = try SSLRun.temporaryDirectory("lastbatch")
        let r = try SSLRun.run(["--method", "simclr", "--epochs", "1", "--out", dir.appendingPathComponent("run").path] + SSLRun.tiny
                               + ["--set", "data.drop_last=false", "--set", "data.synthetic_count=49"])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stderr.contains("data.drop_last") && r.stderr.contains("1 of the 49 images"), r.all)
        let missing = dir.appendingPathComponent("no-such-folder").path
        let list = try SSLRun.run(["list", "method"], env: ["PRETEXT_PLUGIN_PATH": missing])
        XCTAssertEqual(list.status, 0, list.all)
        XCTAssertTrue(list.stderr.contains("PRETEXT_PLUGIN_PATH names \(missing), which does not exist"), list.all)
    }
}

extension ReliabilityTests {
    /// Sizes that cannot fit are refused with the figure and the key, before anything that size is
    /// allocated (they used to end in "failed to allocate 120000000032 bytes").
    func testSizesBeyondTheMachineAreRefusedWithTheFigure() throws {
        let dir = try SSLRun.temporaryDirectory("huge")
        let big = try SSLRun.run(["--method", "simclr", "--epochs", "1", "--out", dir.appendingPathComponent("a").path] + SSLRun.tiny
                                 + ["--set", "views.input_size=100000"])
        XCTAssertEqual(big.status, 1, big.all)
        XCTAssertTrue(big.stderr.contains("views.input_size") && big.stderr.contains("GB") && big.stderr.contains("data.batch_size"), big.all)
        let tokens = try SSLRun.run(["--method", "mae", "--backbone", "vit-t", "--set", "backbone.patch_size=1",
                                     "--set", "backbone.image_size=4096", "--epochs", "1", "--out", dir.appendingPathComponent("b").path, "--quiet"])
        XCTAssertEqual(tokens.status, 1, tokens.all)
        XCTAssertTrue(tokens.stderr.contains("backbone.image_size") && tokens.stderr.contains("tokens"), tokens.all)
    }
}

/// Edits safetensors bytes the way a non-Pretext writer would: no checksums, values as given.
enum SafeTensorsFixture {
    /// `data` with the first float of its first F32 tensor set to `value` and the checksum metadata dropped.
    static func replacingFirstWeight(of data: Data, with value: Float) throws -> Data {
        let n = Int(data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        var header = try XCTUnwrap(try JSONSerialization.jsonObject(with: data[8..<(8 + n)]) as? [String: Any])
        header["__metadata__"] = nil
        let first = try XCTUnwrap(header.compactMap { (k, v) -> (String, Int)? in
            guard let e = v as? [String: Any], e["dtype"] as? String == "F32", let o = e["data_offsets"] as? [Int] else { return nil }
            return (k, o[0])
        }.min { $0.1 < $1.1 })
        var body = Data(data[(8 + n)...])
        withUnsafeBytes(of: value.bitPattern.littleEndian) { body.replaceSubrange(first.1..<(first.1 + 4), with: $0) }
        var json = try JSONSerialization.data(withJSONObject: header)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        return out + json + body
    }
}

import Foundation
import XCTest
import Pretext

/// SIGKILL through the real binary — no handler runs, nothing is flushed — at every moment of a
/// checkpoint write (fault points, `PRETEXT_FAULT_INJECT`) and at random moments of training: the run
/// then resumes to exactly the weights and epoch losses of an uninterrupted run.
final class FaultInjectionTests: XCTestCase {
    /// MoCo carries the most state (optimizer momentum, EMA key encoder, queue, split batch-norm).
    let common = ["--method", "moco", "--set", "method.memory_bank_size=64", "--set", "method.batchnorm_splits=2",
                  "--epochs", "2"] + SSLRun.tiny

    func weights(_ run: URL) throws -> [String: [Float]] {
        let file = try SafeTensors.read(from: run.appendingPathComponent("checkpoints/last/model.safetensors"))
        return Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.key, $0.tensor.scalars) })
    }

    func epochLosses(_ run: URL) throws -> [Double] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").compactMap {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["epoch_loss"] as? Double
        }
    }

    func assertSameRun(_ straight: URL, _ run: URL, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try weights(straight), b = try weights(run)
        XCTAssertEqual(Set(a.keys), Set(b.keys), what, file: file, line: line)
        XCTAssertTrue(a.keys.contains("extra.queue.bank"), file: file, line: line)
        for (k, va) in a {
            XCTAssertEqual(va, b[k] ?? [], "\(what): \(k) differs from the uninterrupted run", file: file, line: line)
        }
        XCTAssertEqual(try epochLosses(straight), try epochLosses(run), "\(what): epoch losses", file: file, line: line)
        // The same files as the uninterrupted run (every epoch-NNN.safetensors, no `.tmp-*` or `.previous`).
        let fm = FileManager.default
        let left = try fm.contentsOfDirectory(atPath: run.appendingPathComponent("checkpoints").path).sorted()
        XCTAssertEqual(left, try fm.contentsOfDirectory(atPath: straight.appendingPathComponent("checkpoints").path).sorted(),
                       what, file: file, line: line)
    }

    func checkpointEpoch(_ run: URL, _ folder: String) -> Int? {
        let url = run.appendingPathComponent("checkpoints/\(folder)/state.json")
        guard let data = try? Data(contentsOf: url),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return obj["epoch"] as? Int
    }

    func testSIGKILLAtEveryMomentOfACheckpointWriteLosesNothing() throws {
        let dir = try SSLRun.temporaryDirectory("fault-ckpt")
        let straight = dir.appendingPathComponent("straight")
        let a = try SSLRun.run(common + ["--out", straight.path])
        XCTAssertEqual(a.status, 0, a.all)
        // (point, `last` epoch, `.previous` epoch) on disk right after the kill during the end-of-epoch-2 write.
        let expected: [(String, Int?, Int?)] = [("checkpoint.model-written", 1, nil), ("checkpoint.state-written", 1, nil),
                                                ("checkpoint.last-moved", nil, 1), ("checkpoint.renamed", 2, 1)]
        for (point, lastEpoch, previousEpoch) in expected {
            let run = dir.appendingPathComponent(point)
            let killed = try SSLRun.run(common + ["--out", run.path], env: ["PRETEXT_FAULT_INJECT": "\(point)@2"])
            XCTAssertEqual(killed.status, SIGKILL, "\(point): \(killed.all)")
            XCTAssertEqual(checkpointEpoch(run, "last"), lastEpoch, point)
            XCTAssertEqual(checkpointEpoch(run, ".previous"), previousEpoch, point)
            // Every other command reads the complete checkpoint that is there, even mid-rename.
            let export = try SSLRun.run(["export", run.path, "--out", dir.appendingPathComponent("\(point).safetensors").path])
            XCTAssertEqual(export.status, 0, "\(point): \(export.all)")
            let again = try SSLRun.run(common + ["--out", run.path])
            XCTAssertEqual(again.status, 1, "\(point): a new run over a killed one must be refused: \(again.all)")
            let resumed = try SSLRun.run(["--resume", run.path, "--quiet"])
            XCTAssertEqual(resumed.status, 0, "\(point): \(resumed.all)")
            try assertSameRun(straight, run, point)
        }
    }

    func testAFaultPointThatDoesNotExistIsReportedNotSilentlyIgnored() throws {
        let dir = try SSLRun.temporaryDirectory("fault-typo")
        let r = try SSLRun.run(["--method", "simclr", "--epochs", "1", "--out", dir.appendingPathComponent("run").path] + SSLRun.tiny,
                               env: ["PRETEXT_FAULT_INJECT": "checkpoint.renmed@1"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stderr.contains("PRETEXT_FAULT_INJECT='checkpoint.renmed@1' names no fault point"), r.all)
    }

    /// Kills at random moments (seeded; the seed is in every failure message; 1–3 kills), resuming after each, until
    /// the run finishes; a kill before the first checkpoint restarts the run from step 0.
    func testSIGKILLAtRandomMomentsThenResumeGivesTheUninterruptedRun() throws {
        let dir = try SSLRun.temporaryDirectory("fault-random")
        let straight = dir.appendingPathComponent("straight"), run = dir.appendingPathComponent("run")
        let args = common + ["--set", "train.log_every=1"]
        let started = Date()
        let a = try SSLRun.run(args + ["--out", straight.path])
        XCTAssertEqual(a.status, 0, a.all)
        let duration = Date().timeIntervalSince(started)
        let seed = UInt64(Date().timeIntervalSince1970 * 1000) % 100_000
        var rng = SplitMix64(state: seed)
        var kills = 0, finished = false, attempt = 0
        while !finished, attempt < 12 {
            attempt += 1
            let p = Process()
            p.executableURL = SSLRun.binary
            // A kill before the run folder has its config.yaml leaves nothing to resume: start it again.
            let recorded = FileManager.default.fileExists(atPath: run.appendingPathComponent("config.yaml").path)
            p.arguments = recorded ? ["--resume", run.path, "--quiet"] : args + ["--out", run.path]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            // Kill somewhere in the first 60 % of a whole run's time (a resumed process has less left to do,
            // so it may finish first), at most three times; then let it finish.
            let delay = kills < 3 ? Double(rng.next() % 1000) / 1000 * duration * 0.6 : 600
            let deadline = Date().addingTimeInterval(delay)
            while p.isRunning, Date() < deadline { usleep(2_000) }
            if p.isRunning, kills < 3 { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
            finished = p.terminationReason == .exit
            if finished { XCTAssertEqual(p.terminationStatus, 0, "seed \(seed), attempt \(attempt)") }
        }
        XCTAssertTrue(finished, "seed \(seed): the run never finished")
        XCTAssertGreaterThanOrEqual(kills, 1, "seed \(seed): no kill landed while the run was going")
        try assertSameRun(straight, run, "seed \(seed), \(kills) kills")
    }

    /// A full disk, for real: the run writes to a tmpfs just large enough for its first epoch's checkpoint
    /// (mounted in a private user + mount namespace, `unshare`, so no privileges are needed), fails at the
    /// second with an error naming the folder, keeps the first checkpoint intact, and — moved to a disk
    /// with room, as a user would — resumes to exactly the uninterrupted run.
    func testAFullDiskStopsTheRunClearlyAndItResumesExactlyElsewhere() throws {
        let dir = try SSLRun.temporaryDirectory("fault-full")
        let straight = dir.appendingPathComponent("straight")
        let args = common + ["--set", "train.log_every=1"]
        let a = try SSLRun.run(args + ["--out", straight.path])
        XCTAssertEqual(a.status, 0, a.all)
        func size(_ url: URL) throws -> Int {
            let fm = FileManager.default
            var total = 0
            for case let f as URL in fm.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey])! {
                total += try f.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0
            }
            return total
        }
        let last = try size(straight.appendingPathComponent("checkpoints/last"))
        let epoch = try size(straight.appendingPathComponent("checkpoints/epoch-001.safetensors"))
        // Room for epoch 1 (its checkpoint and weights, the logs) but not for epoch 2's checkpoint beside it.
        let kib = (2 * last + epoch + 256 * 1024) / 1024
        let mnt = dir.appendingPathComponent("mnt"), copied = dir.appendingPathComponent("copied")
        try FileManager.default.createDirectory(at: mnt, withIntermediateDirectories: true)
        let quoted = ([SSLRun.binary.path] + args + ["--out", mnt.path + "/run"]).map { "'\($0)'" }.joined(separator: " ")
        let script = "mount -t tmpfs -o size=\(kib)k none '\(mnt.path)' || exit 77; \(quoted); echo $? > '\(dir.path)/status'; cp -a '\(mnt.path)/run' '\(copied.path)'"
        let r = try SSLRun.exec(URL(fileURLWithPath: "/usr/bin/unshare"), ["--user", "--map-root-user", "--mount", "sh", "-c", script])
        try XCTSkipIf(r.status == 77 || !FileManager.default.fileExists(atPath: dir.path + "/status"),
                      "cannot mount a tmpfs in a user namespace here: \(r.all)")
        let status = try String(contentsOf: dir.appendingPathComponent("status"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(status, "1", r.all)
        XCTAssertTrue(r.stderr.contains("No space left on device") && r.stderr.contains(mnt.path + "/run/checkpoints"), r.all)
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.all)
        XCTAssertEqual(checkpointEpoch(copied, "last"), 1, r.all)
        let resumed = try SSLRun.run(["--resume", copied.path, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.all)
        try assertSameRun(straight, copied, "full disk")
    }

}

/// A small deterministic generator (SplitMix64) so a failing random-kill schedule can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import Foundation
import Pretext
import XCTest

/// The scheduled hyper-parameters other than the learning rate, each a schedule group selected from
/// the command line: `optimizer.weight_decay_schedule`, `method.momentum_schedule` and DINO's
/// `method.teacher_temp_schedule`. The values per step come from metrics.jsonl (`weight_decay`,
/// `momentum`, `teacher_temp`; the record after step s + 1 holds step s's values).
final class ScheduleGroupTests: XCTestCase {
    /// SimCLR / MoCo / BYOL: 48 images, batch 16: 3 steps per epoch.
    static let resnet = SSLRun.tiny + ["--set", "train.log_every=1"]
    /// DINO on a tiny ViT: 32 images, batch 8: 4 steps per epoch.
    static let dino = ["--method", "dino", "--set", "views.local_views=2", "--set", "method.head.output_dim=64",
                       "--set", "method.head.hidden_dim=64", "--set", "method.head.bottleneck_dim=32"] + TransformerMethodTests.tinyViT

    func perStep(_ key: String, _ run: URL) throws -> [Int: Double] {
        let text = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        var out: [Int: Double] = [:]
        for line in text.split(separator: "\n") {
            let r = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let v = r[key] as? Double, let step = r["step"] as? Int { out[step - 1] = v }
        }
        return out
    }

    func train(_ name: String, _ base: [String], epochs: Int, _ sets: [String], extra: [String] = []) throws -> URL {
        let run = SSLRun.scratch.appendingPathComponent("schedgroups-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: run)
        let r = try SSLRun.run(base + extra + ["--epochs", "\(epochs)", "--out", run.path] + sets.flatMap { ["--set", $0] })
        XCTAssertEqual(r.status, 0, r.all)
        return run
    }

    func testWeightDecaySchedules() throws {
        let simclr = Self.resnet + ["--method", "simclr", "--set", "optimizer.weight_decay=0.1"]
        // Default without weight_decay_end: constant at optimizer.weight_decay.
        let constant = try perStep("weight_decay", try train("wd-constant", simclr, epochs: 2, []))
        for s in 0..<6 { XCTAssertEqual(constant[s] ?? -1, 0.1, accuracy: 1e-7, "constant, step \(s)") }
        // cosine from weight_decay (peak) to final, per step: final + (peak − final)(1 + cos(π s/6))/2.
        let cosine = try perStep("weight_decay", try train("wd-cosine", simclr, epochs: 2,
                                                           ["optimizer.weight_decay_schedule.name=cosine", "optimizer.weight_decay_schedule.final=0.4"]))
        for s in 0..<6 {
            XCTAssertEqual(cosine[s] ?? -1, 0.4 + (0.1 - 0.4) * (1 + cos(Double.pi * Double(s) / 6)) / 2, accuracy: 1e-6, "cosine, step \(s)")
        }
        // linear-warmup, per epoch: linspace(0, weight_decay_end, 2)[epoch], then weight_decay_end.
        let warm = try perStep("weight_decay", try train("wd-linear", simclr, epochs: 3,
                                                         ["optimizer.weight_decay_end=0.3", "optimizer.weight_decay_schedule.name=linear-warmup",
                                                          "optimizer.weight_decay_schedule.start=0", "optimizer.weight_decay_schedule.epochs=2"]))
        for s in 0..<9 { XCTAssertEqual(warm[s] ?? -1, s < 3 ? 0 : 0.3, accuracy: 1e-7, "linear-warmup, step \(s)") }
    }

    func testMomentumSchedules() throws {
        // MoCo's default: constant 0.99; cosine-to-end from --set: 0.99 on the first step, exactly 1 on the last.
        let moco = Self.resnet + ["--method", "moco", "--set", "method.memory_bank_size=64"]
        let constant = try perStep("momentum", try train("m-constant", moco, epochs: 2, []))
        for s in 0..<6 { XCTAssertEqual(constant[s] ?? -1, 0.99, accuracy: 1e-7, "constant, step \(s)") }
        let cosine = try perStep("momentum", try train("m-cosine", moco, epochs: 2, ["method.momentum_schedule.name=cosine-to-end"]))
        for s in 0..<6 {
            XCTAssertEqual(cosine[s] ?? -1, 1 - (1 - 0.99) * (cos(Double.pi * Double(s) / 5) + 1) / 2, accuracy: 1e-7, "cosine-to-end, step \(s)")
        }
        // BYOL's default is cosine-to-end; constant from --set with its own value.
        let byol = Self.resnet + ["--method", "byol"]
        let flat = try perStep("momentum", try train("m-byol-constant", byol, epochs: 1,
                                                     ["method.momentum_schedule.name=constant", "method.momentum_schedule.value=0.9"]))
        for s in 0..<3 { XCTAssertEqual(flat[s] ?? -1, 0.9, accuracy: 1e-7, "byol constant, step \(s)") }
        // step: a multiplier schedule (1, then ×gamma at each milestone), selectable for any group.
        let step = try perStep("momentum", try train("m-step", moco, epochs: 2, ["method.momentum_schedule.name=step",
                                                                                 "method.momentum_schedule.milestones=[0.5]", "method.momentum_schedule.gamma=0.999"]))
        for s in 0..<6 { XCTAssertEqual(step[s] ?? -1, s < 3 ? 1 : 0.999, accuracy: 1e-7, "step, step \(s)") }
    }

    func testTeacherTemperatureSchedules() throws {
        // Default linear-warmup over 2 epochs (4 steps each): 0.04 in epoch 0, 0.07 from epoch 1.
        let warm = try perStep("teacher_temp", try train("tt-linear", Self.dino, epochs: 3, ["method.warmup_teacher_temp_epochs=2"]))
        for s in 0..<12 { XCTAssertEqual(warm[s] ?? -1, s < 4 ? 0.04 : 0.07, accuracy: 1e-7, "linear-warmup, step \(s)") }
        // constant from --set (seeded with teacher_temp, overridden here).
        let constant = try perStep("teacher_temp", try train("tt-constant", Self.dino, epochs: 1,
                                                             ["method.teacher_temp_schedule.name=constant", "method.teacher_temp_schedule.value=0.05"]))
        for s in 0..<4 { XCTAssertEqual(constant[s] ?? -1, 0.05, accuracy: 1e-7, "constant, step \(s)") }
        // cosine per step from peak to final.
        let cosine = try perStep("teacher_temp", try train("tt-cosine", Self.dino, epochs: 1,
                                                           ["method.teacher_temp_schedule.name=cosine", "method.teacher_temp_schedule.peak=0.07",
                                                            "method.teacher_temp_schedule.final=0.04"]))
        for s in 0..<4 {
            XCTAssertEqual(cosine[s] ?? -1, 0.04 + 0.03 * (1 + cos(Double.pi * Double(s) / 4)) / 2, accuracy: 1e-6, "cosine, step \(s)")
        }
    }

    /// A file selects cosine with its options; `--set` switches to constant: the file's cosine options are
    /// dropped (not refused), as for the learning-rate `schedule` group. Given in one layer they are refused.
    func testSwitchingTheMemberDropsItsOptions() throws {
        let dir = try SSLRun.temporaryDirectory("schedgroups-file")
        let file = dir.appendingPathComponent("wd.yaml")
        try "optimizer:\n  weight_decay: 0.1\n  weight_decay_schedule:\n    name: cosine\n    final: 0.4\n".write(to: file, atomically: true, encoding: .utf8)
        let simclr = Self.resnet + ["--method", "simclr", "--config", file.path]
        let run = try train("wd-switch", simclr, epochs: 1, ["optimizer.weight_decay_schedule.name=constant"])
        for (s, v) in try perStep("weight_decay", run) { XCTAssertEqual(v, 0.1, accuracy: 1e-7, "step \(s)") }
        let config = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
        XCTAssertFalse(ConfigGroupTests.section("optimizer", of: config).contains("final:"), config)
        let bad = try SSLRun.run(Self.resnet + ["--method", "simclr", "--epochs", "1", "--out", dir.appendingPathComponent("bad").path,
                                               "--set", "optimizer.weight_decay_schedule.name=constant", "--set", "optimizer.weight_decay_schedule.fnal=0.4"])
        XCTAssertEqual(bad.status, 1, bad.all)
        XCTAssertTrue(bad.stderr.contains("optimizer.weight_decay_schedule"), bad.all)
    }

    func testDefaultsShowTheGroups() throws {
        let r = try SSLRun.run(["defaults", "dino"])
        XCTAssertEqual(r.status, 0, r.all)
        for expected in ["teacher_temp_schedule:", "name: linear-warmup", "momentum_schedule:", "name: cosine-to-end",
                         "weight_decay_schedule:", "final: 0.4"] {
            XCTAssertTrue(r.stdout.contains(expected), "\(expected) missing:\n\(r.stdout)")
        }
    }
}

import Foundation
import Pretext
import XCTest

/// Every registered schedule and optimizer selected from the command line over a method whose defaults
/// name another one (SimCLR: SGD + cosine), trained for real; the learning rates in metrics.jsonl are
/// the member's. Plus the errors for options no member reads.
final class ConfigGroupTests: XCTestCase {
    /// 48 images, batch 16: 3 steps per epoch; one record per step.
    static let args = SSLRun.tiny + ["--method", "simclr", "--set", "train.log_every=1", "--set", "optimizer.lr=0.1"]

    func lrPerStep(_ run: URL) throws -> [Int: Double] {
        let text = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        var out: [Int: Double] = [:]
        for line in text.split(separator: "\n") {
            let r = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let lr = r["lr"] as? Double, let step = r["step"] as? Int { out[step - 1] = lr }   // record after step s+1 holds step s's lr
        }
        return out
    }

    func train(_ name: String, epochs: Int, _ sets: [String]) throws -> (URL, SSLRun.Result) {
        let run = SSLRun.scratch.appendingPathComponent("groups-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: run)
        let r = try SSLRun.run(Self.args + ["--epochs", "\(epochs)", "--out", run.path] + sets.flatMap { ["--set", $0] })
        XCTAssertEqual(r.status, 0, r.all)
        return (run, r)
    }

    func testEveryRegisteredScheduleTrains() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        XCTAssertEqual(registry.names(.schedule), ["constant", "cosine", "cosine-to-end", "linear-warmup", "plateau", "step"],
                       "a new schedule needs a case here")
        // step: ×0.1 from half-way (step 3 of 6).
        let (stepRun, _) = try train("step", epochs: 2, ["schedule.name=step", "schedule.milestones=[0.5]", "schedule.gamma=0.1"])
        let step = try lrPerStep(stepRun)
        for s in 0..<6 { XCTAssertEqual(step[s] ?? -1, s < 3 ? 0.1 : 0.01, accuracy: 1e-7, "step schedule, step \(s)") }
        XCTAssertFalse(Self.section("schedule", of: try String(contentsOf: stepRun.appendingPathComponent("config.yaml"), encoding: .utf8)).contains("warmup_epochs"))
        // plateau: no epoch can improve by 1000 %, patience 0: halved after the second epoch's observation.
        let (plateauRun, _) = try train("plateau", epochs: 3, ["schedule.name=plateau", "schedule.patience=0",
                                                               "schedule.factor=0.5", "schedule.threshold=10"])
        let plateau = try lrPerStep(plateauRun)
        for s in 0..<9 { XCTAssertEqual(plateau[s] ?? -1, s < 6 ? 0.1 : 0.05, accuracy: 1e-7, "plateau, step \(s)") }
        // constant, with one epoch of warm-up: 0.1·(s+1)/3, then 0.1.
        let (constantRun, _) = try train("constant", epochs: 2, ["schedule.name=constant", "schedule.warmup_epochs=1"])
        let constant = try lrPerStep(constantRun)
        for s in 0..<6 { XCTAssertEqual(constant[s] ?? -1, s < 3 ? 0.1 * Double(s + 1) / 3 : 0.1, accuracy: 1e-7, "constant, step \(s)") }
        // cosine (the method's own), annealed per step: 0.1·(1 + cos(π s/6))/2.
        let (cosineRun, _) = try train("cosine", epochs: 2, ["schedule.name=cosine"])
        let cosine = try lrPerStep(cosineRun)
        for s in 0..<6 { XCTAssertEqual(cosine[s] ?? -1, 0.1 * (1 + cos(Double.pi * Double(s) / 6)) / 2, accuracy: 1e-7, "cosine, step \(s)") }
        // cosine-to-end (Lightly's cosine_schedule) from 0.5 to 1 of optimizer.lr: the last step has exactly the end.
        let (toEndRun, _) = try train("cosine-to-end", epochs: 2, ["schedule.name=cosine-to-end", "schedule.start=0.5", "schedule.end=1"])
        let toEnd = try lrPerStep(toEndRun)
        for s in 0..<6 { XCTAssertEqual(toEnd[s] ?? -1, 0.1 * (1 - 0.5 * (cos(Double.pi * Double(s) / 5) + 1) / 2), accuracy: 1e-7, "cosine-to-end, step \(s)") }
        // linear-warmup per epoch: linspace(0.2, 1, 2)[epoch] of optimizer.lr, then 1.
        let (linearRun, _) = try train("linear-warmup", epochs: 3, ["schedule.name=linear-warmup", "schedule.start=0.2", "schedule.epochs=2"])
        let linear = try lrPerStep(linearRun)
        for s in 0..<9 { XCTAssertEqual(linear[s] ?? -1, s < 3 ? 0.02 : 0.1, accuracy: 1e-7, "linear-warmup, step \(s)") }
    }

    /// The lines of top-level section `name` in a YAML text.
    static func section(_ name: String, of yaml: String) -> String {
        var out: [Substring] = [], inside = false
        for line in yaml.split(separator: "\n") {
            if !line.hasPrefix(" ") { inside = line.hasPrefix(name + ":") }
            if inside { out.append(line) }
        }
        return out.joined(separator: "\n")
    }

    func testEveryRegisteredOptimizerTrains() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        XCTAssertEqual(registry.names(.optimizer), ["adamw", "lars", "sgd"], "a new optimizer needs a case here")
        for name in registry.names(.optimizer) {
            let (run, _) = try train("opt-\(name)", epochs: 1, ["optimizer.name=\(name)"])
            let config = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
            XCTAssertTrue(config.contains("name: \(name)"), config)
            // SimCLR's SGD options (momentum, nesterov) are gone for AdamW; the shared lr stays.
            XCTAssertEqual(config.contains("nesterov"), name != "adamw", "\(name): \(config)")
            XCTAssertEqual(config.contains("betas"), name == "adamw", "\(name): \(config)")
            XCTAssertEqual(try lrPerStep(run)[0] ?? -1, 0.1, accuracy: 1e-7, name)
        }
    }

    func testOptionsNoSelectedMemberReadsAreErrors() throws {
        let run = SSLRun.scratch.appendingPathComponent("groups-bad-\(getpid())").path
        let typo = try SSLRun.run(Self.args + ["--epochs", "1", "--out", run, "--set", "schedule.name=plateau", "--set", "schedule.patiense=2"])
        XCTAssertEqual(typo.status, 1, typo.all)
        XCTAssertTrue(typo.stderr.contains("schedule.patience"), typo.all)        // did you mean
        // warmup_epochs belongs to cosine; given in the same layer as plateau, it is not dropped but refused.
        let other = try SSLRun.run(Self.args + ["--epochs", "1", "--out", run, "--set", "schedule.name=plateau", "--set", "schedule.warmup_epochs=2"])
        XCTAssertEqual(other.status, 1, other.all)
        XCTAssertTrue(other.stderr.contains("schedule.warmup_epochs"), other.all)
    }

    func testDefaultsShowTheSelectedMembersOptions() throws {
        let r = try SSLRun.run(["defaults", "simclr", "--set", "schedule.name=plateau", "--set", "optimizer.name=adamw"])
        XCTAssertEqual(r.status, 0, r.all)
        for expected in ["name: plateau", "patience: 10", "name: adamw", "betas:", "lr: 0.06"] {
            XCTAssertTrue(r.stdout.contains(expected), "\(expected) missing:\n\(r.stdout)")
        }
        XCTAssertFalse(Self.section("schedule", of: r.stdout).contains("warmup_epochs"), r.stdout)
        XCTAssertFalse(r.stdout.contains("nesterov"), r.stdout)
    }
}

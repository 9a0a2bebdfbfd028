import XCTest
@testable import PretextRunner
import PretextTensor

final class SweepPlanTests: XCTestCase {
    func testGridProductNamesAndSeeds() throws {
        let plan = try SweepPlan(knobs: [try SweepPlan.parseGrid("method.temperature=0.1,0.2,0.5"),
                                         try SweepPlan.parseGrid("optimizer.lr=0.03, 0.06")], seeds: 2)
        XCTAssertEqual(plan.trials.count, 12)
        XCTAssertEqual(plan.trials[0].name, "temperature=0.1_lr=0.03_seed=0")
        XCTAssertEqual(plan.trials[1].name, "temperature=0.1_lr=0.03_seed=1")
        XCTAssertEqual(plan.trials[11].name, "temperature=0.5_lr=0.06_seed=1")
        XCTAssertEqual(plan.trials[11].configuration, "temperature=0.5_lr=0.06")
        XCTAssertEqual(plan.trials[11].value("optimizer.lr"), "0.06")
        XCTAssertEqual(Set(plan.trials.map(\.name)).count, 12)
    }

    func testClashingShortNamesUseTheFullKey() throws {
        let plan = try SweepPlan(knobs: [SweepPlan.Knob(key: "method.temperature", values: ["0.1"]),
                                         SweepPlan.Knob(key: "eval.temperature", values: ["0.2"])])
        XCTAssertEqual(plan.trials[0].name, "method-temperature=0.1_eval-temperature=0.2_seed=0")
    }

    func testRandomSubsetIsSeededAndDistinct() throws {
        let knobs = [SweepPlan.Knob(key: "a.x", values: ["1", "2", "3", "4"]), SweepPlan.Knob(key: "a.y", values: ["5", "6", "7"])]
        let a = try SweepPlan(knobs: knobs, random: 5, randomSeed: 3), b = try SweepPlan(knobs: knobs, random: 5, randomSeed: 3)
        XCTAssertEqual(a.trials.map(\.name), b.trials.map(\.name))
        XCTAssertEqual(Set(a.trials.map(\.name)).count, 5)
        XCTAssertEqual(try SweepPlan(knobs: knobs, random: 50).trials.count, 12)
    }

    func testBadGridsAreClearErrors() {
        XCTAssertThrowsError(try SweepPlan.parseGrid("temperature")) { XCTAssertTrue("\($0)".contains("key.path=v1,v2")) }
        XCTAssertThrowsError(try SweepPlan.parseGrid("temperature=0.1")) { XCTAssertTrue("\($0)".contains("section and a key")) }
        XCTAssertThrowsError(try SweepPlan.parseGrid("method.temperature=")) { XCTAssertTrue("\($0)".contains("empty value list")) }
        XCTAssertThrowsError(try SweepPlan.parseGrid("method.temperature=0.1,0.1")) { XCTAssertTrue("\($0)".contains("twice")) }
        XCTAssertThrowsError(try SweepPlan(knobs: [], seeds: 0))
    }

    func testRunStateFromCheckpointAndConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sweepstate-\(UUID().uuidString.prefix(8))")
        XCTAssertEqual(SweepPlan.state(of: dir), .notStarted)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "train:\n  epochs: 3\n".write(to: dir.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        func checkpoint(epoch: Int, batch: Int) throws {
            let s = Checkpoint.State(epoch: epoch, step: 1, batchInEpoch: batch, seed: 0, scheduleState: [], pretextABI: 1, method: "m", backbone: "b")
            try Checkpoint(model: [("w", Tensor([1]))], optimizer: [:], state: s).write(to: dir.appendingPathComponent("checkpoints"), metadata: [:])
        }
        try checkpoint(epoch: 1, batch: 0)
        XCTAssertEqual(SweepPlan.state(of: dir), .partial(epochsDone: 1, epochs: 3))
        try checkpoint(epoch: 3, batch: 0)
        XCTAssertEqual(SweepPlan.state(of: dir), .finished(epochs: 3))
    }

    func testMeanAndSampleStd() {
        let s = SweepResults.meanStd([1, 2, 3, 4])
        XCTAssertEqual(s.mean, 2.5)
        XCTAssertEqual(s.std, (5.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(SweepResults.meanStd([7]).std, 0)
        XCTAssertEqual(SweepResults.meanStd([]).n, 0)
    }
}

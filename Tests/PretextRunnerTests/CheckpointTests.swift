import XCTest
import Foundation
@testable import PretextRunner
@testable import PretextNN
import PretextTensor

final class CheckpointTests: XCTestCase {
    func testAtomicWriteKeepsTheLastCompleteCheckpointAndReadsBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        let state = Checkpoint.State(epoch: 1, step: 10, batchInEpoch: 0, seed: 3, scheduleState: [], pretextABI: 1, method: "m", backbone: "b")
        let w = Tensor([1, 2, 3])
        try Checkpoint(model: [("net.w", w)], optimizer: ["net.w.momentum": Tensor([0.5, 0.5, 0.5])], state: state)
            .write(to: dir, metadata: ["method": "m"])
        var s2 = state
        s2.step = 20
        try Checkpoint(model: [("net.w", Tensor([4, 5, 6]))], optimizer: [:], state: s2).write(to: dir, metadata: [:])
        let back = try Checkpoint.read(from: dir)
        XCTAssertEqual(back.state.step, 20)
        XCTAssertEqual(back.model.first?.tensor.scalars, [4, 5, 6])
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertEqual(names, ["last"], "no temporary or previous folder is left behind")
        // A crash between the two renames leaves .previous: it is still readable.
        try FileManager.default.moveItem(at: dir.appendingPathComponent("last"), to: dir.appendingPathComponent(".previous"))
        XCTAssertEqual(try Checkpoint.read(from: dir).state.step, 20)
        XCTAssertThrowsError(try Checkpoint.read(from: dir.appendingPathComponent("nothing"))) {
            XCTAssertTrue("\($0)".contains("nothing to resume"))
        }
    }

    /// Found by the checkpoint-state fuzz target (Tests/Fuzz): an epoch count whose steps overflow Int
    /// trapped in the resume check instead of naming the damaged file.
    func testDamagedStateWithHugeEpochIsAnErrorNotATrap() throws {
        let fuzzed = #"{"epoch":29999999999999999, "step": 3, "batchInEpoch": 0, "seed": 0, "scheduleState": [22], "pretextABI": 0, "method": "sr","backbone": "rghnt"}"#
        let state = try Checkpoint.State.decode(Data(fuzzed.utf8), path: "run/checkpoints/last/state.json")
        for (steps, accumulate) in [(1_000_000, 65_536), (1_000, 1)] {
            XCTAssertThrowsError(try state.checkPosition(stepsPerEpoch: steps, accumulate: accumulate, file: "run/checkpoints/last/state.json")) {
                XCTAssertTrue("\($0)".contains("run/checkpoints/last/state.json says epoch 29999999999999999"), "\($0)")
                XCTAssertTrue("\($0)".contains("damaged"), "\($0)")
            }
        }
        var last = state
        last.epoch = Int.max
        XCTAssertThrowsError(try last.checkPosition(stepsPerEpoch: 1, accumulate: 1, file: "state.json"))
        last.epoch = 2
        XCTAssertNoThrow(try last.checkPosition(stepsPerEpoch: 1, accumulate: 1, file: "state.json"))
    }

    func testUnreadableStateNamesTheFileAndField() throws {
        for (json, field) in [(#"{"epoch": 1}"#, "'step' is missing"), (#"{"epoch": "one"}"#, "'epoch' is not valid"), ("[1]", "not a JSON object"), ("{", "not a JSON object")] {
            XCTAssertThrowsError(try Checkpoint.State.decode(Data(json.utf8), path: "ckpt/state.json"), json) {
                XCTAssertTrue("\($0)".hasPrefix("ckpt/state.json is not a readable checkpoint state"), "\($0)")
                XCTAssertTrue("\($0)".contains(field), "\(json): \($0)")
            }
        }
    }

    func testMetricsTruncateOnResume() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID().uuidString).jsonl")
        let log = try MetricsLog(url: url)
        for s in [10, 20, 30] { try log.write(["step": s, "loss": Double(s) / 10]) }
        try log.write(["step": 40, "loss": Double.nan])
        try MetricsLog.truncate(url, afterStep: 20)
        let records = try MetricsLog.read(url)
        XCTAssertEqual(records.compactMap { $0["step"] as? Int }, [10, 20])
    }

    /// A process killed inside `AtomicFileWriter` (writing `epoch-NNN.safetensors`) leaves
    /// `.epoch-NNN.safetensors.tmp-<pid>-<n>`; recovery removes it, but not a temporary file of this process
    /// nor a user's own hidden file.
    func testRecoveryRemovesAnotherProcesssHalfWrittenFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-left-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // This process's name as the writer makes it, and the same name with another pid.
        let mine = AtomicFileWriter.temporaryName(for: "epoch-003.safetensors")
        XCTAssertTrue(mine.hasPrefix(".epoch-003.safetensors.tmp-\(getpid())-"), mine)
        let other = AtomicFileWriter.temporaryName(for: "epoch-002.safetensors")
            .replacingOccurrences(of: ".tmp-\(getpid())-", with: ".tmp-\(getpid() &+ 1)-")
        for name in [other, mine, ".notes", "epoch-001.safetensors", ".tmp-40"] {
            try Data([1]).write(to: dir.appendingPathComponent(name))
        }
        try Checkpoint.recoverInterruptedWrite(in: dir)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(left, [mine, ".notes", "epoch-001.safetensors"].sorted())
        XCTAssertFalse(AtomicFileWriter.isLeftoverOfAnotherProcess(".x.tmp-abc-1"))
        XCTAssertFalse(AtomicFileWriter.isLeftoverOfAnotherProcess("epoch-001.safetensors"))
    }
}

import Foundation
import Pretext
import XCTest

/// BYOL and SimSiam (the predictor methods built on the kit's negative cosine similarity) and Barlow Twins
/// and VICReg (the redundancy-reduction methods), DCL and DCLW (the decoupled contrastive loss), NNCLR (its support set resumes exactly): each trains a few steps on the embedded default with
/// finite losses and its collapse metric, resumes to exactly the weights of an uninterrupted run, and
/// exports; SimCLR with a memory bank resumes its queue exactly.
final class PredictorMethodTests: XCTestCase {
    func lines(_ run: URL) throws -> [[String: Any]] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func testEachTrainsResumesExactlyAndExports() throws {
        for (method, extra) in [("byol", ["--set", "method.projection.hidden_dim=32", "--set", "method.prediction.hidden_dim=32"]),
                                ("simsiam", ["--set", "method.projection.hidden_dim=32", "--set", "method.projection.output_dim=32",
                                             "--set", "method.prediction.hidden_dim=8", "--set", "method.prediction.output_dim=32"]),
                                ("barlowtwins", ["--set", "method.projection.hidden_dim=32", "--set", "method.projection.output_dim=16"]),
                                ("vicreg", ["--set", "method.projection.hidden_dim=32", "--set", "method.projection.output_dim=16"]),
                                ("dcl", ["--set", "method.projection.hidden_dim=32", "--set", "method.projection.output_dim=16"]),
                                ("dclw", ["--set", "method.projection.hidden_dim=32", "--set", "method.projection.output_dim=16"]),
                                ("nnclr", ["--set", "method.projection.hidden_dim=32", "--set", "method.projection.output_dim=16",
                                           "--set", "method.prediction.hidden_dim=32", "--set", "method.prediction.output_dim=16",
                                           "--set", "method.support_set_size=40"]),
                                ("simclr", ["--set", "method.memory_bank_size=64"])] {
            let dir = try SSLRun.temporaryDirectory("predictor-\(method)")
            let straight = dir.appendingPathComponent("straight"), split = dir.appendingPathComponent("split")
            let common = ["--method", method, "--set", "train.log_every=1"] + SSLRun.tiny + extra
            let a = try SSLRun.run(common + ["--epochs", "2", "--out", straight.path])
            XCTAssertEqual(a.status, 0, "\(method): \(a.all)")
            let records = try lines(straight).filter { $0["loss"] != nil }
            XCTAssertEqual(records.count, 6, method)
            for r in records {
                XCTAssertTrue(((r["loss"] as? Double) ?? .nan).isFinite, "\(method): \(r)")
                if method != "simclr" {
                    let std = try XCTUnwrap(r["output_std"] as? Double, "\(method) logs output_std")
                    XCTAssertTrue(std > 0 && std < 1, "\(method): output_std \(std)")
                }
            }
            try SSLRun.assertResumesExactly(common + ["--epochs", "2"], like: straight, into: split, method)
            let wa = try SSLRun.lastWeights(straight)
            if method == "simclr" { XCTAssertTrue(wa.contains { $0.key == "extra.queue.bank" }, "the queue is checkpointed") }
            let exported = try SSLRun.run(["export", straight.path, "--out", dir.appendingPathComponent("w.safetensors").path])
            XCTAssertEqual(exported.status, 0, "\(method): \(exported.all)")
        }
    }
}

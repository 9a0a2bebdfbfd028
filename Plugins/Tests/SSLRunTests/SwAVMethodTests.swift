import Foundation
import Pretext
import XCTest

/// SwAV through the real binary: multi-crop (2 + 2 crops), prototypes frozen in the first epoch (their
/// rows stay exactly the normalised initial ones; unfrozen, the same prototypes move), a queue per
/// high-resolution crop from the second epoch, bit-exact resume with the queues checkpointed, export,
/// and config errors that name their key.
final class SwAVMethodTests: XCTestCase {
    static let tiny = ["--method", "swav", "--paper-settings", "--backbone", "resnet18", "--set", "backbone.cifar_stem=true",
                       "--set", "backbone.width=0.125", "--set", "views.global_crop_size=16", "--set", "views.local_crop_size=8",
                       "--set", "views.local_views=2", "--set", "data.synthetic_size=16", "--set", "data.synthetic_count=48",
                       "--batch-size", "16", "--set", "data.workers=1", "--quiet", "--set", "train.log_every=1",
                       "--set", "method.projection.hidden_dim=32", "--set", "method.projection.output_dim=16",
                       "--set", "method.prototypes.n_prototypes=24", "--set", "method.queue_size=32",
                       "--set", "method.start_queue_at_epoch=0"]

    func records(_ run: URL) throws -> [[String: Any]] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["loss"] != nil }
    }

    func weights(_ run: URL) throws -> [(key: String, value: Tensor)] {
        try SafeTensors.read(from: run.appendingPathComponent("checkpoints/last/model.safetensors")).tensors.map { ($0.key, $0.tensor) }
    }

    func tensor(_ run: URL, _ suffix: String) throws -> Tensor {
        try XCTUnwrap(try weights(run).first { $0.key.hasSuffix(suffix) }?.value, "\(suffix) in \(run.path)")
    }

    /// Largest |‖row‖ − 1| of the prototypes in a run's last checkpoint.
    func prototypeNormError(_ run: URL) throws -> Float {
        let w = try tensor(run, "prototypes.heads.0.weight")
        let k = w.shape[0], d = w.shape[1], s = w.scalars
        return (0..<k).map { r in Swift.abs((0..<d).map { s[r * d + $0] * s[r * d + $0] }.reduce(0, +).squareRoot() - 1) }.max() ?? .nan
    }

    func testTrainsWithFrozenPrototypesAndAQueueResumesExactlyAndExports() throws {
        let dir = try SSLRun.temporaryDirectory("swav")
        let one = dir.appendingPathComponent("one"), unfrozen = dir.appendingPathComponent("unfrozen"), straight = dir.appendingPathComponent("straight"), split = dir.appendingPathComponent("split")
        let first = try SSLRun.run(Self.tiny + ["--epochs", "1", "--out", one.path])
        XCTAssertEqual(first.status, 0, first.all)
        XCTAssertLessThan(try prototypeNormError(one), 1e-6, "frozen in epoch 0: the prototypes are only normalised")
        let free = try SSLRun.run(Self.tiny + ["--epochs", "1", "--set", "method.prototypes.n_steps_frozen_prototypes=0", "--out", unfrozen.path])
        XCTAssertEqual(free.status, 0, free.all)
        let moved = zip(try tensor(one, "prototypes.heads.0.weight").scalars, try tensor(unfrozen, "prototypes.heads.0.weight").scalars)
            .map { Swift.abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(moved, 1e-4, "not frozen: the same initial prototypes move in epoch 0")

        let a = try SSLRun.run(Self.tiny + ["--epochs", "3", "--out", straight.path])
        XCTAssertEqual(a.status, 0, a.all)
        let r = try records(straight)
        XCTAssertEqual(r.count, 9)
        for (i, x) in r.enumerated() {
            let loss = try XCTUnwrap(x["loss"] as? Double)
            XCTAssertTrue(loss.isFinite && loss > 0, "\(x)")
            let std = try XCTUnwrap(x["output_std"] as? Double)
            XCTAssertTrue(std > 0 && std < 1, "\(x)")
            XCTAssertEqual(x["prototypes_frozen"] as? Double, i < 3 ? 1 : 0, "step \(i): \(x)")
        }
        let wa = try weights(straight)
        for key in ["extra.queue.0.bank", "extra.queue.1.bank", "extra.queue.0.pointer"] {
            XCTAssertTrue(wa.contains { $0.key == key }, "\(key) is checkpointed: \(wa.map(\.key))")
        }
        // The queues are used and filled in epochs 1 and 2 (6 steps x 16 = 96 rows through 32: pointer 0), so
        // they no longer hold the random initial vectors the one-epoch run (same seed, queue unused) kept.
        XCTAssertEqual(wa.first { $0.key == "extra.queue.0.pointer" }?.value.item, 0)
        XCTAssertNotEqual(try tensor(straight, "extra.queue.1.bank").scalars, try tensor(one, "extra.queue.1.bank").scalars)

        XCTAssertEqual(try SSLRun.run(Self.tiny + ["--epochs", "3", "--stop-after", "2", "--out", split.path]).status, 0)
        let resumed = try SSLRun.run(["--resume", split.path, "--stop-after", "0", "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.all)
        let wb = try weights(split)
        XCTAssertEqual(wa.map(\.key), wb.map(\.key))
        for ((k, x), (_, y)) in zip(wa, wb) { XCTAssertEqual(x.scalars, y.scalars, "\(k) differs after resume") }
        let exported = try SSLRun.run(["export", straight.path, "--out", dir.appendingPathComponent("w.safetensors").path])
        XCTAssertEqual(exported.status, 0, exported.all)
    }

    func testBadSettingsNameTheirKey() throws {
        let dir = try SSLRun.temporaryDirectory("swav-errors")
        for (setting, key) in [("method.prototypes.n_prototypes=0", "method.prototypes.n_prototypes"),
                               ("views.local_views=-1", "views.local_views"),
                               ("views.global_views=0", "views.global_views"),
                               ("method.queue_size=-5", "method.queue_size"),
                               ("method.temperature=0", "method.temperature")] {
            let r = try SSLRun.run(Self.tiny + ["--epochs", "1", "--set", setting, "--out", dir.appendingPathComponent(key).path])
            XCTAssertNotEqual(r.status, 0, setting)
            XCTAssertTrue(r.stderr.contains(key), "\(setting): \(r.all)")
        }
        // A single crop has no other crop to predict its codes from.
        let single = try SSLRun.run(Self.tiny + ["--epochs", "1", "--set", "views.global_views=1", "--set", "views.local_views=0",
                                                 "--out", dir.appendingPathComponent("single").path])
        XCTAssertNotEqual(single.status, 0)
        XCTAssertTrue(single.stderr.contains("views.local_views"), single.all)
    }
}

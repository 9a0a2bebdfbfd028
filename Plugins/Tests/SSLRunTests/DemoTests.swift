import Foundation
import XCTest

/// The two-minute demo through the real binary: every built-in method has one on resnet18 and vit-s
/// (sized by `ssl-run defaults M --demo`), a run given no data ends with kNN before/after and the way
/// to the full recipe, and --paper-settings turns it off.
final class DemoTests: XCTestCase {
    static let methods = ["simclr", "moco", "mocov3", "byol", "simsiam", "barlowtwins", "vicreg", "dcl", "dclw", "nnclr", "swav", "rotation", "jigsaw", "dino", "mae", "simmim", "ibot"]

    func testEveryBuiltInMethodHasADemoOnResNet18AndViTS() throws {
        for method in Self.methods {
            for backbone in ["resnet18", "vit-s"] {
                let r = try SSLRun.run(["defaults", method, "--demo", "--backbone", backbone])
                if ["mae", "simmim", "ibot"].contains(method) && backbone == "resnet18" {
                    // MAE, SimMIM and iBOT mask ViT patches: a clear refusal, not a demo.
                    XCTAssertEqual(r.status, 1, r.all)
                    XCTAssertTrue(r.stderr.contains("backbone") && r.stderr.lowercased().contains("vit"), r.all)
                    continue
                }
                XCTAssertEqual(r.status, 0, "\(method) on \(backbone): \(r.all)")
                let count = ["dino", "ibot"].contains(method) ? 512 : backbone == "vit-s" ? 512 : 768   // DINO's and iBOT's demos set their own
                for expected in ["synthetic_size: 32", "synthetic_count: \(count)", "data: synthetic", "demo: true"] {
                    XCTAssertTrue(r.stdout.contains(expected), "\(method) on \(backbone) lacks '\(expected)': \(r.stdout)")
                }
                XCTAssertTrue(r.stdout.contains("name: \(backbone)"), "\(method) on \(backbone): \(r.stdout)")
                if backbone == "vit-s" {
                    XCTAssertTrue(r.stdout.contains("image_size: 32") && r.stdout.contains("patch_size: 8"), "\(method): \(r.stdout)")
                    XCTAssertTrue(r.stdout.contains("dim: 384") || r.stdout.contains("vit-s"), "still a ViT-S: \(r.stdout)")
                }
            }
        }
        let paper = try SSLRun.run(["defaults", "dino"])
        XCTAssertEqual(paper.status, 0, paper.all)
        XCTAssertFalse(paper.stdout.contains("demo: true") || paper.stdout.contains("data: synthetic"), paper.stdout)
    }

    /// A demo shrunk by the user's own values (they win over the demo's sizing) so it runs in seconds.
    func testARunGivenNoDataEndsWithKNNBeforeAndAfterAndTheWayOn() throws {
        let run = try SSLRun.temporaryDirectory("demo").appendingPathComponent("run")
        let r = try SSLRun.run(["--method", "rotation", "--backbone", "resnet18", "--set", "backbone.width=0.125",
                                "--set", "data.synthetic_count=48", "--set", "data.synthetic_size=16", "--set", "views.input_size=16",
                                "--set", "eval.synthetic_count=30", "--batch-size", "16", "--epochs", "1", "--out", run.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.all)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        guard let demo = lines.firstIndex(where: { $0.hasPrefix("demo: kNN-20 on held-out synthetic shapes") }) else {
            return XCTFail("no demo line: \(r.all)")
        }
        XCTAssertTrue(lines[demo].contains("% before →") && lines[demo].contains("% after") && lines[demo].contains("points"), r.stdout)
        XCTAssertTrue(r.stdout.contains("ssl-run --config templates/recipes/rotation-cifar-small.yaml --data DIR"), r.stdout)
        XCTAssertTrue(r.stdout.contains("--paper-settings"), r.stdout)

        let config = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
        XCTAssertTrue(config.contains("demo: true") && config.contains("data: synthetic"), config)
        let knn = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["knn20_top1"] != nil }.compactMap { $0["epoch"] as? Int }
        XCTAssertEqual(knn, [0, 1], "kNN before training (epoch 0) and after the last epoch")
    }

    func testPaperSettingsAndDataTurnTheDemoOff() throws {
        let dir = try SSLRun.temporaryDirectory("nodemo")
        let tiny = try SSLRun.run(["--method", "rotation", "--epochs", "1", "--out", dir.appendingPathComponent("a").path] + SSLRun.tiny)
        XCTAssertEqual(tiny.status, 0, tiny.all)
        XCTAssertFalse(tiny.stdout.contains("demo:"), tiny.stdout)
        let config = try String(contentsOf: dir.appendingPathComponent("a/config.yaml"), encoding: .utf8)
        XCTAssertFalse(config.contains("demo: true") || config.contains("data: synthetic"), config)
        // eval.data: synthetic needs synthetic training images.
        let folder = try SSLRun.run(["--method", "rotation", "--data", dir.path, "--set", "eval.data=synthetic", "--epochs", "1",
                                     "--out", dir.appendingPathComponent("b").path, "--quiet"])
        XCTAssertEqual(folder.status, 1, folder.all)
        XCTAssertTrue(folder.stderr.contains("eval.data"), folder.all)
    }
}

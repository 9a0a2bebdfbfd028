import XCTest
@testable import PretextRunner
import PretextCore
import PretextData
import PretextKit

/// The two-minute demo: where its sizing sits among the configuration layers, what it sets per backbone
/// family, the closing lines it prints, and the held-out synthetic evaluation it relies on.
final class DemoSizingTests: XCTestCase {
    /// A registry with the kit and one method whose defaults ask for 224 px views.
    func registry(demo: String) throws -> Registry {
        let r = Registry()
        try Builtins.register(in: r)
        try r.registerMethod("toy", summary: "a method for layering tests",
                             defaults: "views:\n  preset: simclr\n  input_size: 224\ntrain:\n  epochs: 100\n", demo: demo) { _ in
            throw ConfigError.invalidValue(path: "method", detail: "not built in these tests")
        }
        return r
    }

    func assemble(_ r: Registry, backbone: String? = nil, sets: [String] = [], demo: Bool) throws -> ConfigValue {
        var flags: [String: ConfigValue] = [:]
        if let backbone { flags["backbone.name"] = .string(backbone) }
        return try RunSpec.assemble(registry: r, configFile: nil, methodOverride: "toy", flags: flags, sets: sets, demo: demo).tree
    }

    func testDemoSizingSitsBetweenTheMethodsDefaultsAndTheUsersValues() throws {
        let r = try registry(demo: "train:\n  epochs: 5\ndemo:\n  note: slow\n")
        let t = try assemble(r, demo: true)
        XCTAssertEqual(t["views"]?["input_size"], .int(DemoSizing.imageSize))   // over the method's 224
        XCTAssertEqual(t["train"]?["epochs"], .int(5))                           // the method's demo over the shared 3
        XCTAssertEqual(t["train"]?["demo"], .bool(true))
        XCTAssertEqual(t["data"]?["synthetic_size"], .int(DemoSizing.imageSize))
        XCTAssertEqual(t["eval"]?["data"], .string(EvaluationSettings.synthetic))
        XCTAssertNil(t["demo"], "the demo section is not configuration")
        XCTAssertNil(t["backbone"]?["image_size"], "a ResNet has no image_size")

        let user = try assemble(r, sets: ["data.synthetic_count=64", "train.epochs=2", "views.input_size=48"], demo: true)
        XCTAssertEqual(user["data"]?["synthetic_count"], .int(64))
        XCTAssertEqual(user["train"]?["epochs"], .int(2))
        XCTAssertEqual(user["views"]?["input_size"], .int(48))

        let paper = try assemble(r, demo: false)
        XCTAssertEqual(paper["views"]?["input_size"], .int(224))
        XCTAssertEqual(paper["train"]?["epochs"], .int(100))
        XCTAssertNil(paper["train"]?["demo"])
        XCTAssertNil(paper["eval"]?["data"])
    }

    func testViTsGetTheDemoImageSizeAndPatch() throws {
        let t = try assemble(try registry(demo: ""), backbone: "vit-s", demo: true)
        XCTAssertEqual(t["backbone"]?["name"], .string("vit-s"))
        XCTAssertEqual(t["backbone"]?["image_size"], .int(DemoSizing.imageSize))
        XCTAssertEqual(t["backbone"]?["patch_size"], .int(DemoSizing.vitPatch))
        XCTAssertEqual(t["views"]?["input_size"], .int(DemoSizing.imageSize))
    }

    func testAMethodThatSizesItsViewsGetsNoSharedInputSize() throws {
        let r = try registry(demo: "views:\n  min_scale: 0.5\ndemo:\n  recipe: templates/recipes/toy.yaml\n  note: the toy needs longer\n")
        let t = try assemble(r, demo: true)
        XCTAssertEqual(t["views"]?["input_size"], .int(224), "the method's own views stay as its defaults say")
        XCTAssertEqual(t["views"]?["min_scale"], .double(0.5))
        let info = try DemoSizing.methodLayer(r.entry(.method, "toy"))
        XCTAssertEqual(info.recipe, "templates/recipes/toy.yaml")
        XCTAssertEqual(info.note, "the toy needs longer")
    }

    func writeMetrics(_ records: [String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pretext-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try (records.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        return dir
    }

    func testClosingLinesGiveTheGainOrTheMethodsNote() throws {
        let r = try registry(demo: "demo:\n  recipe: templates/recipes/toy.yaml\n  note: the toy needs longer\n")
        let gained = try writeMetrics([#"{"epoch":0,"step":0,"knn20_top1":0.2}"#, #"{"epoch":1,"step":5,"loss":3.0}"#,
                                       #"{"epoch":3,"step":15,"epoch_loss":2.5,"knn20_top1":0.31}"#])
        let g = DemoSizing.closingLines(runDir: gained, method: "toy", entry: r.entry(.method, "toy"), seconds: 95)
        XCTAssertTrue(g[0].contains("20.0 % before → 31.0 % after") && g[0].contains("+11.0 points") && g[0].contains("95 s"), "\(g)")
        XCTAssertFalse(g.joined().contains("no kNN gain"), "\(g)")
        XCTAssertTrue(g.contains { $0.contains("ssl-run --config templates/recipes/toy.yaml --data DIR") }, "\(g)")
        XCTAssertTrue(g.contains { $0.contains("--paper-settings") }, "\(g)")

        let flat = try writeMetrics([#"{"epoch":0,"step":0,"knn20_top1":0.2}"#, #"{"epoch":3,"step":15,"epoch_loss":2.5,"knn20_top1":0.21}"#])
        let f = DemoSizing.closingLines(runDir: flat, method: "toy", entry: r.entry(.method, "toy"), seconds: 80)
        XCTAssertTrue(f[0].contains("+1.0 points"), "\(f)")
        XCTAssertTrue(f[1].hasPrefix("no kNN gain in this two-minute budget: the toy needs longer"), "\(f)")
    }

    func testSyntheticEvaluationScoresHeldOutShapesAgainstTheTrainingSet() throws {
        let spec = RunSpec(tree: try ConfigFile.parse("eval:\n  data: synthetic\n  synthetic_count: 30\ndata:\n  synthetic_count: 40\n  synthetic_size: 16\ntrain:\n  seed: 7\n"))
        let settings = try EvaluationSettings(eval: spec.section("eval"))
        let training = try TrainingSettings(train: spec.section("train"), data: spec.section("data"))
        let (bank, test) = try OnlineEvaluation.evaluationDatasets(settings, training)()
        XCTAssertEqual(bank.count, 40)
        XCTAssertEqual(test.count, 30)
        let trainingImage = try SyntheticShapesDataset(count: 40, size: 16, seed: 7).image(at: 3)
        XCTAssertEqual(try bank.image(at: 3).pixels, trainingImage.pixels, "the bank is the training set")
        XCTAssertNotEqual(try test.image(at: 3).pixels, trainingImage.pixels, "the test images are held out")

        let withFolder = RunSpec(tree: try ConfigFile.parse("eval:\n  data: synthetic\ndata:\n  path: /tmp/photos\n"))
        XCTAssertThrowsError(try OnlineEvaluation.hook(spec: withFolder, outDir: FileManager.default.temporaryDirectory,
                                                       reporter: ProgressReporter(quiet: true))) { error in
            XCTAssertTrue("\(error)".contains("eval.data") && "\(error)".contains("synthetic"), "\(error)")
        }
    }

    /// A refused value names the layer it came from: --set, a flag, the config file, the demo, the method.
    func testARefusedValueNamesTheLayerItCameFrom() throws {
        let r = try registry(demo: "train:\n  epochs: 4\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pretext-origin-\(UUID().uuidString.prefix(8)).yaml")
        try "optimizer:\n  lr: -1\n".write(to: file, atomically: true, encoding: .utf8)
        let spec = try RunSpec.assemble(registry: r, configFile: file.path, methodOverride: "toy", flags: ["data.batch_size": .int(8)],
                                        sets: ["train.log_every=0"], demo: false)
        XCTAssertEqual(spec.origin(of: "train.log_every"), "--set")
        XCTAssertEqual(spec.origin(of: "data.batch_size"), "the command-line flags")
        XCTAssertEqual(spec.origin(of: "optimizer.lr"), "the config file '\(file.path)'")
        XCTAssertEqual(spec.origin(of: "train.epochs"), "the defaults of method 'toy' (ssl-run defaults toy)")
        XCTAssertEqual(spec.origin(of: "method.name"), "the built-in defaults")
        XCTAssertNil(spec.origin(of: "train.no_such_key"))
        let demo = try RunSpec.assemble(registry: r, configFile: nil, methodOverride: "toy", flags: [:], sets: [], demo: true)
        XCTAssertEqual(demo.origin(of: "train.epochs"), "the two-minute demo's sizing (ssl-run defaults toy --demo)")
        let message = spec.explained(ConfigError.invalidValue(path: "optimizer.lr", detail: "is -1"))
        XCTAssertTrue(message.hasSuffix("(set by the config file '\(file.path)')"), message)
    }
}

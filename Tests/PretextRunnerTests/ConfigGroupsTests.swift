import XCTest
@testable import PretextRunner
import PretextCore
import PretextData
import PretextKit
import PretextNN
import PretextTensor

/// Config groups: a later layer that selects another member drops the earlier layers' options of that
/// section (the method's defaults included) except the runner's shared keys; the same member merges.
final class ConfigGroupsTests: XCTestCase {
    func parse(_ yaml: String) throws -> ConfigValue { try ConfigFile.parse(yaml) }

    func testSwitchingTheMemberDropsTheOldMembersOptions() throws {
        let lower = try parse("schedule:\n  name: cosine\n  warmup_epochs: 10\n  monitor: knn20_top1\noptimizer:\n  name: sgd\n  momentum: 0.9\n  nesterov: true\n  lr: 0.3\n  weight_decay: 0.0005\n")
        let upper = try parse("schedule:\n  name: plateau\n  patience: 3\noptimizer:\n  name: adamw\n")
        let merged = ConfigGroups.layer(upper, over: lower)
        XCTAssertEqual(merged["schedule"], try parse("name: plateau\npatience: 3\nmonitor: knn20_top1\n"))
        XCTAssertEqual(merged["optimizer"], try parse("name: adamw\nlr: 0.3\n"))
    }

    func testTheSameMemberMergesAndOtherSectionsAreUntouched() throws {
        let lower = try parse("schedule:\n  name: cosine\n  warmup_epochs: 10\nmethod:\n  temperature: 0.1\nviews:\n  preset: simclr\n  input_size: 32\n  min_scale: 0.2\n")
        let upper = try parse("schedule:\n  name: cosine\n  final: 0.01\nmethod:\n  name: moco\nviews:\n  preset: byol\n")
        let merged = ConfigGroups.layer(upper, over: lower)
        XCTAssertEqual(merged["schedule"], try parse("name: cosine\nwarmup_epochs: 10\nfinal: 0.01\n"))
        XCTAssertEqual(merged["method"], try parse("name: moco\ntemperature: 0.1\n"))     // not a group
        XCTAssertEqual(merged["views"], try parse("preset: byol\ninput_size: 32\n"))       // input_size is shared
    }

    func testOptionsWithoutAMemberNameStayWithTheMemberInEffect() throws {
        let lower = try parse("schedule:\n  name: cosine\n")
        let upper = try parse("schedule:\n  warmup_epochs: 2\n")
        XCTAssertEqual(ConfigGroups.layer(upper, over: lower)["schedule"], try parse("name: cosine\nwarmup_epochs: 2\n"))
    }

    /// The whole assembly: method defaults (`cosine` with `warmup_epochs`) < file < --set.
    func testAssembleAppliesGroupsAtEveryLayer() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        try registry.registerMethod("toy", summary: "test", defaults: "schedule:\n  name: cosine\n  warmup_epochs: 10\noptimizer:\n  name: sgd\n  momentum: 0.9\n  lr: 0.5\n") { _ in
            throw ConfigError.invalidValue(path: "method", detail: "not built in this test")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("groups-\(getpid()).yaml")
        try "schedule:\n  name: plateau\n  patience: 3\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let spec = try RunSpec.assemble(registry: registry, configFile: file.path, methodOverride: "toy", flags: [:],
                                        sets: ["optimizer.name=adamw", "schedule.factor=0.5"])
        XCTAssertEqual(spec.tree["schedule"], try parse("name: plateau\npatience: 3\nfactor: 0.5\n"))
        XCTAssertEqual(spec.tree["optimizer"], try parse("name: adamw\nlr: 0.5\n"))
        let step = try RunSpec.assemble(registry: registry, configFile: file.path, methodOverride: "toy", flags: [:],
                                        sets: ["schedule.name=step"])
        XCTAssertEqual(step.tree["schedule"], try parse("name: step\n"))
    }
}

/// The memory estimate: what a configuration needs, refused above the machine's memory with the key.
final class MemoryEstimateTests: XCTestCase {
    func testInputBatchAndParametersAreEstimated() throws {
        var rng = RNG(seed: 0)
        let net = Linear(1000, 1000, rng: &rng)           // 1,001,000 parameters
        let views = ConfigSection(path: "views", values: ["input_size": .int(32), "local_views": .int(6)])
        let e = MemoryEstimate(modules: ["net": net], views: views, batchSize: 10)
        XCTAssertEqual(e.parameterBytes, 1_001_000 * 16)
        XCTAssertEqual(e.inputBytes, 10 * 8 * 3 * 32 * 32 * 4)
        XCTAssertNoThrow(try e.check(physicalMemory: 1e9))
        XCTAssertThrowsError(try e.check(physicalMemory: 1e6)) { XCTAssertTrue("\($0)".contains("views.input_size"), "\($0)") }
        let huge = MemoryEstimate(modules: [:], views: ConfigSection(path: "views", values: ["input_size": .int(100_000)]), batchSize: 128)
        XCTAssertThrowsError(try huge.check(physicalMemory: 24e9)) { XCTAssertTrue("\($0)".contains("GB"), "\($0)") }
    }

    /// The transform says which views it makes: SwAV's 2 × 32 px + 6 × 16 px crops are counted at their own
    /// sides whatever the `views` section spells out, and the message names the key that sets the largest.
    func testTheTransformsViewSidesAreCounted() throws {
        var rng = RNG(seed: 0)
        let net = ResNet(.resnet18, cifarStem: true, width: 0.25, rng: &rng)
        let swav = try SwaVViews(globalCropSize: 32, globalViews: 2, localCropSize: 16, localViews: 6)
        XCTAssertEqual(swav.viewSides, [32, 32, 16, 16, 16, 16, 16, 16])
        let e = MemoryEstimate(modules: [:], backbone: net, transform: swav,
                               views: ConfigSection(path: "views", values: ["global_crop_size": .int(32)]), batchSize: 10)
        XCTAssertEqual(e.inputBytes, 10 * (2 * 3 * 32 * 32 + 6 * 3 * 16 * 16) * 4)
        XCTAssertEqual(e.activationBytes, 10 * (2 * net.activationFloats(side: 32) + 6 * net.activationFloats(side: 16)) * 4, accuracy: 1)
        XCTAssertEqual(e.sideKey, "views.global_crop_size")
        XCTAssertEqual(e.largestSide, 32)
        // An empty `views` section: the transform's own sides, the message names input_size.
        let simclr = MemoryEstimate(modules: [:], transform: try SimCLRViews(inputSize: 24), views: ConfigSection(path: "views", values: [:]), batchSize: 4)
        XCTAssertEqual(simclr.inputBytes, 4 * 2 * 3 * 24 * 24 * 4)
        XCTAssertEqual(simclr.sideKey, "views.input_size")
    }

    /// A batch whose activations cannot fit is refused before training, naming the key and the figures.
    func testABatchWhoseActivationsCannotFitIsRefused() throws {
        var rng = RNG(seed: 0)
        let net = ResNet(.resnet18, cifarStem: true, width: 0.25, rng: &rng)
        let views = ConfigSection(path: "views", values: ["input_size": .int(32)])
        let ok = MemoryEstimate(modules: ["backbone": net], backbone: net, views: views, batchSize: 128)
        XCTAssertGreaterThan(ok.activationBytes, 128 * 2 * 100_000 * 4)
        XCTAssertNoThrow(try ok.check(physicalMemory: 24e9))
        let big = MemoryEstimate(modules: ["backbone": net], backbone: net, views: views, batchSize: 100_000)
        XCTAssertThrowsError(try big.check(physicalMemory: 24e9)) {
            XCTAssertTrue("\($0)".contains("data.batch_size") && "\($0)".contains("activations kept for backward"), "\($0)")
        }
    }
}

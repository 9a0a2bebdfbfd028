import Foundation
import XCTest
@testable import PretextKit
import PretextCore
import PretextData
import PretextMaskedModeling
import PretextSelfDistillation
import PretextTensor

/// The registered view presets read the `views` section through typed getters: each default stated
/// where it is read (and shown by `resolved`), unknown keys refused with a did-you-mean, ranges named.
final class ViewPresetTests: XCTestCase {
    let registry: Registry = {
        let r = Registry()
        try! Builtins.register(in: r)
        try! SelfDistillation.register(in: r)   // the dino preset (opt-in module)
        try! MaskedModeling.register(in: r)     // the mae preset (opt-in module)
        return r
    }()

    func build(_ preset: String, _ values: [String: ConfigValue]) throws -> (any Transform, ConfigSection) {
        let c = ConfigSection(path: "views", values: values)
        let t = try registry.makeTransform(preset, c, BuildContext(registry: registry, seed: 0))
        try c.validate()
        return (t, c)
    }

    static func noise(_ side: Int, seed: UInt64) -> Image {
        var rng = RNG(seed: seed)
        return try! Image(width: side, height: side, pixels: (0..<(side * side * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next() >> 56) })
    }

    func testPresetsBuildWithTheirDefaultsAndOverrides() throws {
        // The agriculture-style preset is a one-line change.
        let (simclr, section) = try build("simclr", ["input_size": .int(32), "color_jitter_strength": .double(0.5)])
        let t = try XCTUnwrap(simclr as? SimCLRViews)
        XCTAssertEqual(t.view.brightness, 0.4, accuracy: 1e-6)
        XCTAssertEqual(t.view.hue, 0.1, accuracy: 1e-6)
        XCTAssertEqual(t.view.size, 32)
        // Every default is recorded with its doc (what `ssl-run defaults` prints).
        let resolved = Dictionary(section.resolved.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(resolved["min_scale"]?.value, .double(0.08))
        XCTAssertEqual(resolved["mean"]?.value, .list([.double(0.485), .double(0.456), .double(0.406)]))
        XCTAssertFalse(resolved["blur_prob"]?.doc.isEmpty ?? true)
        let (dino, _) = try build("dino", ["global_crop_size": .int(32), "local_crop_size": .int(16), "local_views": .int(2),
                                           "blur_probs": .list([.int(1), .double(0.1), .double(0.5)])])
        var rng = RNG(seed: 0)
        XCTAssertEqual(dino(Self.noise(32, seed: 1), &rng).tensors.count, 4)
        for preset in registry.names(.transform) {
            var values: [String: ConfigValue] = ["preset": .string(preset)]
            if preset == "jigsaw" { values["input_size"] = .int(48); values["tile_size"] = .int(12) }
            if preset == "eval" { values["center_crop"] = .int(16) }
            if preset == "custom" { values["augmentations"] = .list([.map(["op": .string("random_resized_crop"), "size": .int(16)])]) }
            let (tr, _) = try build(preset, values)
            XCTAssertFalse(tr(Self.noise(20, seed: 2), &rng).tensors.isEmpty, preset)
        }
    }

    /// Each preset's getter and its struct's Swift initialiser read the struct's `defaults`: a preset
    /// built from an empty `views` section is the struct built with no arguments (same knobs, same
    /// views for a seed). Fails if a getter or an initialiser states a default of its own again.
    func testEmptySectionIsTheSwiftDefaults() throws {
        let direct: [(String, any Transform)] = [
            ("simclr", try SimCLRViews()), ("mocov2", try MoCoV2Views()), ("byol", try BYOLViews()),
            ("dino", try DINOViews()), ("mae", try MAEViews()),
        ]
        let image = Self.noise(40, seed: 4)
        for (preset, swift) in direct {
            let (configured, _) = try build(preset, [:])
            XCTAssertEqual("\(configured)", "\(swift)", preset)
            XCTAssertEqual(Self.scalars(configured, image), Self.scalars(swift, image), preset)
        }
    }

    /// The views `t` makes of `image` for a fixed seed.
    static func scalars(_ t: any Transform, _ image: Image) -> [[Float]] {
        var rng = RNG(seed: 7)
        return t(image, &rng).tensors.map(\.scalars)
    }

    func testMistakesNameTheKey() throws {
        func error(_ preset: String, _ values: [String: ConfigValue]) -> String {
            do { _ = try build(preset, values); return "no error" } catch { return "\(error)" }
        }
        let typo = error("simclr", ["colour_jitter_strength": .double(0.5)])
        XCTAssertTrue(typo.contains("views.colour_jitter_strength") && typo.contains("color_jitter_strength"), typo)
        XCTAssertTrue(error("simclr", ["input_size": .string("big")]).contains("views.input_size"))
        XCTAssertTrue(error("simclr", ["local_views": .int(4)]).contains("views.local_views"), "a key the preset does not read")
        XCTAssertTrue(error("simclr", ["blur_prob": .int(2)]).contains("views.blur_prob"))
        XCTAssertTrue(error("dino", ["interpolation": .string("bicubik")]).contains("did you mean 'bicubic'"))
        XCTAssertTrue(error("simclr", ["normalize": .bool(false), "mean": .list([.double(0.5)])]).contains("views.mean"))
        XCTAssertTrue(error("custom", ["augmentations": .list([.map(["op": .string("hflip")])])]).contains("augmentations[0].op"))
    }

    func testCustomChainFromAListOfSteps() throws {
        let (custom, _) = try build("custom", [
            "views": .int(3), "normalize": .bool(false),
            "augmentations": .list([
                .map(["op": .string("random_resized_crop"), "size": .int(20), "scale": .list([.double(0.5), .int(1)])]),
                .map(["op": .string("horizontal_flip")]),
                .map(["op": .string("color_jitter"), "brightness": .double(0.4), "p": .double(0.8)]),
                .map(["op": .string("gaussian_blur"), "kernel_size": .int(3), "sigma": .list([.double(0.1), .double(1.0)])]),
            ]),
        ])
        var rng = RNG(seed: 0)
        let v = custom(Self.noise(32, seed: 3), &rng)
        XCTAssertEqual(v.tensors.map(\.shape), Array(repeating: [3, 20, 20], count: 3))
        XCTAssertTrue(v.tensors.allSatisfy { $0.scalars.allSatisfy { (0...1).contains($0) } }, "no normalisation")
    }
}

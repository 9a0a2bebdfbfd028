import Foundation
import XCTest
import PretextSDK
@testable import MethodRotation

/// The rotation plugin's own code: its views and its registration.
final class RotationTests: XCTestCase {
    func testRotationViewsAreExactRotations() throws {
        let img = TestImages.noise(width: 32, height: 32, seed: 5)
        var rng = RNG(seed: 2)
        let rot = try RotationViews(inputSize: 32, minScale: 0.5, hflipProb: 0.5)
        let v = rot(img, &rng)
        XCTAssertEqual(v.labels, [0, 1, 2, 3])
        XCTAssertEqual(v.tensors.count, 4)
        let base = try FloatImage(tensor: v.tensors[0])
        for k in 1..<4 {
            XCTAssertEqual(v.tensors[k].scalars, ImageOps.rotate90(base, k).data, "view \(k) is view 0 rotated \(90 * k)°")
        }
    }

    func testViewLabelsAreStackedPerView() throws {
        let ds = try SyntheticShapesDataset(count: 6, size: 32, seed: 1)
        let l = try DataLoader(dataset: ds, transform: try RotationViews(inputSize: 16), batchSize: 3, workers: 2)
        let b = try XCTUnwrap(try l.epoch(0).nextBatch())
        XCTAssertEqual(b.views.count, 4)
        XCTAssertEqual(b.viewLabels, [[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3]])
    }

    func testPluginRegistersItsPresetAndMethod() throws {
        let registry = try TestImages.registry(RotationPlugin.register)
        XCTAssertTrue(registry.names(.transform).contains("rotation"))
        XCTAssertTrue(registry.names(.method).contains("rotation"))
        let c = ConfigSection(path: "views", values: ["input_size": .int(16), "min_scale": .double(0.2)])
        let t = try XCTUnwrap(try registry.makeTransform("rotation", c, BuildContext(registry: registry, seed: 0)) as? RotationViews)
        XCTAssertEqual(t.crop.scale.0, 0.2)
        XCTAssertTrue(c.resolved.contains { $0.key == "hflip_prob" && !$0.doc.isEmpty }, "defaults are recorded with docs")
        let bad = ConfigSection(path: "views", values: ["hflip_prob": .double(2)])
        XCTAssertThrowsError(try registry.makeTransform("rotation", bad, BuildContext(registry: registry, seed: 0))) {
            XCTAssertTrue("\($0)".contains("views.hflip_prob"), "\($0)")
        }
    }

    /// The preset's getter and `RotationViews`'s initialiser both read `RotationViews.defaults`: a preset from
    /// an empty `views` section is the struct built with no arguments (same knobs, same views for a seed).
    func testEmptySectionIsTheSwiftDefaults() throws {
        let registry = try TestImages.registry(RotationPlugin.register)
        let configured = try registry.makeTransform("rotation", ConfigSection(path: "views", values: [:]),
                                                    BuildContext(registry: registry, seed: 0))
        let swift = try RotationViews()
        XCTAssertEqual("\(configured)", "\(swift)")
        let image = TestImages.noise(width: 300, height: 280, seed: 6)
        var a = RNG(seed: 7), b = RNG(seed: 7)
        let (x, y) = (configured(image, &a), swift(image, &b))
        XCTAssertEqual(x.tensors.map(\.scalars), y.tensors.map(\.scalars))
        XCTAssertEqual(x.labels, y.labels)
    }
}

import Foundation
import XCTest
import PretextSDK
@testable import MethodJigsaw

/// The jigsaw plugin's own code: permutation sets, tiles, its view preset.
final class JigsawTests: XCTestCase {
    func testJigsawTilesPutBackInPlace() throws {
        // A noise image the size of the crop, cropped whole (scale 1, square): each tile comes from its cell.
        let size = 48, grid = 3, tile = 12
        let img = TestImages.noise(width: size, height: size, seed: 6)
        let src = FloatImage(img)
        let jig = try JigsawViews(inputSize: size, gridSize: grid, tileSize: tile, minScale: 1, permutationCount: 30,
                                  perTileNormalization: false, normalize: nil)
        XCTAssertEqual(jig.permutations.count, 30)
        XCTAssertEqual(Set(jig.permutations.map { $0 }).count, 30, "distinct permutations")
        var rng = RNG(seed: 8)
        var labels = Set<Int>()
        for _ in 0..<20 {
            let v = jig(img, &rng)
            XCTAssertEqual(v.tensors.count, 9)
            XCTAssertEqual(v.labels.count, 1)
            let perm = jig.permutations[v.labels[0]]
            labels.insert(v.labels[0])
            // Invert: solved[perm[i]] = view i; then every solved tile must lie inside its own cell.
            var solved = [FloatImage?](repeating: nil, count: 9)
            for (i, t) in v.tensors.enumerated() { solved[perm[i]] = try FloatImage(tensor: t) }
            let cell = size / grid
            for pos in 0..<9 {
                let t = try XCTUnwrap(solved[pos])
                let r = pos / grid, c = pos % grid
                var found = false
                for dy in 0...(cell - tile) where !found {
                    for dx in 0...(cell - tile) where !found {
                        found = ImageOps.crop(src, top: r * cell + dy, left: c * cell + dx, height: tile, width: tile) == t
                    }
                }
                XCTAssertTrue(found, "tile for grid position \(pos) not found in its cell")
            }
        }
        XCTAssertGreaterThan(labels.count, 5)
        XCTAssertThrowsError(try JigsawViews(inputSize: 30, gridSize: 3, tileSize: 12))
    }

    func testJigsawPermutationSetIsSpreadAndReproducible() throws {
        let a = try JigsawPermutations.generate(count: 100, gridSize: 3, seed: 0)
        let b = try JigsawPermutations.generate(count: 100, gridSize: 3, seed: 0)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 100)
        XCTAssertTrue(a.allSatisfy { $0.sorted() == Array(0..<9) })
        XCTAssertEqual(Set(a).count, 100)
        // Greedy max-min over 9! permutations keeps every pair at least 6 positions apart.
        XCTAssertGreaterThanOrEqual(JigsawPermutations.minimumHammingDistance(a), 6)
        XCTAssertNotEqual(try JigsawPermutations.generate(count: 100, gridSize: 3, seed: 1), a)
    }

    func testTilesBatchAndThePresetReadsItsKeys() throws {
        let registry = try TestImages.registry(JigsawPlugin.register)
        let c = ConfigSection(path: "views", values: ["input_size": .int(30), "tile_size": .int(8), "permutation_count": .int(10)])
        let jig = try XCTUnwrap(try registry.makeTransform("jigsaw", c, BuildContext(registry: registry, seed: 0)) as? JigsawViews)
        try c.validate()
        XCTAssertEqual(jig.permutations.count, 10)
        let ds = try SyntheticShapesDataset(count: 6, size: 32, seed: 1)
        let b = try XCTUnwrap(try DataLoader(dataset: ds, transform: jig, batchSize: 6, workers: 2).epoch(0).nextBatch())
        XCTAssertEqual(b.views.count, 9)
        XCTAssertEqual(b.views[0].shape, [6, 3, 8, 8])
        XCTAssertEqual(b.viewLabels.count, 1)
        XCTAssertTrue(b.viewLabels[0].allSatisfy { (0..<10).contains($0) })
        let typo = ConfigSection(path: "views", values: ["tile_sise": .int(8)])
        _ = try registry.makeTransform("jigsaw", typo, BuildContext(registry: registry, seed: 0))
        XCTAssertThrowsError(try typo.validate()) { XCTAssertTrue("\($0)".contains("views.tile_size"), "\($0)") }
    }

    /// The preset's getter and `JigsawViews`'s initialiser both read `JigsawViews.defaults`: a preset from
    /// an empty `views` section is the struct built with no arguments (same knobs, same views for a seed).
    func testEmptySectionIsTheSwiftDefaults() throws {
        let registry = try TestImages.registry(JigsawPlugin.register)
        let configured = try registry.makeTransform("jigsaw", ConfigSection(path: "views", values: [:]),
                                                    BuildContext(registry: registry, seed: 0))
        let swift = try JigsawViews()
        XCTAssertEqual("\(configured)", "\(swift)")
        let image = TestImages.noise(width: 300, height: 280, seed: 6)
        var a = RNG(seed: 7), b = RNG(seed: 7)
        let (x, y) = (configured(image, &a), swift(image, &b))
        XCTAssertEqual(x.tensors.map(\.scalars), y.tensors.map(\.scalars))
        XCTAssertEqual(x.labels, y.labels)
    }
}

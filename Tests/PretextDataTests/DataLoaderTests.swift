import Foundation
import XCTest
@testable import PretextData

/// The prefetching loader: determinism across worker counts, batching, errors.
final class DataLoaderTests: XCTestCase {
    func batches(_ loader: DataLoader, epoch: Int) throws -> [Batch] {
        var out: [Batch] = []
        for r in loader.epoch(epoch) { out.append(try r.get()) }
        return out
    }

    func testSameSeedSameBatchesWhateverTheWorkerCount() throws {
        let ds = try SyntheticShapesDataset(count: 37, size: 32, seed: 1)
        let t = try SimCLRViews(inputSize: 24)
        var reference: [Batch]? = nil
        for workers in [0, 1, 2, 3] {
            let loader = try DataLoader(dataset: ds, transform: t, batchSize: 8, shuffle: true, dropLast: false,
                                        seed: 42, workers: workers, prefetch: workers == 3 ? 1 : 2)
            let got = try batches(loader, epoch: 1)
            XCTAssertEqual(got.count, 5)
            XCTAssertEqual(got.map(\.count), [8, 8, 8, 8, 5])
            if let ref = reference {
                for (a, b) in zip(ref, got) {
                    XCTAssertEqual(a.indices, b.indices, "workers \(workers)")
                    XCTAssertEqual(a.labels, b.labels)
                    for v in 0..<2 { XCTAssertEqual(a.views[v].scalars, b.views[v].scalars, "workers \(workers), view \(v)") }
                }
            } else {
                reference = got
            }
        }
        // Every sample exactly once; views are what `views(epoch:index:)` gives for that sample.
        let ref = try XCTUnwrap(reference)
        XCTAssertEqual(ref.flatMap(\.indices).sorted(), Array(0..<37))
        let loader = try DataLoader(dataset: ds, transform: t, batchSize: 8, shuffle: true, seed: 42, workers: 2)
        let single = try loader.views(epoch: 1, index: ref[2].indices[3])
        XCTAssertEqual(Array(ref[2].views[1].scalars[(3 * 3 * 24 * 24)..<(4 * 3 * 24 * 24)]), single.tensors[1].scalars)
        XCTAssertEqual(ref[0].views[0].shape, [8, 3, 24, 24])
        XCTAssertEqual(ref[0].labels, ref[0].indices.map { $0 % 10 })
    }

    func testEpochsShuffleDifferentlyAndSeedsMatter() throws {
        let ds = try SyntheticShapesDataset(count: 20, size: 16, seed: 1)
        let t = try SingleView.evaluation()
        let l = try DataLoader(dataset: ds, transform: t, batchSize: 5, shuffle: true, dropLast: true, seed: 7, workers: 2)
        XCTAssertEqual(l.batchesPerEpoch, 4)
        let e0 = try batches(l, epoch: 0).flatMap(\.indices), e1 = try batches(l, epoch: 1).flatMap(\.indices)
        XCTAssertNotEqual(e0, e1)
        XCTAssertEqual(e0.sorted(), Array(0..<20))
        XCTAssertEqual(try batches(l, epoch: 0).flatMap(\.indices), e0, "same epoch, same order")
        let ordered = try DataLoader(dataset: ds, transform: t, batchSize: 6, dropLast: true, workers: 1)
        let b = try batches(ordered, epoch: 0)
        XCTAssertEqual(b.flatMap(\.indices), Array(0..<18), "dropLast drops the final 2")
        XCTAssertThrowsError(try DataLoader(dataset: ds, transform: t, batchSize: 50, dropLast: true))
        XCTAssertThrowsError(try DataLoader(dataset: ds, transform: t, batchSize: 0))
    }

    /// A transform with per-view labels (as rotation prediction's 0/90/180/270°): `count` copies labelled 0..<count.
    struct LabelledCopies: Transform {
        let count: Int
        func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views {
            let t = FloatImage(image).tensor()
            return Views(tensors: Array(repeating: t, count: count), labels: Array(0..<count))
        }
    }

    func testViewLabelsAreStackedPerView() throws {
        let ds = try SyntheticShapesDataset(count: 6, size: 16, seed: 1)
        let l = try DataLoader(dataset: ds, transform: LabelledCopies(count: 4), batchSize: 3, workers: 2)
        let b = try batches(l, epoch: 0)
        XCTAssertEqual(b[0].views.count, 4)
        XCTAssertEqual(b[0].viewLabels, [[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3]])
    }

    func testBadImageThrowsNamingTheFileOrIsSkipped() throws {
        let root = try TestSupport.temporaryFolder(self)
        for i in 0..<10 {
            try FileManager.default.createDirectory(atPath: root + "/c\(i % 2)", withIntermediateDirectories: true)
            let path = root + "/c\(i % 2)/\(i).png"
            if i == 7 { try "garbage".write(toFile: path, atomically: true, encoding: .utf8) } else {
                try PNGWriter.write(TestSupport.noiseImage(width: 8, height: 8, seed: UInt64(i)), to: path)
            }
        }
        let ds = try ImageFolderDataset(root: root)
        let t = try SingleView.evaluation()
        for workers in [0, 2] {
            let l = try DataLoader(dataset: ds, transform: t, batchSize: 4, workers: workers)
            let epoch = l.epoch(0)
            var seen = 0
            var thrown: Error? = nil
            do { while let b = try epoch.nextBatch() { seen += b.count } } catch { thrown = error }
            let e = try XCTUnwrap(thrown as? DataError, "workers \(workers)")
            XCTAssertTrue(e.description.contains("7.png"), "\(e)")
            XCTAssertEqual(seen, 8, "the two batches before the bad one (c1/7.png is sample 8) arrive first")
            XCTAssertNil(try epoch.nextBatch(), "the epoch ends after the error")

            let skipping = try DataLoader(dataset: ds, transform: t, batchSize: 4, workers: workers, skipBadImages: true)
            let ep = skipping.epoch(0)
            var counts: [Int] = []
            while let b = try ep.nextBatch() { counts.append(b.count); XCTAssertEqual(b.views[0].shape[0], b.count) }
            XCTAssertEqual(counts, [4, 4, 1])
            XCTAssertEqual(ep.skipped.count, 1)
            XCTAssertTrue(ep.skipped[0].error.description.contains("7.png"))
        }
    }

    func testInconsistentViewShapesAreAnError() throws {
        // Images of different sizes through a transform without a fixed output size.
        let root = try TestSupport.temporaryFolder(self)
        try PNGWriter.write(TestSupport.noiseImage(width: 8, height: 8, seed: 1), to: root + "/a.png")
        try PNGWriter.write(TestSupport.noiseImage(width: 9, height: 8, seed: 2), to: root + "/b.png")
        let l = try DataLoader(dataset: try ImageFolderDataset(root: root), transform: try SingleView.evaluation(),
                               batchSize: 2, workers: 1)
        XCTAssertThrowsError(try l.epoch(0).nextBatch()) { e in
            guard case .inconsistentViews? = e as? DataError else { return XCTFail("\(e)") }
        }
    }

    func testAbandonedEpochStopsCleanly() throws {
        let ds = try SyntheticShapesDataset(count: 64, size: 32, seed: 1)
        let l = try DataLoader(dataset: ds, transform: try SimCLRViews(inputSize: 16), batchSize: 4, workers: 2, prefetch: 3)
        for e in 0..<5 {
            let epoch = l.epoch(e)
            _ = try epoch.nextBatch()
        }
        // Still usable afterwards.
        XCTAssertEqual(try batches(l, epoch: 0).count, 16)
    }
}

import XCTest
@testable import PretextData

/// Data-parallel shards: the ranks' batches together are exactly one process's global batch.
final class DataLoaderShardTests: XCTestCase {
    func batches(_ loader: DataLoader, epoch: Int) throws -> [Batch] {
        var out: [Batch] = []
        for r in loader.epoch(epoch) { out.append(try r.get()) }
        return out
    }

    func testShardsSplitEveryGlobalBatchInRankOrder() throws {
        let ds = try SyntheticShapesDataset(count: 37, size: 16, seed: 1)
        let t = try SimCLRViews(inputSize: 12)
        let single = try batches(DataLoader(dataset: ds, transform: t, batchSize: 8, shuffle: true, dropLast: true,
                                            seed: 42, workers: 1), epoch: 2)
        XCTAssertEqual(single.count, 4)
        for n in [2, 4] {
            let shards = try (0..<n).map { r in
                try batches(DataLoader(dataset: ds, transform: t, batchSize: 8 / n, shuffle: true, dropLast: true,
                                       seed: 42, workers: 2, shard: (r, n)), epoch: 2)
            }
            for (k, global) in single.enumerated() {
                XCTAssertEqual(shards.flatMap { $0[k].indices }, global.indices, "\(n) shards, batch \(k)")
                // Same images, same augmentations (they depend on seed, epoch and image only).
                let views = try Tensor.cat(shards.map { $0[k].views[1] }, axis: 0)
                XCTAssertEqual(views.scalars, global.views[1].scalars, "\(n) shards, batch \(k)")
            }
        }
    }

    func testShortLastBatchIsSplitEvenlyAndPaddedFromTheStart() throws {
        let ds = try SyntheticShapesDataset(count: 21, size: 16, seed: 1)
        let t = try SingleView.evaluation()
        let order = try DataLoader(dataset: ds, transform: t, batchSize: 8, shuffle: true, seed: 3).order(epoch: 0)
        let shards = try (0..<2).map { r in
            try batches(DataLoader(dataset: ds, transform: t, batchSize: 4, shuffle: true, dropLast: false, seed: 3,
                                   workers: 0, shard: (r, 2)), epoch: 0)
        }
        XCTAssertEqual(shards.map { $0.map(\.count) }, [[4, 4, 3], [4, 4, 3]])
        // The tail of 5 images: 3 to rank 0, 2 + the epoch's first image to rank 1.
        XCTAssertEqual(shards[0][2].indices, Array(order[16..<19]))
        XCTAssertEqual(shards[1][2].indices, Array(order[19..<21]) + [order[0]])
        XCTAssertEqual(Set(shards.flatMap { $0.flatMap(\.indices) }), Set(order))
    }

    func testAShardThatDoesNotExistIsRefused() {
        XCTAssertThrowsError(try DataLoader(dataset: SyntheticShapesDataset(count: 8, size: 16, seed: 1),
                                            transform: SingleView.evaluation(), batchSize: 2, shard: (2, 2)))
    }
}

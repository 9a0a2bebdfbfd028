import XCTest
@testable import PretextRunner
import PretextCore
import PretextData
import PretextNN
import PretextTensor

/// A "backbone" whose features are the mean of each colour channel (no parameters): hand-computable.
final class ChannelMeanBackbone: Module, Backbone {
    var featureDim: Int { 3 }
    var architecture: String { "channel-mean" }
    func callAsFunction(_ images: Tensor) throws -> Tensor {
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        return try images.reshaped([n, c, h * w]).mean(axes: [2])
    }
}

final class FeatureKNNTests: XCTestCase {
    func image(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Image { Image(width: 4, height: 4, fill: (r, g, b)) }

    /// kNN through FeatureExtractor: with no normalisation (mean 0, std 1) the features are the colours
    /// in [0, 1]; after L2 normalisation reddish and greenish images are nearest their own kind.
    func testKNNThroughFeatureExtractorGivesTheHandComputedAccuracy() throws {
        let bank = try InMemoryDataset(images: [image(255, 0, 0), image(230, 30, 0), image(0, 255, 0), image(20, 240, 10)],
                                       labels: [0, 0, 1, 1], classNames: ["red", "green"])
        // Test: a red, a green, and a yellow-ish one that is slightly more red (label 1 on purpose: wrong).
        let test = try InMemoryDataset(images: [image(200, 10, 10), image(10, 200, 10), image(200, 180, 0)],
                                       labels: [0, 1, 1], classNames: ["red", "green"])
        let extractor = FeatureExtractor(mean: [0, 0, 0], std: [1, 1, 1], batchSize: 2, workers: 0)
        let f = try extractor.extract(ChannelMeanBackbone(), dataset: bank)
        XCTAssertEqual(f.features.shape, [4, 3])
        XCTAssertEqual(f.features.scalars[0], 1, accuracy: 1e-6)           // (1, 0, 0) normalised
        XCTAssertEqual(f.labels, [0, 0, 1, 1])
        let r = try KNNEvaluation.run(backbone: ChannelMeanBackbone(), bank: bank, test: test, ks: [1], temperature: 0.1, extractor: extractor)
        XCTAssertEqual(r["knn1_top1"]!, 2.0 / 3.0, accuracy: 1e-9)        // the yellow image goes to red
        XCTAssertEqual(r["knn1_top5"]!, 1, accuracy: 1e-9)
    }
}

import XCTest
@testable import PretextRunner
import PretextTensor

final class LinearProbeTests: XCTestCase {
    /// Three classes, each a Gaussian blob around its own corner of an 8-D space, offset and scaled so
    /// raw features are badly conditioned (what standardisation is for).
    func blobs(_ perClass: Int, seed: UInt64) -> (Tensor, [Int]) {
        var rng = RNG(seed: seed)
        let d = 8
        var x: [Float] = [], y: [Int] = []
        for i in 0..<(3 * perClass) {
            let c = i % 3
            for j in 0..<d {
                let centre: Float = j == c ? 3 : 0
                x.append(100 + 20 * (centre + 0.5 * rng.normal()))
            }
            y.append(c)
        }
        return (Tensor(shape: [3 * perClass, d], scalars: x), y)
    }

    func testSeparatesLinearlySeparableFeatures() throws {
        let (train, ytr) = blobs(60, seed: 1), (test, yte) = blobs(30, seed: 2)
        let r = try LinearProbe(epochs: 30, learningRate: 0.1, batchSize: 32).run(train: train, trainLabels: ytr, test: test,
                                                                                 testLabels: yte, classes: 3)
        XCTAssertEqual(r.top1, 1, "the blobs are 6 standard deviations apart")
        XCTAssertEqual(r.trainTop1, 1)
        XCTAssertEqual(r.top5, 1)
        XCTAssertLessThan(r.epochLosses.last!, 0.1)
        XCTAssertLessThan(r.epochLosses.last!, r.epochLosses.first!)
    }

    func testChanceLevelOnShuffledLabels() throws {
        // Labels unrelated to the features: the test accuracy stays near 1/3.
        let (train, _) = blobs(60, seed: 3), (test, _) = blobs(60, seed: 4)
        var rng = RNG(seed: 9)
        let noise = (0..<180).map { _ in rng.int(below: 3) }
        let r = try LinearProbe(epochs: 20).run(train: train, trainLabels: noise, test: test,
                                                testLabels: (0..<180).map { _ in rng.int(below: 3) }, classes: 3)
        XCTAssertLessThan(r.top1, 0.5)
    }

    func testStandardisationUsesTrainingStatistics() throws {
        let x = Tensor(shape: [4, 2], scalars: [1, 10, 3, 10, 5, 10, 7, 10])
        let (mean, std) = LinearProbe.statistics(x)
        XCTAssertEqual(mean, [4, 10])
        XCTAssertEqual(std[0], Float(5).squareRoot(), accuracy: 1e-6)   // population std of 1, 3, 5, 7
        XCTAssertEqual(std[1], 1)                                       // constant column: left unscaled
        let z = try LinearProbe.apply(x, mean: mean, std: std)
        XCTAssertEqual(z.scalars[0], -3 / Float(5).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(z.scalars[1], 0)
    }

    func testAccuracyCountsTopOneAndTopFive() throws {
        // 6 classes; row 0 ranks the label first, row 1 ranks it sixth (outside the top 5).
        let logits = Tensor(shape: [2, 6], scalars: [9, 1, 2, 3, 4, 5,
                                                     0, 6, 5, 4, 3, 2])
        let a = try LinearProbe.accuracy(logits: logits, labels: [0, 0])
        XCTAssertEqual(a.top1, 0.5)
        XCTAssertEqual(a.top5, 0.5)
        XCTAssertEqual(a.predictions, [0, 1])
    }

    func testBadInputIsAClearError() {
        XCTAssertThrowsError(try LinearProbe().fit(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), labels: [0, 5], classes: 2)) {
            XCTAssertTrue("\($0)".contains("labels must be in 0..<2"), "\($0)")
        }
    }
}

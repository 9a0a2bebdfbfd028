import XCTest
@testable import PretextRunner
import PretextTensor

final class KNNClassifierTests: XCTestCase {
    /// Four training points on the unit circle, two classes; hand-computed weighted votes.
    func testHandComputedNeighbours() throws {
        let s = Float(0.5).squareRoot()
        let train = Tensor(shape: [4, 2], scalars: [1, 0, s, s, 0, 1, -1, 0])   // labels 0, 0, 1, 1
        let test = Tensor(shape: [2, 2], scalars: [s, -s, -s, s])
        // k = 1: nearest of (s, -s) is (1, 0) → 0; of (-s, s) is (0, 1) or (-1, 0) (cos s each), first index → 1.
        let k1 = try KNNClassifier(k: 1, temperature: 0.1).evaluate(train: train, trainLabels: [0, 0, 1, 1], test: test,
                                                                     testLabels: [0, 1], classes: 2)
        XCTAssertEqual(k1.predictions, [0, 1])
        XCTAssertEqual(k1.top1, 1)
        // k = 3 for (s, -s): sims (s, 0, -s) to points 0, 1, 2 and -s to 3 → top 3 = 0, 1, then 2 (tie with 3 broken by index):
        // class 0: e^{s/0.1} + e^{0}, class 1: e^{-s/0.1} → class 0.
        let k3 = try KNNClassifier(k: 3, temperature: 0.1).evaluate(train: train, trainLabels: [0, 0, 1, 1], test: test,
                                                                     testLabels: [1, 1], classes: 2)
        XCTAssertEqual(k3.predictions[0], 0)
        XCTAssertEqual(k3.top1, 0.5)
        XCTAssertEqual(k3.top5, 1)   // two classes: always within the top 5
    }

    func testTemperatureWeightsCanOutvoteTheMajority() throws {
        // One very close neighbour of class 1 against two farther ones of class 0.
        let train = Tensor(shape: [3, 2], scalars: [1, 0, 0.6, 0.8, 0.6, -0.8])
        let test = Tensor(shape: [1, 2], scalars: [1, 0])
        let sharp = try KNNClassifier(k: 3, temperature: 0.1).evaluate(train: train, trainLabels: [1, 0, 0], test: test, testLabels: [1], classes: 2)
        XCTAssertEqual(sharp.predictions, [1])   // e^10 > 2·e^6
        let flat = try KNNClassifier(k: 3, temperature: 10).evaluate(train: train, trainLabels: [1, 0, 0], test: test, testLabels: [1], classes: 2)
        XCTAssertEqual(flat.predictions, [0])    // e^0.1 < 2·e^0.06
    }
}

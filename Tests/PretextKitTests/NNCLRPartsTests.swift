import Foundation
import XCTest
@testable import PretextKit
import PretextCore
import PretextNN
import PretextTensor

/// NNCLR's parts against Lightly 1.6 (`Tests/Fixtures/kit/nnclr.json`, made by
/// `Tests/Fixtures/make_nnclr_fixture.py`): the projection and prediction heads (names, shapes,
/// training-mode outputs) and the support-set lookup (`MemoryBank.nearestNeighbours`, Lightly's
/// `NNMemoryBankModule`).
final class NNCLRPartsTests: XCTestCase {
    static let fixture = KitFixture.load("nnclr")

    func matrix(_ v: Any?) -> Tensor { KitFixture.matrix(v) }

    func testHeadsAgainstLightly() throws {
        var rng = RNG(seed: 5)
        try checkHead(ProjectionHead.nnclrProjection(inDim: 6, hiddenDim: 10, outDim: 8, rng: &rng), against: Self.fixture["projection_head"] as! [String: Any], "projection_head")
        try checkHead(ProjectionHead.nnclrPrediction(inDim: 8, hiddenDim: 10, outDim: 8, rng: &rng), against: Self.fixture["prediction_head"] as! [String: Any], "prediction_head")
    }

    /// The same neighbours as Lightly (rows compared after normalisation: Pretext stores unit rows,
    /// Lightly the raw ones; the contrastive loss normalises both), no gradient, bank unchanged.
    func testNearestNeighboursAgainstLightly() throws {
        let fx = Self.fixture["lookup"] as! [String: Any]
        let bank = matrix(fx["bank"]), queries = matrix(fx["queries"])
        var rng = RNG(seed: 0)
        let support = MemoryBank(size: bank.shape[0], dim: bank.shape[1], rng: &rng)
        try support.enqueue(bank)
        let before = support.bank.scalars
        queries.requiresGrad = true
        let nearest = try support.nearestNeighbours(of: queries)
        XCTAssertFalse(nearest.requiresGrad)
        let expected = try matrix(fx["nearest"]).l2Normalized(axis: 1)
        for (a, b) in zip(nearest.scalars, expected.scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(support.bank.scalars, before)
        XCTAssertThrowsError(try support.nearestNeighbours(of: Tensor.zeros([2, 3])))
    }
}

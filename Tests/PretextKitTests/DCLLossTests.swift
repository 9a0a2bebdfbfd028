import Foundation
import XCTest
@testable import PretextKit
import PretextCore
import PretextTensor

/// DCL and DCLW against Lightly 1.6 (`Tests/Fixtures/kit/dcl.json`, made by
/// `Tests/Fixtures/make_dcl_fixture.py`): values and gradients for the defaults and other settings, the
/// registry entries, and the one property that separates DCL from NT-Xent.
final class DCLLossTests: XCTestCase {
    static let fixture = KitFixture.load("dcl")

    func matrix(_ v: Any?) -> Tensor { KitFixture.matrix(v) }

    func check(_ loss: any Loss, _ c: [String: Any], _ name: String) throws {
        let a = matrix(c["z0"]), b = matrix(c["z1"])
        a.requiresGrad = true
        b.requiresGrad = true
        let l = try loss([a, b])
        XCTAssertEqual(Double(l.item), (c["loss"] as! NSNumber).doubleValue, accuracy: 1e-5 * max(1, abs(Double(l.item))), name)
        try l.backward()
        for (g, key) in [(a.grad!, "grad_z0"), (b.grad!, "grad_z1")] {
            for (x, y) in zip(g.scalars, matrix(c[key]).scalars) { XCTAssertEqual(x, y, accuracy: 1e-5, "\(name) \(key)") }
        }
    }

    func testDCLAgainstLightly() throws {
        for c in Self.fixture["dcl"] as! [[String: Any]] {
            let t = (c["temperature"] as! NSNumber).floatValue
            try check(DCLLoss(temperature: t), c, "dcl τ \(t)")
        }
    }

    func testDCLWAgainstLightly() throws {
        for c in Self.fixture["dclw"] as! [[String: Any]] {
            let t = (c["temperature"] as! NSNumber).floatValue, s = (c["sigma"] as! NSNumber).floatValue
            try check(DCLLoss(temperature: t, sigma: s), c, "dclw τ \(t) σ \(s)")
        }
    }

    /// Through the registry with its keys; a batch of one (no negatives) is an error, not a NaN.
    func testRegisteredLossesAndErrors() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        let ctx = BuildContext(registry: registry, seed: 0)
        let c = (Self.fixture["dclw"] as! [[String: Any]])[1]
        let dclw = try registry.makeLoss("dclw", ConfigSection(path: "method.loss", values: ["temperature": .float(0.3), "sigma": .float(0.2)]), ctx)
        try check(dclw, c, "registered dclw")
        let dcl = try registry.makeLoss("dcl", ConfigSection(path: "method.loss", values: [:]), ctx)
        try check(dcl, (Self.fixture["dcl"] as! [[String: Any]])[0], "registered dcl")
        XCTAssertThrowsError(try DCLLoss()([Tensor.zeros([1, 4]), Tensor.zeros([1, 4])]))
    }
}

import Foundation
import XCTest
@testable import PretextKit
import PretextCore
import PretextNN
import PretextTensor

/// Barlow Twins and VICReg against Lightly 1.6 (`Tests/Fixtures/kit/redundancy.json`, made by
/// `Tests/Fixtures/make_redundancy_fixture.py`): the losses' values and gradients for the papers'
/// coefficients and others, the projection heads' parameter names, shapes and training-mode outputs,
/// and the registry entries; the shared terms against central differences.
final class RedundancyReductionTests: XCTestCase {
    static let fixture = KitFixture.load("redundancy")

    func matrix(_ v: Any?) -> Tensor { KitFixture.matrix(v) }

    func float(_ c: [String: Any], _ key: String) -> Float { (c[key] as! NSNumber).floatValue }

    func check(_ loss: any Loss, _ c: [String: Any], _ name: String) throws {
        let a = matrix(c["z_a"]), b = matrix(c["z_b"])
        a.requiresGrad = true
        b.requiresGrad = true
        let l = try loss([a, b])
        XCTAssertEqual(Double(l.item), (c["loss"] as! NSNumber).doubleValue, accuracy: 1e-5 * max(1, abs(Double(l.item))), name)
        try l.backward()
        for (g, key) in [(a.grad!, "grad_z_a"), (b.grad!, "grad_z_b")] {
            for (x, y) in zip(g.scalars, matrix(c[key]).scalars) { XCTAssertEqual(x, y, accuracy: 1e-5, "\(name) \(key)") }
        }
    }

    func testBarlowTwinsLossAgainstLightly() throws {
        for c in Self.fixture["barlow_twins"] as! [[String: Any]] {
            try check(BarlowTwinsLoss(lambda: float(c, "lambda_param")), c, "barlow twins λ \(float(c, "lambda_param"))")
        }
    }

    func testVICRegLossAgainstLightly() throws {
        for c in Self.fixture["vicreg"] as! [[String: Any]] {
            let loss = VICRegLoss(invariance: float(c, "lambda_param"), variance: float(c, "mu_param"),
                                  covariance: float(c, "nu_param"), eps: float(c, "eps"))
            try check(loss, c, "vicreg \(c["lambda_param"]!)/\(c["mu_param"]!)/\(c["nu_param"]!)")
        }
    }

    func testProjectionHeadsAgainstLightly() throws {
        var rng = RNG(seed: 5)
        try checkHead(ProjectionHead.barlowTwins(inDim: 6, hiddenDim: 10, outDim: 8, rng: &rng), against: Self.fixture["barlow_twins_head"] as! [String: Any], "barlow_twins_head")
        try checkHead(ProjectionHead.vicreg(inDim: 6, hiddenDim: 10, outDim: 8, numLayers: 3, rng: &rng), against: Self.fixture["vicreg_head"] as! [String: Any], "vicreg_head")
    }

    /// The shared terms' gradients against central differences (in double-checked float: a loose 2e-2
    /// relative bound at step 1e-2, which a wrong sign or factor fails by far).
    func testSharedTermsGradientsMatchFiniteDifferences() throws {
        var rng = RNG(seed: 8)
        let x = Tensor.normal([6, 4], rng: &rng)
        for (name, term) in [("variance", { (t: Tensor) in try RedundancyTerms.variance(t, eps: 1e-4) * 3 }),
                             ("covariance", { (t: Tensor) in try RedundancyTerms.covariance(t) })] as [(String, (Tensor) throws -> Tensor)] {
            let p = x.detached()
            p.requiresGrad = true
            try term(p).backward()
            let analytic = p.grad!.scalars
            for i in stride(from: 0, to: x.count, by: 5) {
                var plus = x.scalars, minus = x.scalars
                plus[i] += 1e-2
                minus[i] -= 1e-2
                let f = { (v: [Float]) in try noGrad { try term(Tensor(shape: x.shape, scalars: v)).item } }
                let numeric = (try f(plus) - f(minus)) / 2e-2
                XCTAssertEqual(analytic[i], numeric, accuracy: 2e-2 * max(1, abs(numeric)), "\(name) [\(i)]")
            }
        }
    }

    func testRegistryBuildsTheLossesAndHeadsByName() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        let ctx = BuildContext(registry: registry, seed: 0)
        let c = (Self.fixture["barlow_twins"] as! [[String: Any]])[0]
        try check(try registry.makeLoss("barlow-twins", ConfigSection(path: "method.loss"), ctx), c, "barlow-twins by name")
        let v = (Self.fixture["vicreg"] as! [[String: Any]])[0]
        try check(try registry.makeLoss("vicreg", ConfigSection(path: "method.loss"), ctx), v, "vicreg by name")
        let head = try registry.makeHead("vicreg-projection", ConfigSection(path: "method.projection", values: ["hidden_dim": .int(32), "output_dim": .int(16), "num_layers": .int(4)]), inputDim: 8, ctx)
        XCTAssertEqual(head.outputDim, 16)
        XCTAssertThrowsError(try registry.makeLoss("barlow-twins", ConfigSection(path: "method.loss", values: ["lambda": .double(-1)]), ctx))
    }
}

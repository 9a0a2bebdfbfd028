import XCTest
import Foundation
import PretextTensor
@testable import PretextNN

/// SGD / AdamW / LARS against torch.optim and Lightly's LARS on a tiny least-squares problem with two
/// parameter groups (W with weight decay, b without), a changing learning rate, 5 steps.
final class OptimizerTests: XCTestCase {
    func makeProblem() -> (Tensor, Tensor, Tensor, Tensor) {
        let w = Tensor.zeros([3, 4], requiresGrad: true), b = Tensor.zeros([3], requiresGrad: true)
        Formula.fill("W", w)
        Formula.fill("b", b)
        let x = Formula.input([5, 4])
        let yRaw = Formula.input([5, 3]).scalars
        // torch: formula_input((5, 3)).flip(0) * 0.5
        var y = [Float](repeating: 0, count: 15)
        for r in 0..<5 { for c in 0..<3 { y[r * 3 + c] = yRaw[(4 - r) * 3 + c] * 0.5 } }
        return (w, b, x, Tensor(shape: [5, 3], scalars: y))
    }

    func loss(_ w: Tensor, _ b: Tensor, _ x: Tensor, _ y: Tensor) throws -> Tensor {
        let d = try x.linear(weight: w, bias: b) - y
        return try (d * d).mean()
    }

    func run(_ name: String, _ make: ([ParameterGroup]) throws -> any Optimizer, file: StaticString = #filePath, line: UInt = #line) throws {
        let fx = Fixture.section("optimizers")[name] as! [String: Any]
        let (w, b, x, y) = makeProblem()
        let groups = [ParameterGroup(name: "decay", parameters: [("W", w)]),
                      ParameterGroup(name: "no_decay", parameters: [("b", b)], weightDecay: 0, excludeFromAdaptation: true)]
        let opt = try make(groups)
        let lrs = Fixture.floats(fx["lrs"])
        let traj = fx["trajectory"] as! [[String: Any]]
        for (i, lr) in lrs.enumerated() {
            opt.zeroGrad()
            try loss(w, b, x, y).backward()
            try opt.step(learningRate: lr)
            assertClose(w.scalars, Fixture.floats(traj[i]["W"]), rtol: 1e-5, "\(name) W after step \(i + 1)", file: file, line: line)
            assertClose(b.scalars, Fixture.floats(traj[i]["b"]), rtol: 1e-5, "\(name) b after step \(i + 1)", file: file, line: line)
        }
        let state = opt.state()
        for (k, v) in fx["state"] as! [String: Any] {
            guard let mine = state[k] else { XCTFail("\(name): no state \(k) (have \(state.keys.sorted()))", file: file, line: line); continue }
            assertClose(mine.scalars, Fixture.floats(v), rtol: 1e-5, "\(name) state \(k)", file: file, line: line)
        }
        XCTAssertEqual(state["step"]?.item, Float(lrs.count), file: file, line: line)

        // Export → import into a fresh optimizer → one more step gives the same parameters.
        let (w2, b2, _, _) = makeProblem()
        w2.assign(w); b2.assign(b)
        let opt2 = try make([ParameterGroup(name: "decay", parameters: [("W", w2)]),
                             ParameterGroup(name: "no_decay", parameters: [("b", b2)], weightDecay: 0, excludeFromAdaptation: true)])
        try opt2.loadState(state)
        for (o, pw, pb) in [(opt, w, b), (opt2, w2, b2)] {
            o.zeroGrad()
            try loss(pw, pb, x, y).backward()
            try o.step(learningRate: 0.01)
        }
        XCTAssertEqual(w.scalars, w2.scalars, "\(name): resumed optimizer diverges", file: file, line: line)
        XCTAssertEqual(b.scalars, b2.scalars, file: file, line: line)
    }

    func testSGD() throws {
        try run("sgd_momentum") { try SGD(groups: $0, momentum: 0.9, weightDecay: 0.01) }
        try run("sgd_nesterov") { try SGD(groups: $0, momentum: 0.9, nesterov: true, weightDecay: 0.01) }
        try run("sgd_dampening") { try SGD(groups: $0, momentum: 0.9, dampening: 0.1, weightDecay: 0) }
        try run("sgd_plain") { try SGD(groups: $0, momentum: 0, weightDecay: 0.01) }
        XCTAssertThrowsError(try SGD(groups: [], momentum: 0, nesterov: true))
    }

    func testAdamW() throws {
        try run("adamw") { try AdamW(groups: $0, weightDecay: 0.05) }
        try run("adamw_mae") { try AdamW(groups: $0, beta1: 0.9, beta2: 0.95, weightDecay: 0.04) }
    }

    /// A parameter long enough for the SIMD body, the tails and the split across two threads, against
    /// torch's AdamW update written out in Double.
    func testAdamWOnALongParameterMatchesTheFormula() throws {
        let saved = Parallel.threads
        Parallel.threads = 2
        defer { Parallel.threads = saved }
        let n = 10_007
        let p = Tensor(shape: [n], scalars: (0..<n).map { Float(($0 * 37) % 101) / 50 - 1 }, requiresGrad: true)
        let c = Tensor(shape: [n], scalars: (0..<n).map { Float(($0 * 53) % 97) / 40 - 1.2 })
        var ref = p.scalars.map(Double.init), m = [Double](repeating: 0, count: n), v = m
        let (lr, wd, b1, b2, eps) = (0.01, 0.05, 0.9, 0.999, 1e-8)
        let opt = try AdamW(groups: [ParameterGroup(name: "all", parameters: [("p", p)])], weightDecay: Float(wd))
        for t in 1...3 {
            opt.zeroGrad()
            try (p * p * c).sum().backward()                 // grad = 2·p·c
            for i in 0..<n {
                let g = 2 * ref[i] * Double(c.scalars[i])
                ref[i] *= 1 - lr * wd
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                let denom = (v[i] / (1 - Foundation.pow(b2, Double(t)))).squareRoot() + eps
                ref[i] -= lr / (1 - Foundation.pow(b1, Double(t))) * m[i] / denom
            }
            try opt.step(learningRate: Float(lr))
        }
        assertClose(p.scalars, ref.map(Float.init), rtol: 1e-5, atol: 1e-6, "AdamW after 3 steps")
    }

    func testLARS() throws {
        try run("lars") { try LARS(groups: $0, momentum: 0.9, weightDecay: 0.01) }
        try run("lars_nesterov") { try LARS(groups: $0, momentum: 0.9, weightDecay: 0.1, nesterov: true) }
    }

    func testClipGradNorm() throws {
        let fx = Fixture.section("optimizers")["clip"] as! [String: Any]
        let (w, b, x, y) = makeProblem()
        try loss(w, b, x, y).backward()
        assertClose(w.grad!.scalars, Fixture.floats(fx["grad_W_before"]), rtol: 1e-5, "gradient before clipping")
        let norm = try clipGradNorm([w, b], maxNorm: 0.5)
        XCTAssertEqual(norm, Float((fx["norm"] as! NSNumber).doubleValue), accuracy: 1e-5 * norm)
        assertClose(w.grad!.scalars, Fixture.floats(fx["grad_W"]), rtol: 1e-5, "clipped W gradient")
        assertClose(b.grad!.scalars, Fixture.floats(fx["grad_b"]), rtol: 1e-5, "clipped b gradient")
        XCTAssertThrowsError(try clipGradNorm([w], maxNorm: 0))
    }

    func testStateMismatchIsReported() throws {
        let (w, b, _, _) = makeProblem()
        let opt = try SGD(groups: [ParameterGroup(name: "all", parameters: [("W", w), ("b", b)])])
        XCTAssertThrowsError(try opt.loadState(["W.momentum_buffer": Tensor.zeros([4, 3])])) { e in
            XCTAssertTrue("\(e)".contains("W.momentum_buffer"), "\(e)")
        }
        XCTAssertThrowsError(try opt.loadState(["V.momentum_buffer": Tensor.zeros([3, 4])]))
        XCTAssertThrowsError(try opt.loadState(["W.exp_avg": Tensor.zeros([3, 4])]))
    }

    /// A damaged checkpoint (step NaN or 1e30, a NaN moment) is refused with the key named, not trapped on.
    func testImpossibleOptimizerStateIsRefused() throws {
        let (w, b, _, _) = makeProblem()
        let opt = try AdamW(groups: [ParameterGroup(name: "all", parameters: [("W", w), ("b", b)])], weightDecay: 0.05)
        for bad: Float in [.nan, 1e30, -3, 2.5] {
            XCTAssertThrowsError(try opt.loadState(["step": Tensor(scalar: bad)]), "\(bad)") { e in
                XCTAssertTrue("\(e)".contains("step") && "\(e)".contains("damaged"), "\(e)")
            }
        }
        var moments = Tensor.zeros([3, 4]).scalars
        moments[5] = .nan
        XCTAssertThrowsError(try opt.loadState(["W.exp_avg": Tensor(shape: [3, 4], scalars: moments)])) { e in
            XCTAssertTrue("\(e)".contains("W.exp_avg") && "\(e)".contains("NaN"), "\(e)")
        }
        XCTAssertNoThrow(try opt.loadState(["step": Tensor(scalar: 7), "W.exp_avg": Tensor.zeros([3, 4])]))
    }

    /// A per-parameter AdamW step count that is not one number loaded, then trapped in the next `step`
    /// (`Tensor.item`); now it is refused on load naming the key. (Found reading `OptimizerState.load`
    /// while writing the fuzz targets; confirmed with Tests/Fuzz's optimizer-state target.)
    func testAdamWPerParameterStepMustBeOneWholeNumber() throws {
        let (w, b, _, _) = makeProblem()
        let opt = try AdamW(groups: [ParameterGroup(name: "all", parameters: [("W", w), ("b", b)])], weightDecay: 0.05)
        let bad: [(Tensor, String)] = [(Tensor([1, 2]), "shape [2]"), (Tensor(shape: [0], scalars: []), "shape [0]"),
                                        (Tensor(scalar: -1), "-1"), (Tensor(scalar: .nan), "nan"), (Tensor(scalar: 1.5), "1.5")]
        for (t, what) in bad {
            XCTAssertThrowsError(try opt.loadState(["W.step": t]), what) { e in
                XCTAssertTrue("\(e)".contains("W.step") && "\(e)".contains(what) && "\(e)".contains("damaged"), "\(e)")
            }
        }
        try opt.loadState(["step": Tensor(scalar: 3), "W.step": Tensor(scalar: 3), "b.step": Tensor([3])])
        w.grad = Tensor.ones([3, 4])
        b.grad = Tensor.ones([3])
        try opt.step(learningRate: 0.01)
        XCTAssertEqual(opt.state()["W.step"]?.item, 4)
    }

    func testDecayGroups() {
        var rng = RNG(seed: 1)
        let vit = VisionTransformer(dim: 16, depth: 1, heads: 2, patchSize: 4, imageSize: 8, rng: &rng)
        let groups = ParameterGroup.decayAndNoDecay(vit, prefix: "backbone")
        XCTAssertEqual(groups.map(\.name), ["backbone.decay", "backbone.no_decay"])
        let decay = Set(groups[0].parameters.map(\.key)), noDecay = Set(groups[1].parameters.map(\.key))
        XCTAssertEqual(decay, ["backbone.patch_embed.proj.weight", "backbone.blocks.0.attn.qkv.weight", "backbone.blocks.0.attn.proj.weight",
                               "backbone.blocks.0.mlp.fc1.weight", "backbone.blocks.0.mlp.fc2.weight"])
        XCTAssertTrue(noDecay.contains("backbone.cls_token") && noDecay.contains("backbone.pos_embed")
                      && noDecay.contains("backbone.norm.weight") && noDecay.contains("backbone.blocks.0.attn.qkv.bias"))
        XCTAssertEqual(groups[1].weightDecay, 0)
        XCTAssertTrue(groups[1].excludeFromAdaptation)
        XCTAssertEqual(decay.count + noDecay.count, vit.namedParameters().count)
    }
}

import Foundation
import XCTest
@testable import PretextKit
import PretextCore
import PretextTensor

/// The kit's losses against Lightly's values in ../shared/reference/losses.json (made by
/// ../shared/peer/reference_values.py), to 1e-5.
final class ReferenceLossTests: XCTestCase {
    static let cases: [String: [String: Any]]? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/reference/losses.json")
        guard let data = try? Data(contentsOf: url),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return obj["cases"] as? [String: [String: Any]]
    }()

    func reference(_ name: String) throws -> [String: Any] {
        let all = try XCTUnwrap(Self.cases, "../shared/reference/losses.json is missing")
        return try XCTUnwrap(all[name], "no case \(name)")
    }

    /// A nested list of numbers as a tensor.
    func tensor(_ value: Any?, requiresGrad: Bool = false) throws -> Tensor {
        var shape: [Int] = []
        var level: Any? = value
        while let l = level as? [Any] { shape.append(l.count); level = l.first }
        func flat(_ v: Any) -> [Float] {
            if let l = v as? [Any] { return l.flatMap(flat) }
            return [Float((v as? NSNumber)?.doubleValue ?? .nan)]
        }
        return Tensor(shape: shape, scalars: flat(try XCTUnwrap(value)), requiresGrad: requiresGrad)
    }

    func number(_ c: [String: Any], _ key: String) -> Float { Float((c[key] as! NSNumber).doubleValue) }

    func testNTXentAtTwoTemperaturesAndItsGradients() throws {
        let c = try reference("ntxent_t0.5")
        let z0 = try tensor(c["z0"], requiresGrad: true), z1 = try tensor(c["z1"], requiresGrad: true)
        let loss = try NTXentLoss(temperature: 0.5)([z0, z1])
        XCTAssertEqual(loss.item, number(c, "loss"), accuracy: 1e-5)
        try loss.backward()
        assertClose(z0.grad!.scalars, try tensor(c["grad_z0"]).scalars, atol: 1e-6, rtol: 1e-4)
        assertClose(z1.grad!.scalars, try tensor(c["grad_z1"]).scalars, atol: 1e-6, rtol: 1e-4)
        let c2 = try reference("ntxent_t0.1")
        XCTAssertEqual(try NTXentLoss(temperature: 0.1)([tensor(c2["z0"]), tensor(c2["z1"])]).item, number(c2, "loss"), accuracy: 1e-5)
    }

    func testInfoNCEAgainstAQueue() throws {
        let c = try reference("infonce_queue_t0.2")
        let queue = try tensor(c["queue"])
        var rng = RNG(seed: 0)
        let bank = MemoryBank(size: queue.shape[0], dim: queue.shape[1], rng: &rng)
        try bank.load(state: ["bank": queue.l2Normalized(axis: 1), "pointer": Tensor(scalar: 0)])
        let loss = try NTXentLoss(temperature: number(c, "temperature"), memoryBank: bank)([tensor(c["q"]), tensor(c["k"])])
        XCTAssertEqual(loss.item, number(c, "loss"), accuracy: 1e-5)
    }

    /// The loss only reads the queue: evaluating it twice gives the same value, the bank is unchanged,
    /// and the gradient of the query (taken after a second, MoCo-style call against `enqueued(k)`)
    /// matches central differences of fresh evaluations — which it would not if the first call had
    /// enqueued its keys into the tensor its backward pass reads.
    func testQueueLossHasNoSideEffectsAndItsGradientIsTheForwardsOne() throws {
        var rng = RNG(seed: 3)
        let bank = MemoryBank(size: 16, dim: 4, rng: &rng)
        let before = bank.bank.scalars
        let q = Tensor.normal([3, 4], rng: &rng, requiresGrad: true), k = Tensor.normal([3, 4], rng: &rng)
        let loss = NTXentLoss(temperature: 0.2, memoryBank: bank)
        let l = try loss([q, k])
        XCTAssertEqual(try loss([q, k]).item, l.item)
        let second = try loss([q, k], negatives: try bank.enqueued(k))
        XCTAssertNotEqual(second.item, l.item)
        XCTAssertEqual(bank.bank.scalars, before)
        XCTAssertEqual(bank.pointer, 0)
        try l.backward()
        let analytic = q.grad!.scalars
        let eps: Float = 1e-2
        for i in 0..<q.count {
            var plus = q.scalars, minus = q.scalars
            plus[i] += eps; minus[i] -= eps
            let fp = try noGrad { try loss([Tensor(shape: [3, 4], scalars: plus), k]).item }
            let fm = try noGrad { try loss([Tensor(shape: [3, 4], scalars: minus), k]).item }
            XCTAssertEqual(analytic[i], (fp - fm) / (2 * eps), accuracy: 2e-3, "d loss / d q[\(i)]")
        }
        // `enqueued` is what `enqueue` then holds.
        let preview = try bank.enqueued(k).scalars
        try bank.enqueue(k)
        XCTAssertEqual(bank.bank.scalars, preview)
        XCTAssertEqual(bank.pointer, 3)
    }

    func testFourWayCrossEntropy() throws {
        let c = try reference("cross_entropy_4way")
        let labels = (c["labels"] as! [NSNumber]).map { Float($0.intValue) }
        let loss = try CrossEntropyLoss()([tensor(c["logits"]), Tensor(labels)])
        XCTAssertEqual(loss.item, number(c, "loss"), accuracy: 1e-5)
    }

    func testMemoryBankIsAFIFOQueueOfNormalisedRows() throws {
        var rng = RNG(seed: 1)
        let bank = MemoryBank(size: 4, dim: 2, rng: &rng)
        try bank.enqueue(Tensor(shape: [3, 2], scalars: [3, 4, 0, 2, 1, 0]))
        XCTAssertEqual(bank.pointer, 3)
        assertClose(Array(bank.bank.scalars.prefix(6)), [0.6, 0.8, 0, 1, 1, 0])
        try bank.enqueue(Tensor(shape: [2, 2], scalars: [0, -5, -1, 0]))
        XCTAssertEqual(bank.pointer, 1)
        assertClose(bank.bank.scalars, [-1, 0, 0, 1, 1, 0, 0, -1])
    }

    func testSchedules() {
        let cos = WarmupCosineSchedule()
        XCTAssertEqual(cos.value(at: 0, of: 100), 1)
        XCTAssertEqual(cos.value(at: 50, of: 100), 0.5, accuracy: 1e-6)
        XCTAssertEqual(cos.value(at: 99, of: 100), Float(0.5 * (1 + Foundation.cos(Double.pi * 0.99))), accuracy: 1e-6)
        // Warm-up as the shared recipe's LambdaLR: (t+1)/w, then cosine over the remaining steps.
        let warm = WarmupCosineSchedule(warmupSteps: 10)
        XCTAssertEqual(warm.value(at: 0, of: 110), 0.1, accuracy: 1e-6)
        XCTAssertEqual(warm.value(at: 9, of: 110), 1, accuracy: 1e-6)
        XCTAssertEqual(warm.value(at: 60, of: 110), 0.5, accuracy: 1e-6)
        let step = StepDecaySchedule(milestones: [0.5, 0.75], gamma: 0.1)
        XCTAssertEqual(step.value(at: 49, of: 100), 1)
        XCTAssertEqual(step.value(at: 50, of: 100), 0.1, accuracy: 1e-7)
        XCTAssertEqual(step.value(at: 80, of: 100), 0.01, accuracy: 1e-7)
        let plateau = PlateauSchedule(factor: 0.5, patience: 1)
        for loss in [1.0, 0.9, 0.95, 0.96, 0.97] { plateau.observe(metric: loss, at: 0) }
        XCTAssertEqual(plateau.value(at: 0, of: 1), 0.5)
        let m = MomentumTarget(online: Module(), target: Module(), start: 0.996, end: 1, cosine: true)
        XCTAssertEqual(m.momentum(progress: 0), 0.996, accuracy: 1e-7)
        XCTAssertEqual(m.momentum(progress: 1), 1, accuracy: 1e-7)
        XCTAssertEqual(m.momentum(progress: 0.5), 0.998, accuracy: 1e-6)
    }
}

/// Asserts two float arrays agree within atol + rtol·|expected|.
func assertClose(_ actual: [Float], _ expected: [Float], atol: Float = 1e-5, rtol: Float = 1e-4,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, file: file, line: line)
    for (i, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= atol + rtol * abs(e)) {
        XCTFail("element \(i) is \(a), expected \(e)", file: file, line: line)
        return
    }
}

import PretextNN

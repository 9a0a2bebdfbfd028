import Foundation
import XCTest
@testable import PretextKit
import PretextCore
import PretextSelfDistillation
import PretextTensor

/// The DINO loss against Lightly 1.6's `DINOLoss` (../shared/reference/losses.json, case
/// dino_epoch3_of_warmup10: 2 teacher and 4 student views of 4 images, 32 prototypes, epoch 3 of a
/// 10-epoch teacher-temperature warm-up 0.04 → 0.07), to 1e-5.
final class DINOLossTests: XCTestCase {
    let ref = Reference()

    func views(_ value: Any?) throws -> [Tensor] {
        let all = try ref.tensor(value)                      // [V, B, K]
        let (v, b, k) = (all.shape[0], all.shape[1], all.shape[2])
        return try (0..<v).map { try all.narrowed(axis: 0, start: $0, length: 1).reshaped([b, k]) }
    }

    func testLossAndCentreUpdateEqualLightly() throws {
        let c = try ref.reference("dino_epoch3_of_warmup10")
        let teacher = try views(c["teacher"]), student = try views(c["student"])
        // The teacher temperature of epoch 3 from the schedule DINO uses (one step per epoch here).
        let temperature = LinearWarmupSchedule(start: ref.number(c, "warmup_teacher_temp"), end: ref.number(c, "teacher_temp"),
                                               warmupEpochs: (c["warmup_epochs"] as! NSNumber).intValue, stepsPerEpoch: 1)
            .value(at: (c["epoch"] as! NSNumber).intValue, of: 100)
        let loss = try DINOLoss(outputDim: 32, studentTemp: ref.number(c, "student_temp"), centerMomentum: ref.number(c, "center_momentum"))
        assertClose(loss.center.scalars, try ref.tensor(c["center_before"]).scalars, atol: 0, rtol: 0)
        let value = try loss(teacher: teacher, student: student, teacherTemperature: temperature)
        XCTAssertEqual(value.item, ref.number(c, "loss"), accuracy: 1e-5)
        // The loss has no side effect: the centre is unchanged and a second evaluation gives the same value.
        assertClose(loss.center.scalars, try ref.tensor(c["center_before"]).scalars, atol: 0, rtol: 0)
        XCTAssertEqual(try loss(teacher: teacher, student: student, teacherTemperature: temperature).item, value.item)

        // Lightly's forward updates the centre once, which the DINO method does in afterStep:
        // 0.9·0 + 0.1·(mean over both views and the batch).
        try loss.updateCenter(teacher: teacher)
        let t = try ref.tensor(c["teacher"]).scalars
        var mean = [Double](repeating: 0, count: 32)
        for (i, x) in t.enumerated() { mean[i % 32] += Double(x) / 8 }
        assertClose(loss.center.scalars, mean.map { Float(0.1 * $0) }, atol: 1e-7, rtol: 1e-5)

        // The reference script then calls `update_center(torch.cat(teacher))` once more: on that 2-D
        // [8, 32] tensor Lightly's mean over dims (0, 1) is the scalar mean of all values, so
        // center_after = 0.9·center + 0.1·mean(all teacher values). Replay that second update.
        let scalarMean = t.reduce(0.0) { $0 + Double($1) } / Double(t.count)
        try loss.updateCenter(batchCenter: Tensor.full([1, 32], Float(scalarMean)))
        assertClose(loss.center.scalars, try ref.tensor(c["center_after"]).scalars, atol: 1e-5, rtol: 0)
    }

    func testTeacherTemperatureWarmUpIsTorchLinspaceThenConstant() throws {
        let schedule = LinearWarmupSchedule(start: 0.04, end: 0.07, warmupEpochs: 10, stepsPerEpoch: 5)
        XCTAssertEqual(schedule.value(epoch: 0), 0.04, accuracy: 1e-9)
        XCTAssertEqual(schedule.value(epoch: 3), 0.05, accuracy: 1e-8)      // 0.04 + 0.03·3/9
        XCTAssertEqual(schedule.value(epoch: 9), 0.07, accuracy: 1e-8)
        XCTAssertEqual(schedule.value(epoch: 10), 0.07)
        XCTAssertEqual(schedule.value(epoch: 500), 0.07)
        // Per optimizer step: every step of an epoch has the epoch's value.
        XCTAssertEqual(schedule.value(at: 15, of: 100), schedule.value(epoch: 3))
        XCTAssertEqual(schedule.value(at: 19, of: 100), schedule.value(epoch: 3))
        XCTAssertEqual(LinearWarmupSchedule(start: 0.04, end: 0.07, warmupEpochs: 0, stepsPerEpoch: 1).value(at: 0, of: 1), 0.07)
        XCTAssertEqual(LinearWarmupSchedule(start: 0.04, end: 0.07, warmupEpochs: 1, stepsPerEpoch: 1).value(at: 0, of: 1), 0.04)
    }

    /// The loss written out pair by pair (teacher view i, student view j ≠ i) in Double, and the
    /// gradient against central differences of that reference.
    func testLossIsTheMeanCrossEntropyOverDifferentViewPairsAndItsGradient() throws {
        var rng = RNG(seed: 7)
        let (b, k) = (3, 5)
        let teacher = (0..<2).map { _ in Tensor.normal([b, k], rng: &rng) }
        let student = (0..<3).map { _ in Tensor.normal([b, k], rng: &rng, requiresGrad: true) }
        let tt: Float = 0.04, st: Float = 0.1
        func reference(_ s: [[Float]]) -> Double {
            var total = 0.0, terms = 0
            for i in 0..<2 {
                for j in 0..<3 where i != j {
                    terms += 1
                    for r in 0..<b {
                        let tl = (0..<k).map { Double(teacher[i].scalars[r * k + $0]) / Double(tt) }
                        let tm = tl.max()!, tz = tl.map { Foundation.exp($0 - tm) }.reduce(0, +)
                        let sl = (0..<k).map { Double(s[j][r * k + $0]) / Double(st) }
                        let sm = sl.max()!, lse = sm + Foundation.log(sl.map { Foundation.exp($0 - sm) }.reduce(0, +))
                        for d in 0..<k { total -= Foundation.exp(tl[d] - tm) / tz * (sl[d] - lse) }
                    }
                }
            }
            return total / Double(terms * b)
        }
        let loss = try DINOLoss(outputDim: k, studentTemp: st)
        let value = try loss(teacher: teacher, student: student, teacherTemperature: tt)
        XCTAssertEqual(Double(value.item), reference(student.map(\.scalars)), accuracy: 1e-5)
        try value.backward()
        let h: Float = 1e-2
        for j in 0..<3 {
            for e in [0, 7, 14] {
                var plus = student.map(\.scalars), minus = plus
                plus[j][e] += h; minus[j][e] -= h
                let numeric = (reference(plus) - reference(minus)) / Double(2 * h)
                XCTAssertEqual(Double(student[j].grad!.scalars[e]), numeric, accuracy: 2e-4, "student view \(j) element \(e)")
            }
        }
        // The flat-list protocol form (first `teacherViews` inputs are the teacher's) agrees, at `teacherTemperature`.
        let flat = try DINOLoss(outputDim: k, teacherTemperature: tt, studentTemp: st)
        XCTAssertEqual(try flat(teacher + student.map { $0.detached() }).item, value.item, accuracy: 1e-6)
    }

    func testEntropyStatisticsSeeCollapse() throws {
        let k = 8
        let loss = try DINOLoss(outputDim: k, centerMomentum: 1)
        // Identical teacher rows: the centre (kept at 0 by momentum 1) leaves them as they are.
        let flat = Tensor.zeros([4, k])
        _ = try loss(teacher: [flat, flat], student: [flat, flat], teacherTemperature: 0.04)
        XCTAssertEqual(loss.teacherEntropy, Foundation.log(Double(k)), accuracy: 1e-5)     // uniform
        XCTAssertEqual(loss.teacherMeanEntropy, Foundation.log(Double(k)), accuracy: 1e-5)
        let peaked = Tensor(shape: [4, k]) { b in for i in 0..<(4 * k) { b[i] = i % k == 0 ? 10 : 0 } }
        _ = try loss(teacher: [peaked, peaked], student: [flat, flat], teacherTemperature: 0.04)
        XCTAssertEqual(loss.teacherEntropy, 0, accuracy: 1e-5)                             // one prototype
        XCTAssertEqual(loss.teacherMeanEntropy, 0, accuracy: 1e-5)
    }

    func testRegisteredLossReadsTheMethodSection() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        XCTAssertFalse(registry.names(.loss).contains("dino"), "not part of the kit")
        try SelfDistillation.register(in: registry)
        let section = ConfigSection(path: "method", values: ["head": .map(["output_dim": .int(32)]), "student_temp": .double(0.2)])
        let loss = try XCTUnwrap(try registry.makeLoss("dino", section, BuildContext(registry: registry, seed: 0)) as? DINOLoss)
        XCTAssertEqual(loss.outputDim, 32)
        XCTAssertEqual(loss.studentTemp, 0.2)
        XCTAssertEqual(loss.centerMomentum, 0.9)
        XCTAssertThrowsError(try loss(teacher: [Tensor.zeros([2, 16])], student: [Tensor.zeros([2, 16]), Tensor.zeros([2, 16])], teacherTemperature: 0.04)) {
            XCTAssertTrue("\($0)".contains("output_dim"), "\($0)")
        }
        XCTAssertThrowsError(try loss(teacher: [Tensor.zeros([2, 32])], student: [Tensor.zeros([2, 32])], teacherTemperature: 0.04))   // no pair left
    }
}

/// Reads ../shared/reference/losses.json cases (the same file `ReferenceLossTests` reads).
struct Reference {
    func reference(_ name: String) throws -> [String: Any] {
        let all = try XCTUnwrap(ReferenceLossTests.cases, "../shared/reference/losses.json is missing")
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
}

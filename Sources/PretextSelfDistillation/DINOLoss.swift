import Foundation
import PretextCore
import PretextTensor

/// DINO's self-distillation loss (Caron et al. 2021, "Emerging Properties in Self-Supervised Vision
/// Transformers", arXiv:2104.14294), as Lightly 1.6's `DINOLoss`.
///
/// The teacher's outputs are centred (minus a running centre `center`) and sharpened by a softmax at a
/// low temperature; the student's outputs go through a log-softmax at `studentTemp`. The loss is the
/// cross-entropy −Σ_d p_teacher · log p_student summed over every (teacher view i, student view j)
/// pair with i ≠ j (the same crop is never its own target) and averaged over pairs and images.
/// After the loss the centre moves towards the mean of this batch's (uncentred) teacher outputs:
/// center ← m·center + (1 − m)·mean, as Lightly does inside `forward`.
///
/// Teacher temperature: given per call. It is a scheduled hyper-parameter of the method, not of the
/// loss (DINO's `method.teacher_temp_schedule`, by default `linear-warmup`:
/// `torch.linspace(warmup_teacher_temp, teacher_temp, warmup_teacher_temp_epochs)[epoch]`, then
/// `teacher_temp`). Defaults: student 0.1, centre momentum 0.9 (paper and Lightly); the flat-list call
/// uses `teacherTemperature`, 0.04 unless set (Lightly's constructor default).
///
/// `teacherEntropy` (mean entropy of the teacher's softmax, in nats) and `teacherMeanEntropy` (the
/// entropy of the batch-averaged teacher distribution) of the last call show collapse: both near
/// ln(outputDim) is the uniform collapse the centring can cause, both near 0 is the one-prototype
/// collapse the sharpening can cause; a healthy run has a low per-image and a high batch entropy.
public final class DINOLoss: Loss {
    /// Number of prototypes K (the head's output dimension; the centre's size).
    public let outputDim: Int
    public let studentTemp: Float
    public let centerMomentum: Float
    /// The running centre of the teacher outputs [1, outputDim] (checkpointed through the method).
    public private(set) var center: Tensor
    /// For the protocol's flat input list: how many of the inputs are teacher outputs (the first ones).
    public var teacherViews = 2
    /// For the protocol's flat input list: the teacher temperature.
    public var teacherTemperature: Float
    /// Statistics of the last call (NaN before the first).
    public private(set) var teacherEntropy = Double.nan
    public private(set) var teacherMeanEntropy = Double.nan

    public init(outputDim: Int = 65536, teacherTemperature: Float = 0.04, studentTemp: Float = 0.1, centerMomentum: Float = 0.9) throws {
        guard outputDim > 0, teacherTemperature > 0, studentTemp > 0, (0...1).contains(centerMomentum) else {
            throw TensorError.invalidArgument(op: "dino_loss", detail: "output_dim and temperatures must be positive and the centre momentum in [0, 1] (got output_dim \(outputDim), teacher temperature \(teacherTemperature), student \(studentTemp), momentum \(centerMomentum))")
        }
        self.outputDim = outputDim
        self.teacherTemperature = teacherTemperature
        self.studentTemp = studentTemp
        self.centerMomentum = centerMomentum
        center = Tensor.zeros([1, outputDim])
    }

    /// `inputs` = the first `teacherViews` teacher outputs, then the student outputs, each [B, K], at
    /// `teacherTemperature`.
    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count > teacherViews else {
            throw TensorError.invalidArgument(op: "dino_loss", detail: "expects \(teacherViews) teacher outputs followed by at least one student output, got \(inputs.count) tensors")
        }
        return try self(teacher: Array(inputs.prefix(teacherViews)), student: Array(inputs.dropFirst(teacherViews)),
                        teacherTemperature: teacherTemperature)
    }

    /// The loss for teacher outputs (one [B, K] tensor per global view; no gradient flows into them)
    /// and student outputs (one [B, K] per view, the teacher's views first, in the same order), with the
    /// teacher's softmax at `temperature`. The centre is only read: the method calls
    /// `updateCenter(teacher:)` after the optimizer step.
    public func callAsFunction(teacher: [Tensor], student: [Tensor], teacherTemperature temperature: Float) throws -> Tensor {
        let t = teacher.count, s = student.count
        guard t >= 1, s >= 1, let b = teacher.first?.shape.first else {
            throw TensorError.invalidArgument(op: "dino_loss", detail: "needs at least one teacher and one student output")
        }
        for x in teacher + student where x.shape != [b, outputDim] {
            throw TensorError.invalidArgument(op: "dino_loss", detail: "every output must be [\(b), \(outputDim)] (batch, output_dim), got \(x.shape); is method.head.output_dim the loss's output_dim?")
        }
        let terms = t * s - Swift.min(t, s)
        guard terms > 0 else {
            throw TensorError.invalidArgument(op: "dino_loss", detail: "needs at least two views in total: the pair of a view with itself is skipped, which leaves no term with \(t) teacher and \(s) student view(s)")
        }
        guard temperature > 0 else {
            throw TensorError.invalidArgument(op: "dino_loss", detail: "the teacher temperature must be positive, got \(temperature)")
        }
        let k = outputDim, rows = b * k
        // Teacher targets, without gradient: W_j = Σ_i p_i − p_j (p_j only when view j is also a teacher view),
        // so that Σ_j Σ_{i≠j} p_i·log q_j = Σ_j W_j·log q_j.
        let raw = try noGrad { try Tensor.cat(teacher.map { $0.detached() }, axis: 0) }          // [T·B, K]
        let probs = try noGrad { try ((raw - center) * (1 / temperature)).softmax(axis: -1) }
        let weights = Tensor(shape: [s * b, k]) { w in
            let p = probs.storage.pointer
            let total = UnsafeMutableBufferPointer<Float>.allocate(capacity: rows)
            defer { total.deallocate() }
            total.initialize(repeating: 0)
            for i in 0..<t { for e in 0..<rows { total[e] += p[i * rows + e] } }
            for j in 0..<s {
                let base = j * rows
                if j < t {
                    for e in 0..<rows { w[base + e] = total[e] - p[j * rows + e] }
                } else {
                    for e in 0..<rows { w[base + e] = total[e] }
                }
            }
        }
        recordEntropies(probs, rows: t * b, k: k)
        let logQ = try (Tensor.cat(student, axis: 0) * (1 / studentTemp)).logSoftmax(axis: -1)   // [S·B, K]
        return try (weights * logQ).sum() * (-1 / Float(terms * b))
    }

    /// The centre update from teacher outputs (one [B, K] per view): the batch centre is the mean over
    /// every view and image — of every rank in a data-parallel job (Lightly all-reduces it too).
    public func updateCenter(teacher: [Tensor]) throws {
        let mean = try noGrad { try Tensor.cat(teacher.map { $0.detached() }, axis: 0).mean(axes: [0], keepDims: true).allReducedMean() }
        try updateCenter(batchCenter: mean)
    }

    /// center ← m·center + (1 − m)·batchCenter (`batchCenter` [1, K] or [K]).
    public func updateCenter(batchCenter: Tensor) throws {
        guard batchCenter.count == outputDim else {
            throw TensorError.invalidArgument(op: "dino_loss", detail: "batch centre has \(batchCenter.count) values, expected \(outputDim)")
        }
        let c = center.storage.pointer, m = batchCenter.storage.pointer
        let a = centerMomentum, oneMinus = 1 - centerMomentum
        for i in 0..<outputDim { c[i] = c[i] * a + m[i] * oneMinus }
    }

    /// Restores a saved centre ([1, K] or [K]).
    public func loadCenter(_ value: Tensor) throws {
        guard value.count == outputDim else {
            throw TensorError.invalidArgument(op: "dino_loss", detail: "saved centre has \(value.count) values but output_dim is \(outputDim): was the checkpoint made with another method.head.output_dim?")
        }
        center.assign(value)
    }

    private func recordEntropies(_ probs: Tensor, rows: Int, k: Int) {
        let p = probs.storage.pointer
        var total = 0.0
        var mean = [Double](repeating: 0, count: k)
        for r in 0..<rows {
            var h = 0.0
            let row = p + r * k
            for d in 0..<k {
                let v = Double(row[d])
                mean[d] += v
                if v > 0 { h -= v * Foundation.log(v) }
            }
            total += h
        }
        teacherEntropy = total / Double(Swift.max(rows, 1))
        var hm = 0.0
        for d in 0..<k {
            let v = mean[d] / Double(Swift.max(rows, 1))
            if v > 0 { hm -= v * Foundation.log(v) }
        }
        teacherMeanEntropy = hm
    }
}

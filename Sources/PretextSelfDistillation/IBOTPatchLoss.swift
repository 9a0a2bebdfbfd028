import PretextCore
import PretextTensor

/// iBOT's masked-patch self-distillation loss (Zhou et al. 2022, "iBOT: Image BERT Pre-Training with Online
/// Tokenizer", arXiv:2111.07832), as Lightly 1.6's `IBOTPatchLoss` (after DINOv2's `ibot_patch_loss.py`).
///
/// For each masked patch the teacher's output (computed from the unmasked image) is centred by a running
/// centre of its own and sharpened by a softmax at the teacher temperature; the student's output (from the
/// image with that patch replaced by the mask token) goes through a log-softmax at `studentTemp`. The
/// per-patch cross-entropy −Σ_k p_teacher · log p_student is weighted by 1 / (masked patches of its image)
/// and summed over patches, then divided by the batch size B (every image of the mask, masked or not):
/// each masked image contributes the mean over its masked patches, and images without masked patches
/// count as zero.
///
/// The centre [1, K] follows the mean of the teacher's patch outputs: center ← m·center + (1 − m)·mean.
/// Lightly updates it inside `forward`; here `updateCenter(teacher:)` is called after the optimizer step
/// (the loss only reads it, as `DINOLoss`). Defaults: student temperature 0.1, centre momentum 0.9
/// (Lightly's, the paper's); the teacher temperature is given per call (iBOT warms it up as DINO does).
public final class IBOTPatchLoss: Loss {
    public let outputDim: Int
    public let studentTemp: Float
    public let centerMomentum: Float
    /// The running centre of the teacher's patch outputs [1, outputDim].
    public private(set) var center: Tensor
    /// For the protocol's flat input list `[teacher, student, mask]`: the teacher temperature.
    public var teacherTemperature: Float

    public init(outputDim: Int = 65536, teacherTemperature: Float = 0.04, studentTemp: Float = 0.1, centerMomentum: Float = 0.9) throws {
        guard outputDim > 0, teacherTemperature > 0, studentTemp > 0, (0...1).contains(centerMomentum) else {
            throw TensorError.invalidArgument(op: "ibot_patch_loss", detail: "output_dim and temperatures must be positive and the centre momentum in [0, 1] (got output_dim \(outputDim), teacher temperature \(teacherTemperature), student \(studentTemp), momentum \(centerMomentum))")
        }
        self.outputDim = outputDim
        self.teacherTemperature = teacherTemperature
        self.studentTemp = studentTemp
        self.centerMomentum = centerMomentum
        center = Tensor.zeros([1, outputDim])
    }

    /// `[teacher, student, mask]` at `teacherTemperature`.
    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count == 3 else {
            throw TensorError.invalidArgument(op: "ibot_patch_loss", detail: "expects [teacher outputs, student outputs, mask], got \(inputs.count) tensors")
        }
        return try self(teacher: inputs[0], student: inputs[1], mask: inputs[2], teacherTemperature: teacherTemperature)
    }

    /// teacher, student: [M, K], the outputs of the masked patches in mask order (image by image, patches
    /// ascending: Lightly's `features[mask]`); mask: [B, L] (or [B, H, W]) with M ones. No gradient flows
    /// into the teacher outputs.
    public func callAsFunction(teacher: Tensor, student: Tensor, mask: Tensor, teacherTemperature temperature: Float) throws -> Tensor {
        let m = teacher.shape.first ?? 0
        guard teacher.rank == 2, teacher.shape == student.shape, teacher.shape[1] == outputDim else {
            throw TensorError.invalidArgument(op: "ibot_patch_loss", detail: "teacher and student outputs must both be [masked patches, \(outputDim)], got \(teacher.shape) and \(student.shape)")
        }
        guard mask.rank >= 2, let b = mask.shape.first, b > 0 else {
            throw TensorError.invalidArgument(op: "ibot_patch_loss", detail: "mask must be [B, L] or [B, H, W], got \(mask.shape)")
        }
        guard temperature > 0 else {
            throw TensorError.invalidArgument(op: "ibot_patch_loss", detail: "the teacher temperature must be positive, got \(temperature)")
        }
        let perImage = mask.count / b, flags = mask.scalars
        var weights: [Float] = []
        weights.reserveCapacity(m)
        for i in 0..<b {
            let row = flags[(i * perImage)..<((i + 1) * perImage)]
            let count = row.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            weights += [Float](repeating: 1 / Float(Swift.max(count, 1)), count: count)
        }
        guard weights.count == m else {
            throw TensorError.invalidArgument(op: "ibot_patch_loss", detail: "the mask has \(weights.count) masked patches but there are \(m) outputs")
        }
        let p = try noGrad { try ((teacher.detached() - center) * (1 / temperature)).softmax(axis: -1) }
        let logQ = try (student * (1 / studentTemp)).logSoftmax(axis: -1)
        let w = Tensor(shape: [m, 1], scalars: weights)
        return try (p * logQ * w).sum() * (-1 / Float(b))
    }

    /// center ← m·center + (1 − m)·mean of the teacher's patch outputs [M, K] over the patches (under
    /// mpirun the mean of every rank's mean, as Lightly's `center_mean` all-reduces it).
    public func updateCenter(teacher: Tensor) throws {
        guard teacher.rank == 2, teacher.shape[1] == outputDim, teacher.shape[0] > 0 else {
            throw TensorError.invalidArgument(op: "ibot_patch_loss", detail: "centre update expects [masked patches, \(outputDim)], got \(teacher.shape)")
        }
        let mean = try noGrad { try teacher.detached().mean(axes: [0], keepDims: true).allReducedMean() }
        let c = center.storage.pointer, x = mean.storage.pointer
        for i in 0..<outputDim { c[i] = c[i] * centerMomentum + x[i] * (1 - centerMomentum) }
    }

    /// Restores a saved centre ([1, K] or [K]).
    public func loadCenter(_ value: Tensor) throws {
        guard value.count == outputDim else {
            throw TensorError.invalidArgument(op: "ibot_patch_loss", detail: "saved patch centre has \(value.count) values but output_dim is \(outputDim): was the checkpoint made with another method.head.output_dim?")
        }
        center.assign(value)
    }
}

import PretextTensor
import PretextData

/// What a method's `step` knows about where training is, and where it logs.
public final class StepContext {
    public let epoch: Int
    public let epochs: Int
    /// Global step (0-based) and the total number of steps of the run.
    public let step: Int
    public let totalSteps: Int
    public let stepsPerEpoch: Int
    /// The learning rate in effect for this step.
    public let learningRate: Float
    /// Randomness for this step (derived from the run seed and the step, so resume reproduces it).
    public var rng: RNG

    public init(epoch: Int, epochs: Int, step: Int, totalSteps: Int, stepsPerEpoch: Int, learningRate: Float, rng: RNG) {
        self.epoch = epoch
        self.epochs = epochs
        self.step = step
        self.totalSteps = totalSteps
        self.stepsPerEpoch = stepsPerEpoch
        self.learningRate = learningRate
        self.rng = rng
    }

    /// Training progress in [0, 1].
    public var progress: Double { totalSteps > 0 ? Double(step) / Double(totalSteps) : 0 }
}

/// The result of one training step: the loss to minimise and metrics to log (accuracy, entropy, …).
public struct StepOutput {
    public var loss: Tensor
    public var metrics: [String: Double]
    public init(loss: Tensor, metrics: [String: Double] = [:]) {
        self.loss = loss
        self.metrics = metrics
    }
}

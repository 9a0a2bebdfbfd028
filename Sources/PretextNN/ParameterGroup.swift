import PretextTensor

/// A set of parameters that share optimizer settings: a learning-rate scale (a backbone fine-tuned at
/// 1/10 of the head's rate), a weight decay (none for norms and biases), and whether LARS adapts them.
public struct ParameterGroup {
    public var name: String
    /// Parameters with the keys their optimizer state is saved under.
    public var parameters: [(key: String, tensor: Tensor)]
    /// Multiplies the scheduled learning rate for this group.
    public var learningRateScale: Float
    /// Weight decay for this group; nil means the optimizer's own setting.
    public var weightDecay: Float?
    /// LARS: exclude from the trust-ratio adaptation (biases and norms, as Lightly/SimCLR do).
    public var excludeFromAdaptation: Bool

    public init(name: String, parameters: [(key: String, tensor: Tensor)], learningRateScale: Float = 1,
                weightDecay: Float? = nil, excludeFromAdaptation: Bool = false) {
        self.name = name
        self.parameters = parameters
        self.learningRateScale = learningRateScale
        self.weightDecay = weightDecay
        self.excludeFromAdaptation = excludeFromAdaptation
    }
}

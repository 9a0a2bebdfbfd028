import PretextTensor

/// Layers applied in order, as `torch.nn.Sequential`: children are keyed "0", "1", … (so a
/// `Sequential` held in property `downsample` gives `downsample.0.weight`, and parameter-free layers
/// such as `ReLU` still take their index, as in torch).
public final class Sequential: Module, Layer {
    /// The children, for discovery (keyed by index through the empty key override).
    public let layers: [Module]
    private let calls: [any Layer]

    public init(_ layers: [any Layer]) {
        self.layers = layers.map { $0 as Module }
        self.calls = layers
        super.init()
    }

    public convenience init(_ layers: any Layer...) { self.init(layers) }

    public override var keyOverrides: [String: String] { ["layers": ""] }
    public override var excludedKeys: Set<String> { ["calls"] }

    public var count: Int { calls.count }
    public subscript(_ i: Int) -> any Layer { calls[i] }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var y = x
        for layer in calls { y = try layer(y) }
        return y
    }
}

import PretextTensor

/// The transformer MLP as timm's `Mlp`: `fc1` Linear(dim, hidden) → GELU (exact) → `fc2`
/// Linear(hidden, out); hidden = mlp_ratio · dim (4 in ViTs). Keys `fc1.*`, `fc2.*`.
public final class Mlp: Module, Layer {
    public let fc1: Linear
    public let act: GELU
    public let fc2: Linear
    public let drop: Dropout?

    public init(inFeatures: Int, hiddenFeatures: Int, outFeatures: Int? = nil, drop: Float = 0, initialize: Bool = true, rng: inout RNG) {
        fc1 = Linear(inFeatures, hiddenFeatures, initialize: initialize, rng: &rng)
        act = GELU()
        fc2 = Linear(hiddenFeatures, outFeatures ?? inFeatures, initialize: initialize, rng: &rng)
        self.drop = drop > 0 ? Dropout(p: drop, rng: &rng) : nil
        super.init()
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = try act(fc1(x))
        if let drop { h = try drop(h) }
        let y = try fc2(h)
        return try drop.map { try $0(y) } ?? y
    }
}

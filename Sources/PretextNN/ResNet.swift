import PretextTensor

/// ResNet-18/34/50 (He et al. 2016, arXiv:1512.03385) built exactly as torchvision's `resnet18/34/50`,
/// without the classifier `fc`: the output is the globally average-pooled, flattened feature [N,
/// featureDim]. State-dict keys equal torchvision's (`conv1.weight`, `bn1.*`, `layer1.0.conv1.weight`,
/// `layer4.1.downsample.0.weight`, …), so a Pretext ResNet loads into
/// `torchvision.models.resnet18()` with `strict=False` (only `fc.*` missing), or strictly after
/// `model.fc = nn.Identity()`.
///
/// Options:
/// - `cifarStem`: conv1 is 3×3 stride 1 padding 1 and there is no max-pool (the CIFAR variant used by
///   Lightly's benchmarks and the shared fidelity recipe, `lightly_knn.py`); default is torchvision's
///   7×7 stride-2 conv + 3×3 stride-2 max-pool.
/// - `width`: every stage's channels × `width`, rounded as the fidelity recipe does:
///   `max(8, round(64·width·2^i))` for stage i (Python's round, half to even). Width 0.25 gives
///   16-32-64-128. The stem has the first stage's channels.
///
/// Initialisation as torchvision: every convolution Kaiming-normal with mode fan_out and ReLU gain
/// (std √(2/fan_out)); batch norms weight 1, bias 0; `zeroInitResidual` (torchvision's option, off by
/// default) zeroes the last BN weight of each block. (The fidelity recipe's width-1 model swaps in a
/// fresh PyTorch-default conv1 after this init; its width≠1 models, the ones the fidelity targets use,
/// are initialised like here.)
public final class ResNet: Module, Layer {
    public enum Depth: Int, Sendable, CaseIterable {
        case resnet18 = 18, resnet34 = 34, resnet50 = 50

        /// Blocks per stage.
        public var blocks: [Int] {
            switch self {
            case .resnet18: return [2, 2, 2, 2]
            case .resnet34, .resnet50: return [3, 4, 6, 3]
            }
        }
        public var usesBottleneck: Bool { self == .resnet50 }
    }

    public let conv1: Conv2d
    public let bn1: BatchNorm
    public let layer1: Sequential
    public let layer2: Sequential
    public let layer3: Sequential
    public let layer4: Sequential

    public let depth: Depth
    public let cifarStem: Bool
    public let width: Float
    /// Channels of each stage's blocks (before the bottleneck expansion).
    public let stageChannels: [Int]
    /// Size of the pooled feature: the last stage's output channels (×4 for ResNet-50).
    public let featureDim: Int

    /// Channel counts of the four stages for a width multiplier (see the type's doc comment).
    public static func stageChannels(width: Float) -> [Int] {
        (0..<4).map { i in Swift.max(8, Int((64 * Double(width) * Double(1 << i)).rounded(.toNearestOrEven))) }
    }

    /// `initialize: false` skips the random initialisation (convolutions stay zero, norms 1/0) for a
    /// network whose weights are loaded right after — like timm's `weight_init='skip'`.
    public init(_ depth: Depth, cifarStem: Bool = false, width: Float = 1, zeroInitResidual: Bool = false,
                initialize: Bool = true, rng: inout RNG) {
        precondition(width > 0, "ResNet width multiplier must be positive, got \(width)")
        self.depth = depth
        self.cifarStem = cifarStem
        self.width = width
        let c = ResNet.stageChannels(width: width)
        stageChannels = c
        let expansion = depth.usesBottleneck ? Bottleneck.expansion : BasicBlock.expansion
        conv1 = cifarStem
            ? Conv2d(3, c[0], kernelSize: 3, stride: 1, padding: 1, bias: false, initialize: false, rng: &rng)
            : Conv2d(3, c[0], kernelSize: 7, stride: 2, padding: 3, bias: false, initialize: false, rng: &rng)
        bn1 = BatchNorm(c[0])
        var inChannels = c[0]
        var stages: [Sequential] = []
        for (i, n) in depth.blocks.enumerated() {
            var blocks: [any Layer] = []
            for b in 0..<n {
                let stride = (i > 0 && b == 0) ? 2 : 1
                if depth.usesBottleneck {
                    blocks.append(Bottleneck(inChannels: inChannels, channels: c[i], stride: stride, initialize: false, rng: &rng))
                } else {
                    blocks.append(BasicBlock(inChannels: inChannels, channels: c[i], stride: stride, initialize: false, rng: &rng))
                }
                inChannels = c[i] * expansion
            }
            stages.append(Sequential(blocks))
        }
        layer1 = stages[0]; layer2 = stages[1]; layer3 = stages[2]; layer4 = stages[3]
        featureDim = inChannels
        super.init()
        // torchvision's ResNet.__init__ initialisation loop.
        for (_, m) in namedModules() where initialize {
            if let conv = m as? Conv2d {
                Init.kaimingNormal(conv.weight, mode: .fanOut, rng: &rng)
            } else if let bn = m as? BatchNorm {
                if let w = bn.weight { Init.ones(w) }
                if let b = bn.bias { Init.zeros(b) }
            }
        }
        if zeroInitResidual {
            for (_, m) in namedModules() {
                if let b = m as? BasicBlock, let w = b.lastNorm.weight { Init.zeros(w) }
                if let b = m as? Bottleneck, let w = b.lastNorm.weight { Init.zeros(w) }
            }
        }
    }

    /// Short name for exported weights: "resnet18", "resnet18-cifar", "resnet18-cifar-w0.25".
    public var architecture: String {
        var s = "resnet\(depth.rawValue)"
        if cifarStem { s += "-cifar" }
        if width != 1 { s += "-w\(width)" }
        return s
    }

    /// The feature map after `layer4` [N, featureDim, h, w] (before pooling).
    public func featureMap(_ images: Tensor) throws -> Tensor {
        guard images.rank == 4, images.shape[1] == 3 else {
            throw TensorError.invalidArgument(op: "resnet", detail: "expects images [N, 3, H, W], got \(images.shape)")
        }
        var x = try bn1(conv1(images)).relu()
        if !cifarStem { x = try x.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        x = try layer1(x)
        x = try layer2(x)
        x = try layer3(x)
        return try layer4(x)
    }

    /// Pooled features [N, featureDim] (torchvision's forward up to `flatten`, i.e. with `fc = Identity`).
    public func callAsFunction(_ images: Tensor) throws -> Tensor {
        let x = try featureMap(images)
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        return try x.reshaped([n, c, h * w]).mean(axes: [2])
    }
}

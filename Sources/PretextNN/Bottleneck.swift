import PretextTensor

/// torchvision's `Bottleneck` (ResNet-50; "ResNet v1.5": the stride sits on the 3×3 conv): 1×1 reduce
/// → 3×3 (stride) → 1×1 expand ×4, each with batch norm, ReLU after the first two and after the sum;
/// `downsample` (keys `downsample.0` / `downsample.1`) when the stride or channel count changes.
public final class Bottleneck: Module, Layer {
    public static let expansion = 4
    public let conv1: Conv2d
    public let bn1: BatchNorm
    public let conv2: Conv2d
    public let bn2: BatchNorm
    public let conv3: Conv2d
    public let bn3: BatchNorm
    public let downsample: Sequential?

    /// `initialize: false` skips PyTorch's default conv init (the ResNet re-initialises every conv).
    public init(inChannels: Int, channels: Int, stride: Int, initialize: Bool = true, rng: inout RNG) {
        let out = channels * Bottleneck.expansion
        conv1 = Conv2d(inChannels, channels, kernelSize: 1, bias: false, initialize: initialize, rng: &rng)
        bn1 = BatchNorm(channels)
        conv2 = Conv2d(channels, channels, kernelSize: 3, stride: stride, padding: 1, bias: false, initialize: initialize, rng: &rng)
        bn2 = BatchNorm(channels)
        conv3 = Conv2d(channels, out, kernelSize: 1, bias: false, initialize: initialize, rng: &rng)
        bn3 = BatchNorm(out)
        if stride != 1 || inChannels != out {
            downsample = Sequential(Conv2d(inChannels, out, kernelSize: 1, stride: stride, bias: false, initialize: initialize, rng: &rng),
                                    BatchNorm(out))
        } else {
            downsample = nil
        }
        super.init()
    }

    var lastNorm: BatchNorm { bn3 }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var y = try bn1(conv1(x)).relu()
        y = try bn2(conv2(y)).relu()
        y = try bn3(conv3(y))
        let identity = try downsample.map { try $0(x) } ?? x
        return try (y + identity).relu()
    }
}

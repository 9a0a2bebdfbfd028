import PretextTensor

/// torchvision's `BasicBlock` (ResNet-18/34; He et al. 2016, arXiv:1512.03385): two 3×3 convolutions
/// (the first carries the stride) with batch norm, ReLU after the first and after the residual sum.
/// `downsample` (1×1 conv with the stride + BN, keys `downsample.0` / `downsample.1`) exists when the
/// stride is not 1 or the channels change, as torchvision builds it.
public final class BasicBlock: Module, Layer {
    public static let expansion = 1
    public let conv1: Conv2d
    public let bn1: BatchNorm
    public let conv2: Conv2d
    public let bn2: BatchNorm
    public let downsample: Sequential?

    /// `initialize: false` skips PyTorch's default conv init (the ResNet re-initialises every conv).
    public init(inChannels: Int, channels: Int, stride: Int, initialize: Bool = true, rng: inout RNG) {
        conv1 = Conv2d(inChannels, channels, kernelSize: 3, stride: stride, padding: 1, bias: false, initialize: initialize, rng: &rng)
        bn1 = BatchNorm(channels)
        conv2 = Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false, initialize: initialize, rng: &rng)
        bn2 = BatchNorm(channels)
        if stride != 1 || inChannels != channels {
            downsample = Sequential(Conv2d(inChannels, channels, kernelSize: 1, stride: stride, bias: false, initialize: initialize, rng: &rng),
                                    BatchNorm(channels))
        } else {
            downsample = nil
        }
        super.init()
    }

    /// The norm whose weight `zeroInitResidual` zeroes (torchvision's option).
    var lastNorm: BatchNorm { bn2 }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let y = try bn2(conv2(bn1(conv1(x)).relu()))
        let identity = try downsample.map { try $0(x) } ?? x
        return try (y + identity).relu()
    }
}

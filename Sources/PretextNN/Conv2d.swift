import PretextTensor

/// 2-D convolution over NCHW, as `torch.nn.Conv2d`: weight [out, in/groups, kh, kw], optional bias;
/// keys `weight`, `bias`. PyTorch's default init (kaiming_uniform a=√5, bias U(±1/√fan_in)); ResNet
/// re-initialises its convolutions with Kaiming-normal fan_out as torchvision does.
public final class Conv2d: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, initialize: Bool = true, rng: inout RNG) {
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: channels \(inChannels)→\(outChannels) must be divisible by groups \(groups)")
        weight = Init.parameter([outChannels, inChannels / groups, kernelSize, kernelSize])
        self.bias = bias ? Init.parameter([outChannels]) : nil
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        self.dilation = (dilation, dilation)
        self.groups = groups
        super.init()
        if initialize { Init.pytorchDefault(weight: weight, bias: self.bias, rng: &rng) }   // false: zeros, see Linear
    }

    public var inChannels: Int { weight.shape[1] * groups }
    public var outChannels: Int { weight.shape[0] }
    public var kernelSize: (Int, Int) { (weight.shape[2], weight.shape[3]) }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

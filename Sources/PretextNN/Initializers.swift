import Foundation
import PretextTensor

/// Weight initialisation in place, from the seeded `RNG`, with the formulas of `torch.nn.init` (and
/// timm's `trunc_normal_` / `lecun_normal_`). The random streams differ from PyTorch's, the
/// distributions are the same. Layers call these in their initialisers; networks re-initialise their
/// sub-modules afterwards exactly where torchvision/timm do (e.g. `ResNet`, `VisionTransformer`).
///
/// Fans follow `torch.nn.init._calculate_fan_in_and_fan_out`: for a weight [out, in, k…],
/// fan_in = in·∏k and fan_out = out·∏k.
public enum Init {
    /// Which fan scales a Kaiming initialisation (`mode=` in PyTorch).
    public enum FanMode: Sendable { case fanIn, fanOut }

    /// (fan_in, fan_out) of a weight shape (at least 2-D).
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "fan in/out needs a weight of rank >= 2, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// The gain of `torch.nn.init.calculate_gain` for leaky ReLU with slope `a` (a = 0: ReLU, √2).
    public static func leakyReLUGain(_ a: Float) -> Float { (2 / (1 + a * a)).squareRoot() }

    /// Fills with `value`.
    public static func constant(_ t: Tensor, _ value: Float) {
        t.storage.pointer.update(repeating: value, count: t.count)
    }

    public static func zeros(_ t: Tensor) { constant(t, 0) }
    public static func ones(_ t: Tensor) { constant(t, 1) }

    /// U(lo, hi).
    public static func uniform(_ t: Tensor, _ lo: Float, _ hi: Float, rng: inout RNG) {
        let p = t.storage.pointer
        for i in 0..<t.count { p[i] = rng.uniform(lo, hi) }
    }

    /// N(mean, std²).
    public static func normal(_ t: Tensor, mean: Float = 0, std: Float, rng: inout RNG) {
        let p = t.storage.pointer
        var gen = NormalPairs()
        for i in 0..<t.count { p[i] = mean + std * gen.next(&rng) }
    }

    /// Standard normals by Box–Muller, using both values of each pair (half the draws of
    /// `RNG.normal()`, which matters for the 10⁷–10⁸ weights of a ResNet-50 or ViT-B).
    struct NormalPairs {
        private var spare: Float?
        mutating func next(_ rng: inout RNG) -> Float {
            if let s = spare { spare = nil; return s }
            var u1 = rng.uniformDouble()
            while u1 <= 1e-300 { u1 = rng.uniformDouble() }
            let u2 = rng.uniformDouble()
            let r = (-2 * Foundation.log(u1)).squareRoot(), a = 2 * Double.pi * u2
            spare = Float(r * Foundation.sin(a))
            return Float(r * Foundation.cos(a))
        }
    }

    /// N(mean, std²) truncated to [a, b] (absolute bounds, as `torch.nn.init.trunc_normal_` and timm's
    /// `trunc_normal_`; the default ±2 is ±100σ at std 0.02, so in practice a plain normal). Sampled by
    /// rejection, which has exactly the truncated distribution.
    public static func truncNormal(_ t: Tensor, mean: Float = 0, std: Float, a: Float = -2, b: Float = 2, rng: inout RNG) {
        precondition(a < b, "trunc_normal: empty interval [\(a), \(b)]")
        let p = t.storage.pointer
        var gen = NormalPairs()
        for i in 0..<t.count {
            var v = mean + std * gen.next(&rng)
            var tries = 0
            while v < a || v > b {
                tries += 1
                if tries > 1000 { v = Swift.min(Swift.max(v, a), b); break }   // interval far in a tail
                v = mean + std * gen.next(&rng)
            }
            p[i] = v
        }
    }

    /// Kaiming (He et al. 2015, arXiv:1502.01852) normal: std = gain / √fan, gain = √(2 / (1 + a²)).
    /// torchvision's ResNet uses mode fan_out with ReLU (a = 0).
    public static func kaimingNormal(_ t: Tensor, a: Float = 0, mode: FanMode = .fanIn, rng: inout RNG) {
        let f = fans(t.shape)
        let fan = Float(mode == .fanIn ? f.fanIn : f.fanOut)
        normal(t, std: leakyReLUGain(a) / fan.squareRoot(), rng: &rng)
    }

    /// Kaiming uniform: bound = gain · √(3 / fan). With a = √5 (PyTorch's default for Linear and Conv
    /// weights) the bound is 1/√fan_in.
    public static func kaimingUniform(_ t: Tensor, a: Float = Float(5).squareRoot(), mode: FanMode = .fanIn, rng: inout RNG) {
        let f = fans(t.shape)
        let fan = Float(mode == .fanIn ? f.fanIn : f.fanOut)
        let bound = leakyReLUGain(a) * (3 / fan).squareRoot()
        uniform(t, -bound, bound, rng: &rng)
    }

    /// Xavier/Glorot uniform (Glorot & Bengio 2010): bound = gain · √(6 / (fan_in + fan_out)).
    public static func xavierUniform(_ t: Tensor, gain: Float = 1, rng: inout RNG) {
        let f = fans(t.shape)
        let bound = gain * (6 / Float(f.fanIn + f.fanOut)).squareRoot()
        uniform(t, -bound, bound, rng: &rng)
    }

    /// LeCun normal as timm's `lecun_normal_` (variance scaling 1/fan_in, truncated normal at ±2σ with
    /// the std corrected by 0.8796 for the truncation): the JAX ViT's patch-embedding init.
    public static func lecunNormal(_ t: Tensor, rng: inout RNG) {
        let std = (1 / Float(fans(t.shape).fanIn)).squareRoot() / 0.879_625_66
        truncNormal(t, std: std, a: -2 * std, b: 2 * std, rng: &rng)
    }

    /// PyTorch's default initialisation of `nn.Linear` / `nn.Conv2d` (`reset_parameters`): weight
    /// kaiming_uniform(a = √5), i.e. U(±1/√fan_in), and bias U(±1/√fan_in).
    public static func pytorchDefault(weight: Tensor, bias: Tensor?, rng: inout RNG) {
        kaimingUniform(weight, rng: &rng)
        if let bias {
            let fanIn = fans(weight.shape).fanIn
            let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
            uniform(bias, -bound, bound, rng: &rng)
        }
    }

    /// A parameter tensor (requires a gradient) of zeros, to be filled by one of the functions above.
    public static func parameter(_ shape: [Int]) -> Tensor {
        Tensor.zeros(shape, requiresGrad: true)
    }
}

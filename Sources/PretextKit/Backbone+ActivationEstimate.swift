import Foundation
import PretextCore
import PretextNN

extension ResNet {
    /// Per convolution, the tensors autograd keeps at its output size: the convolution's output, the
    /// batch-norm output and the ReLU output (the input is the previous layer's); a block adds its sum.
    /// Basic blocks: 2 convolutions at the stage width; bottlenecks: two at the width, one at 4× it.
    public func activationFloats(side: Int) -> Double {
        var s = Double(side)
        var total = 0.0
        if cifarStem {
            total += 3 * Double(stageChannels[0]) * s * s
        } else {
            s = (s / 2).rounded(.up)
            total += 4 * Double(stageChannels[0]) * s * s           // conv, bn, relu, and the max-pool's input
            s = (s / 2).rounded(.up)
        }
        for (stage, blocks) in depth.blocks.enumerated() {
            if stage > 0 { s = (s / 2).rounded(.up) }
            let c = Double(stageChannels[stage])
            let perBlock = depth.usesBottleneck ? 3 * (c + c + 4 * c) + 4 * c : 3 * (c + c) + c
            total += Double(blocks) * perBlock * s * s
        }
        return total
    }
}

extension VisionTransformer {
    /// Per block with T tokens of width D and H heads: layer norms, q/k/v and their per-head copies,
    /// attention output and projection, the MLP's 4D hidden before and after GELU, residual sums, plus
    /// the attention scores before and after softmax — about 36·T·D + 4·H·T² floats as measured on the
    /// live graph (which includes the buffer pool's power-of-two rounding), see ActivationEstimateTests.
    public func activationFloats(side: Int) -> Double {
        let grid = Double(side / Swift.max(1, patchSize))
        let t = grid * grid + 1, d = Double(dim), h = Double(heads)
        return Double(depth) * (36 * t * d + 4 * h * t * t) + 2 * t * d
    }
}

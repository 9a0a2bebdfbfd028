import Foundation
import PretextKit
import PretextNN
import PretextTensor

/// Whole training steps on pre-made random tensors, the same cases as ../shared/peer/bench_peer.py
/// (B1 SimCLR, B2 MoCo v2, B5 rotation): full-width ResNet-18 with the CIFAR stem, 32 px, batch 128.
/// Each returns the median seconds per step (2 warm-up steps, 5 timed), as the PyTorch script does.
enum TrainingSteps {
    static func resnet18Cifar(_ rng: inout RNG) -> ResNet { ResNet(.resnet18, cifarStem: true, width: 1, rng: &rng) }

    static func randomImages(_ n: Int, seed: UInt64) -> Tensor {
        var r = RNG(seed: seed)
        return Tensor.normal([n, 3, 32, 32], rng: &r)
    }

    static func parameters(_ modules: [Module]) -> [ParameterGroup] {
        [ParameterGroup(name: "all", parameters: modules.enumerated().flatMap { i, m in
            m.namedParameters().filter { $0.tensor.requiresGrad }.map { ("\(i).\($0.key)", $0.tensor) } })]
    }

    /// B1: SimCLR, SimCLRProjectionHead(512, 2048, 128), NT-Xent 0.5, SGD.
    static func simclr(batch: Int = 128) throws -> Double {
        var rng = RNG(seed: 0)
        let bb = resnet18Cifar(&rng), head = ProjectionHead.simclr(inDim: 512, hiddenDim: 2048, outDim: 128, rng: &rng)
        let loss = NTXentLoss(temperature: 0.5)
        let opt = try SGD(groups: parameters([bb, head]), momentum: 0.9, weightDecay: 5e-4)
        let x0 = randomImages(batch, seed: 1), x1 = randomImages(batch, seed: 2)
        return try median {
            let l = try loss([head(bb(x0)), head(bb(x1))])
            opt.zeroGrad()
            try l.backward()
            try opt.step(learningRate: 0.06)
        }
    }

    /// B2: MoCo v2, MoCoProjectionHead(512, 2048, 128), momentum copies, NT-Xent 0.1 with a 4096 queue.
    static func moco(batch: Int = 128) throws -> Double {
        var rng = RNG(seed: 0)
        let bb = resnet18Cifar(&rng), head = ProjectionHead.mocoV2(inDim: 512, hiddenDim: 2048, outDim: 128, rng: &rng)
        let bbm = resnet18Cifar(&rng), headm = ProjectionHead.mocoV2(inDim: 512, hiddenDim: 2048, outDim: 128, rng: &rng)
        try EMA.copy(into: bbm, from: bb)
        try EMA.copy(into: headm, from: head)
        let loss = NTXentLoss(temperature: 0.1, memoryBank: MemoryBank(size: 4096, dim: 128, rng: &rng))
        let opt = try SGD(groups: parameters([bb, head]), momentum: 0.9, weightDecay: 5e-4)
        let xq = randomImages(batch, seed: 1), xk = randomImages(batch, seed: 2)
        return try median {
            try EMA.update(target: bbm, online: bb, momentum: 0.99)
            try EMA.update(target: headm, online: head, momentum: 0.99)
            let q = try head(bb(xq))
            let k = try noGrad { try headm(bbm(xk)) }
            let l = try loss([q, k])
            opt.zeroGrad()
            try l.backward()
            try opt.step(learningRate: 0.06)
            try loss.memoryBank!.enqueue(k)     // the method's afterStep
        }
    }

    /// B5: rotation, Linear(512, 4) on the 4·B rotated copies.
    static func rotation(batch: Int = 128) throws -> Double {
        var rng = RNG(seed: 0)
        let bb = resnet18Cifar(&rng), clf = Linear(512, 4, rng: &rng)
        let opt = try SGD(groups: parameters([bb, clf]), momentum: 0.9, weightDecay: 0)
        let x = randomImages(batch, seed: 1)
        let labels = (0..<4).flatMap { [Int](repeating: $0, count: batch) }
        return try median {
            let views = try Tensor.cat((0..<4).map { try rot90(x, $0) }, axis: 0)
            let l = try clf(bb(views)).crossEntropy(labels: labels)
            opt.zeroGrad()
            try l.backward()
            try opt.step(learningRate: 0.1)
        }
    }

    /// torch.rot90(x, k, (2, 3)) for square images.
    static func rot90(_ x: Tensor, _ k: Int) throws -> Tensor {
        switch k % 4 {
        case 0: return x
        case 1: return try flipH(x.transposed(2, 3))          // counter-clockwise
        case 2: return try flipH(flipV(x))
        default: return try flipV(x.transposed(2, 3))
        }
    }
    static func flipH(_ x: Tensor) throws -> Tensor { try x.indexSelect(axis: 3, indices: Array((0..<x.shape[3]).reversed())) }
    static func flipV(_ x: Tensor) throws -> Tensor { try x.indexSelect(axis: 2, indices: Array((0..<x.shape[2]).reversed())) }

    static func median(warmups: Int = 2, runs: Int = 5, _ body: () throws -> Void) throws -> Double {
        for _ in 0..<warmups { try body() }
        var times: [Double] = []
        for _ in 0..<runs {
            let t0 = Date()
            try body()
            times.append(Date().timeIntervalSince(t0))
        }
        return times.sorted()[times.count / 2]
    }
}

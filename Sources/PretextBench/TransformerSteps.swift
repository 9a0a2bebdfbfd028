import Foundation
import PretextKit
import PretextMaskedModeling
import PretextNN
import PretextSelfDistillation
import PretextTensor

/// Whole training steps of the transformer methods on pre-made random tensors, the same cases as
/// ../shared/peer/bench_peer.py (B3 DINO, B4 MAE): ViT-S/16, timm's layout, built from the same kit
/// parts the DINO and MAE plugins use. Each returns the median seconds per step after 1 warm-up step,
/// over 3 timed steps, as the PyTorch script does for these two cases.
///
/// main.swift: `("B3", "dino vit-s/16 2x224+6x96 bs8 out65536", <torch s>, { try TransformerSteps.dino() })`,
///             `("B4", "mae vit-s/16 224 mask0.75 dec256x4 bs16", <torch s>, { try TransformerSteps.mae() })`.
enum TransformerSteps {
    static func images(_ n: Int, _ size: Int, seed: UInt64) -> Tensor {
        var r = RNG(seed: seed)
        return Tensor.normal([n, 3, size, size], rng: &r)
    }

    static func trainable(_ modules: [Module]) -> [ParameterGroup] {
        [ParameterGroup(name: "all", parameters: modules.enumerated().flatMap { i, m in
            m.namedParameters().filter { $0.tensor.requiresGrad }.map { ("\(i).\($0.key)", $0.tensor) } })]
    }

    /// B3: DINO. Student and teacher = ViT-S/16 + DINOProjectionHead(384, 2048, 256, 65536); the teacher
    /// a copy, EMA 0.996 before each step; 2 global crops 224 px (teacher and student) and 6 local crops
    /// 96 px (student), batch 8; DINOLoss(65536) at epoch 0 (teacher temperature 0.04); AdamW lr 5e-4,
    /// weight decay 0.04 over every student parameter. Same-size crops run as one batch (as the plugin
    /// does for batch-norm-free networks; the outputs are identical to one pass per crop).
    static func dino(batch: Int = 8, localViews: Int = 6) throws -> Double {
        var rng = RNG(seed: 0)
        let student = VisionTransformer(.small, rng: &rng)
        let head = DINOHead(inputDim: 384, hiddenDim: 2048, bottleneckDim: 256, outputDim: 65536, freezeLastLayer: 1, rng: &rng)
        let teacher = VisionTransformer(.small, initialize: false, rng: &rng)
        let teacherHead = DINOHead(inputDim: 384, hiddenDim: 2048, bottleneckDim: 256, outputDim: 65536, truncNormalInit: false, rng: &rng)
        try EMA.copy(into: teacher, from: student)
        try EMA.copy(into: teacherHead, from: head)
        let loss = try DINOLoss(outputDim: 65536)
        let opt = try AdamW(groups: trainable([student, head]), weightDecay: 0.04)
        let globals = (0..<2).map { images(batch, 224, seed: 10 + UInt64($0)) }
        let locals = (0..<localViews).map { images(batch, 96, seed: 20 + UInt64($0)) }
        return try median(warmups: 1, runs: 3) {
            try EMA.update(target: teacher, online: student, momentum: 0.996)
            try EMA.update(target: teacherHead, online: head, momentum: 0.996)
            let t = try noGrad { try MultiCrop.apply(globals, concatenate: true) { try teacherHead(teacher($0)) } }
            let s = try MultiCrop.apply(globals + locals, concatenate: true) { try head(student($0)) }
            let l = try loss(teacher: t, student: s, teacherTemperature: 0.04)
            opt.zeroGrad()
            try l.backward()
            try opt.step(learningRate: 5e-4)
        }
    }

    /// B4: MAE. ViT-S/16 encoder as Lightly's MaskedVisionTransformerTIMM (MAE init, fixed sine-cosine
    /// position embedding), MAEDecoderTIMM(196 patches, 16 px, 384 → 256, depth 4, 8 heads); 224 px,
    /// batch 16, mask ratio 0.75 (49 of 196 patches visible); pixel MSE on the masked patches; AdamW
    /// lr 1.5e-4, weight decay 0.05 over encoder + decoder.
    static func mae(batch: Int = 16, maskRatio: Double = 0.75) throws -> Double {
        var rng = RNG(seed: 0)
        let vit = VisionTransformer(.small, rng: &rng)
        MaskedAutoencoder.initializeEncoder(vit, rng: &rng)
        MaskedAutoencoder.fixSinCosPositionEmbedding(vit)
        let decoder = MAEDecoder(numPatches: 196, patchSize: 16, embedDim: 384, decoderDim: 256, depth: 4, heads: 8, rng: &rng)
        let model = try MaskedAutoencoder(encoder: vit, decoder: decoder, maskRatio: maskRatio)
        let loss = MAELoss(normPixLoss: false)
        let opt = try AdamW(groups: trainable([vit, decoder]), weightDecay: 0.05)
        let x = images(batch, 224, seed: 1)
        var maskRNG = RNG(seed: 2)
        return try median(warmups: 1, runs: 3) {
            let (keep, masked) = model.randomMasks(batch: batch, rng: &maskRNG)
            let pred = try model.predictMasked(x, keep: keep, masked: masked)
            let l = try loss([pred, model.targets(x, masked: masked)])
            opt.zeroGrad()
            try l.backward()
            try opt.step(learningRate: 1.5e-4)
        }
    }

    static func median(warmups: Int, runs: Int, _ body: () throws -> Void) throws -> Double {
        for _ in 0..<warmups { try body() }
        var times: [Double] = []
        for _ in 0..<runs {
            let t0 = Date()
            try body()
            times.append(Date().timeIntervalSince(t0))
        }
        // PRETEXT_BENCH_STEPS=1: every timed step on stderr, to tell a slow process from a slow step.
        if ProcessInfo.processInfo.environment["PRETEXT_BENCH_STEPS"] == "1" {
            FileHandle.standardError.write(Data("steps (ms): \(times.map { String(Int($0 * 1000)) }.joined(separator: " "))\n".utf8))
        }
        return times.sorted()[times.count / 2]
    }
}

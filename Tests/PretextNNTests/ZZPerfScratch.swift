import XCTest
import Foundation
import PretextTensor
@testable import PretextNN

final class ZZPerfScratch: XCTestCase {
    func fusedAttention(_ a: Attention, _ x: Tensor) throws -> Tensor {
        let n = x.shape[0], l = x.shape[1], d = x.shape[2], heads = a.heads, headDim = a.headDim
        let qkv = try a.qkv(x).reshaped([n, l, 3, heads, headDim]).permuted([2, 0, 3, 1, 4])
        let q = try qkv.narrowed(axis: 0, start: 0, length: 1).reshaped([n, heads, l, headDim]) * a.scale
        let kT = try qkv.narrowed(axis: 0, start: 1, length: 1).reshaped([n, heads, l, headDim]).transposed(-2, -1)
        let v = try qkv.narrowed(axis: 0, start: 2, length: 1).reshaped([n, heads, l, headDim])
        let attn = try q.matmul(kT).softmax(axis: -1)
        let y = try attn.matmul(v).permuted([0, 2, 1, 3]).reshaped([n, l, d])
        return try a.proj(y)
    }
    func time(_ label: String, _ reps: Int = 5, _ body: () throws -> Void) rethrows {
        try body()
        let t0 = Date()
        for _ in 0..<reps { try body() }
        print(String(format: "[perf] %@: %.1f ms", label, Date().timeIntervalSince(t0) * 1000 / Double(reps)))
    }
    func testPerf() throws {
        var rng = RNG(seed: 1)
        let a = Attention(dim: 192, heads: 3, rng: &rng)
        let x = Tensor.normal([128, 65, 192], rng: &rng, requiresGrad: true)
        try time("attn split fwd") { _ = try noGrad { try a(x) } }
        try time("attn fused fwd") { _ = try noGrad { try fusedAttention(a, x) } }
        try time("attn split fwd+bwd") { try a(x).sum().backward() }
        try time("attn fused fwd+bwd") { try fusedAttention(a, x).sum().backward() }
        let vit = VisionTransformer(.tiny, patchSize: 4, imageSize: 32, rng: &rng)
        let img = Tensor.normal([128, 3, 32, 32], rng: &rng)
        try time("vit-t/4 b128 fwd", 2) { _ = try noGrad { try vit(img) } }
        try time("vit-t/4 b128 fwd+bwd", 2) { try vit(img).sum().backward() }
        let r = ResNet(.resnet18, cifarStem: true, width: 0.25, rng: &rng)
        try time("resnet18-w0.25 b128 fwd+bwd", 2) { try r(img).sum().backward() }
        let r1 = ResNet(.resnet18, rng: &rng)
        let big = Tensor.normal([16, 3, 224, 224], rng: &rng)
        try time("resnet18 b16 224 eval fwd", 2) { r1.eval(); _ = try noGrad { try r1(big) } }
        let vs = VisionTransformer(.small, rng: &rng)
        try time("vit-s/16 b16 224 eval fwd", 2) { vs.eval(); _ = try noGrad { try vs(big) } }
    }
}

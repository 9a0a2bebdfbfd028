/// A float32 tensor: a shape over contiguous row-major storage, plus what autograd needs.
///
/// Tensors are reference types because the autograd tape links them. Every tensor is contiguous; a
/// `reshaped` tensor shares storage (a free view), while `permuted`/`transposed` copy through kernels.
/// Ops record a backward closure on their result when grad mode is on and an input requires a gradient
/// (see `Tensor+Autograd.swift`).
public final class Tensor {
    public let shape: [Int]
    public let storage: Storage
    /// Whether gradients flow to this tensor; leaves with it set receive `grad` on `backward()`.
    public var requiresGrad: Bool
    /// The accumulated gradient of a leaf (summed over `backward()` calls until `zeroGrad()`).
    public var grad: Tensor?
    /// How this tensor was computed, when it is part of an autograd graph.
    var gradNode: GradNode?
    /// Set when an op produced this tensor (so it is not a leaf even after its tape is freed).
    var wasRecorded = false

    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// A tensor over existing storage (which must hold `shape`'s product of elements).
    public init(shape: [Int], storage: Storage, requiresGrad: Bool = false) {
        precondition(shape.reduce(1, *) == storage.count, "storage holds \(storage.count) floats, shape \(shape) needs \(shape.reduce(1, *))")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// An uninitialised tensor (kernels fill it).
    public convenience init(uninitialized shape: [Int]) {
        self.init(shape: shape, storage: Storage(count: shape.reduce(1, *)))
    }

    /// A tensor of `shape` filled by `body`, which receives the buffer to write.
    public convenience init(shape: [Int], requiresGrad: Bool = false,
                            _ body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        let s = Storage(count: shape.reduce(1, *))
        try body(s.buffer)
        self.init(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// A tensor holding `scalars` in row-major order.
    public convenience init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
        precondition(shape.reduce(1, *) == scalars.count, "\(scalars.count) scalars for shape \(shape)")
        self.init(shape: shape, requiresGrad: requiresGrad) { buf in
            _ = buf.initialize(from: scalars)
        }
    }

    /// A 1-D tensor.
    public convenience init(_ scalars: [Float], requiresGrad: Bool = false) {
        self.init(shape: [scalars.count], scalars: scalars, requiresGrad: requiresGrad)
    }

    /// A scalar (rank-0) tensor.
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init(shape: [], scalars: [scalar], requiresGrad: requiresGrad)
    }

    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 0, requiresGrad: requiresGrad)
    }

    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, requiresGrad: requiresGrad)
    }

    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: Storage(count: shape.reduce(1, *), repeating: value), requiresGrad: requiresGrad)
    }

    /// Uniform in [lo, hi), drawn in row-major order from `rng`.
    public static func uniform(_ shape: [Int], _ lo: Float = 0, _ hi: Float = 1, rng: inout RNG,
                               requiresGrad: Bool = false) -> Tensor {
        let n = shape.reduce(1, *)
        let s = Storage(count: n)
        for i in 0..<n { s.pointer[i] = rng.uniform(lo, hi) }
        return Tensor(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// Normal with the given mean and standard deviation, drawn in row-major order from `rng`.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RNG,
                              requiresGrad: Bool = false) -> Tensor {
        let n = shape.reduce(1, *)
        let s = Storage(count: n)
        for i in 0..<n { s.pointer[i] = mean + std * rng.normal() }
        return Tensor(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// 1 with probability `p`, else 0.
    public static func bernoulli(_ shape: [Int], p: Float, rng: inout RNG) -> Tensor {
        let n = shape.reduce(1, *)
        let s = Storage(count: n)
        for i in 0..<n { s.pointer[i] = rng.bernoulli(p) ? 1 : 0 }
        return Tensor(shape: shape, storage: s)
    }

    /// 0, 1, …, n-1 as floats.
    public static func arange(_ n: Int) -> Tensor {
        Tensor(shape: [n]) { b in for i in 0..<n { b[i] = Float(i) } }
    }

    /// The elements in row-major order.
    public var scalars: [Float] { Array(storage.buffer) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, this one has shape \(shape)")
        return storage.pointer[0]
    }

    /// Element at a multi-index (slow; for tests and debugging).
    public subscript(_ index: Int...) -> Float {
        var flat = 0
        for (d, i) in index.enumerated() { flat = flat * shape[d] + i }
        return storage.pointer[flat]
    }

    /// Row-major strides of the shape.
    public var strides: [Int] { Tensor.contiguousStrides(shape) }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            s[d] = acc
            acc *= shape[d]
        }
        return s
    }

    /// A new tensor with a copy of the data, outside any graph.
    public func copy() -> Tensor {
        let s = Storage(count: count)
        s.pointer.update(from: storage.pointer, count: count)
        return Tensor(shape: shape, storage: s)
    }

    /// Copies `other`'s values into this tensor's storage in place (shapes must hold the same count).
    /// Used by optimizers, EMA updates and weight loading; not recorded by autograd.
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "assign: \(other.shape) into \(shape)")
        storage.pointer.update(from: other.storage.pointer, count: count)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Broadcasting arithmetic. Each op states its forward kernel and its gradient; gradients of a
/// broadcast input are summed back to that input's shape.
extension Tensor {
    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try ElementwiseKernels.zip(a, b, AddOp(), name: "add")
        return record(out, "add", [a, b]) { g in
            [try g.sumToShape(a.shape), try g.sumToShape(b.shape)]
        }
    }

    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try ElementwiseKernels.zip(a, b, SubOp(), name: "sub")
        return record(out, "sub", [a, b]) { g in
            [try g.sumToShape(a.shape), b.requiresGrad ? try (-g).sumToShape(b.shape) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try ElementwiseKernels.zip(a, b, MulOp(), name: "mul")
        return record(out, "mul", [a, b]) { g in
            [a.requiresGrad ? try (g * b).sumToShape(a.shape) : nil,
             b.requiresGrad ? try (g * a).sumToShape(b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try ElementwiseKernels.zip(a, b, DivOp(), name: "div")
        return record(out, "div", [a, b]) { g in
            [a.requiresGrad ? try (g / b).sumToShape(a.shape) : nil,
             b.requiresGrad ? try (-(g * out) / b).sumToShape(b.shape) : nil]
        }
    }

    public static prefix func - (x: Tensor) -> Tensor {
        let out = ElementwiseKernels.map(x, ClosureUnaryOp { -$0 })
        return record(out, "neg", [x]) { g in [-g] }
    }

    // Scalar forms (no broadcasting bookkeeping, no error possible).
    public static func + (a: Tensor, s: Float) -> Tensor {
        record(ElementwiseKernels.map(a, ClosureUnaryOp { $0 + s }), "add_scalar", [a]) { g in [g] }
    }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func - (s: Float, a: Tensor) -> Tensor { (-a) + s }
    public static func * (a: Tensor, s: Float) -> Tensor {
        record(ElementwiseKernels.map(a, ClosureUnaryOp { $0 * s }), "mul_scalar", [a]) { g in [g * s] }
    }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
    public static func / (s: Float, a: Tensor) -> Tensor {
        let out = ElementwiseKernels.map(a, ClosureUnaryOp { s / $0 })
        return record(out, "rdiv_scalar", [a]) { g in
            [try g * ElementwiseKernels.map(a, ClosureUnaryOp { -s / ($0 * $0) })]
        }
    }

    /// Elementwise maximum (gradient to the larger input, split evenly on ties).
    public func maximum(_ other: Tensor) throws -> Tensor {
        let out = try ElementwiseKernels.zip(self, other, MaxOp(), name: "maximum")
        return Tensor.record(out, "maximum", [self, other]) { g in
            let share = try ElementwiseKernels.zip(self, other, MaxGradShareOp(), name: "maximum")
            return [try (g * share).sumToShape(self.shape), try (g * (1 - share)).sumToShape(other.shape)]
        }
    }

    /// Elementwise minimum (gradient to the smaller input, split evenly on ties).
    public func minimum(_ other: Tensor) throws -> Tensor {
        let out = try ElementwiseKernels.zip(self, other, MinOp(), name: "minimum")
        return Tensor.record(out, "minimum", [self, other]) { g in
            let share = try ElementwiseKernels.zip(self, other, MinGradShareOp(), name: "minimum")
            return [try (g * share).sumToShape(self.shape), try (g * (1 - share)).sumToShape(other.shape)]
        }
    }

    /// Sums a broadcast gradient back to `target` (the shape of the input that was broadcast).
    public func sumToShape(_ target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        guard lead >= 0 else {
            throw TensorError.shapeMismatch(op: "sumToShape", lhs: shape, rhs: target, detail: "target has more dimensions")
        }
        var axes = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        let summed = axes.isEmpty ? self : try sum(axes: axes, keepDims: true)
        return try summed.reshaped(target)
    }
}

/// Elementwise math functions, each with its derivative.
extension Tensor {
    /// Applies `f` and records `g * df(x, y)` as the gradient (y = f(x)).
    @inline(__always)
    func unary(_ name: String, _ f: @escaping (Float) -> Float,
               _ df: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let out = ElementwiseKernels.map(self, ClosureUnaryOp(f: f))
        return Tensor.record(out, name, [self]) { g in
            let d = try ElementwiseKernels.zip(self, out, ClosureBinaryOp(f: df), name: name)
            return [try g * d]
        }
    }

    public func exp() -> Tensor { unary("exp", { Glibc.expf($0) }, { _, y in y }) }
    public func log() -> Tensor { unary("log", { Glibc.logf($0) }, { x, _ in 1 / x }) }
    public func sqrt() -> Tensor { unary("sqrt", { $0.squareRoot() }, { _, y in 0.5 / y }) }
    public func abs() -> Tensor { unary("abs", { Swift.abs($0) }, { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }) }
    /// max(x, 0); the gradient passes where x > 0 (vectorised C kernels, see ActivationKernel.relu).
    public func relu() -> Tensor { ActivationKernel.relu.apply(self) }
    public func sigmoid() -> Tensor {
        unary("sigmoid", { 1 / (1 + Glibc.expf(-$0)) }, { _, y in y * (1 - y) })
    }
    public func tanh() -> Tensor { unary("tanh", { Glibc.tanhf($0) }, { _, y in 1 - y * y }) }

    /// x raised to a constant power.
    public func pow(_ p: Float) -> Tensor {
        if p == 2 { return unary("pow", { $0 * $0 }, { x, _ in 2 * x }) }
        return unary("pow", { Glibc.powf($0, p) }, { x, _ in p * Glibc.powf(x, p - 1) })
    }

    /// Clamps to [lo, hi] (gradient 1 inside, 0 outside, as PyTorch).
    public func clamp(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        unary("clamp", { Swift.min(Swift.max($0, lo), hi) }, { x, _ in (x >= lo && x <= hi) ? 1 : 0 })
    }

    /// GELU. `approximate: false` is the exact erf form (PyTorch default); `true` the tanh form.
    public func gelu(approximate: Bool = false) -> Tensor {
        if approximate {
            let c: Float = 0.797_884_56   // sqrt(2/pi)
            return unary("gelu_tanh", { x in
                0.5 * x * (1 + Glibc.tanhf(c * (x + 0.044715 * x * x * x)))
            }, { x, _ in
                let u = c * (x + 0.044715 * x * x * x)
                let t = Glibc.tanhf(u)
                return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
            })
        }
        return ActivationKernel.gelu.apply(self)
    }
}

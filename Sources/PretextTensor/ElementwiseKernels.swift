/// An elementwise function of one float, specialised into the loop by the generic kernels below.
protocol UnaryFloatOp {
    func callAsFunction(_ x: Float) -> Float
}

/// An elementwise function of two floats.
protocol BinaryFloatOp {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

/// Tight loops over raw buffers, split across cores; the only place elementwise math is looped.
enum ElementwiseKernels {
    @inline(__always)
    static func map<Op: UnaryFloatOp>(_ x: Tensor, _ op: Op) -> Tensor {
        let n = x.count
        let out = Tensor(uninitialized: x.shape)
        let src = x.storage.pointer, dst = out.storage.pointer
        Parallel.forRanges(n) { r in
            for i in r { dst[i] = op(src[i]) }
        }
        return out
    }

    @inline(__always)
    static func zip<Op: BinaryFloatOp>(_ a: Tensor, _ b: Tensor, _ op: Op, name: String) throws -> Tensor {
        let outShape = try Broadcast.shape(a.shape, b.shape, op: name)
        let out = Tensor(uninitialized: outShape)
        let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
        let n = out.count
        if a.count == n && b.count == n {
            Parallel.forRanges(n) { r in for i in r { po[i] = op(pa[i], pb[i]) } }
            return out
        }
        if b.count == 1 && a.count == n {
            let bv = pb[0]
            Parallel.forRanges(n) { r in for i in r { po[i] = op(pa[i], bv) } }
            return out
        }
        if a.count == 1 && b.count == n {
            let av = pa[0]
            Parallel.forRanges(n) { r in for i in r { po[i] = op(av, pb[i]) } }
            return out
        }
        let (dims, st) = Broadcast.collapse(outShape, [Broadcast.strides(of: a.shape, in: outShape),
                                                      Broadcast.strides(of: b.shape, in: outShape)])
        let sa = st[0], sb = st[1]
        let inner = dims[dims.count - 1]
        let ia = sa[sa.count - 1], ib = sb[sb.count - 1]
        let rows = n / inner
        let outerDims = Array(dims.dropLast())
        Parallel.forRanges(rows, costPerItem: inner) { r in
            for row in r {
                // Offsets of this row in a and b from its multi-index over the outer dimensions.
                var rem = row, oa = 0, ob = 0
                var d = outerDims.count - 1
                while d >= 0 {
                    let size = outerDims[d]
                    let i = rem % size
                    rem /= size
                    oa &+= i &* sa[d]
                    ob &+= i &* sb[d]
                    d -= 1
                }
                let o = po + row * inner, xa = pa + oa, xb = pb + ob
                if ia == 1 && ib == 1 {
                    for j in 0..<inner { o[j] = op(xa[j], xb[j]) }
                } else if ia == 1 && ib == 0 {
                    let bv = xb[0]
                    for j in 0..<inner { o[j] = op(xa[j], bv) }
                } else if ia == 0 && ib == 1 {
                    let av = xa[0]
                    for j in 0..<inner { o[j] = op(av, xb[j]) }
                } else {
                    for j in 0..<inner { o[j] = op(xa[j &* ia], xb[j &* ib]) }
                }
            }
        }
        return out
    }
}

struct AddOp: BinaryFloatOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
struct SubOp: BinaryFloatOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
struct MulOp: BinaryFloatOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
struct DivOp: BinaryFloatOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
struct MaxOp: BinaryFloatOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a >= b ? a : b } }
struct MinOp: BinaryFloatOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a <= b ? a : b } }
/// Share of the gradient of max(a, b) that goes to a: 1 where a wins, ½ on ties (as PyTorch).
struct MaxGradShareOp: BinaryFloatOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a > b ? 1 : (a == b ? 0.5 : 0) } }
struct MinGradShareOp: BinaryFloatOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a < b ? 1 : (a == b ? 0.5 : 0) } }

struct ClosureUnaryOp: UnaryFloatOp {
    let f: (Float) -> Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { f(x) }
}
struct ClosureBinaryOp: BinaryFloatOp {
    let f: (Float, Float) -> Float
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { f(a, b) }
}

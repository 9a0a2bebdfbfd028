/// Vectorised reductions over float buffers. Swift keeps floating-point addition strictly ordered, so
/// a plain `for` loop that sums never vectorises; these spell out 16-wide SIMD accumulators instead.
/// Results are deterministic (fixed association order) for a given length. Plain multiply-add rather
/// than `addingProduct`: the default x86-64 target has no FMA, and that would become a libm call.
enum KernelMath {
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Σ p[i].
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
        var i = 0
        while i &+ 16 <= n {
            a0 += load8(p + i); a1 += load8(p + (i &+ 8))
            i &+= 16
        }
        var s = (a0 + a1).sum()
        while i < n { s += p[i]; i &+= 1 }
        return s
    }

    /// (Σ (p[i] - shift), Σ (p[i] - shift)²): the shift (any value near the mean) keeps the
    /// variance computed from these free of cancellation.
    @inline(__always)
    static func shiftedSums(_ p: UnsafePointer<Float>, _ n: Int, shift: Float) -> (Float, Float) {
        let sh = SIMD8<Float>(repeating: shift)
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), q0 = SIMD8<Float>(), q1 = SIMD8<Float>()
        var i = 0
        while i &+ 16 <= n {
            let x0 = load8(p + i) - sh, x1 = load8(p + (i &+ 8)) - sh
            s0 += x0; s1 += x1
            q0 += x0 * x0; q1 += x1 * x1
            i &+= 16
        }
        var s = (s0 + s1).sum(), q = (q0 + q1).sum()
        while i < n { let x = p[i] - shift; s += x; q += x * x; i &+= 1 }
        return (s, q)
    }

    /// (Σ dy[i], Σ dy[i]·(x[i] - shift)).
    @inline(__always)
    static func sumAndShiftedDot(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int,
                                 shift: Float) -> (Float, Float) {
        let sh = SIMD8<Float>(repeating: shift)
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), d0 = SIMD8<Float>(), d1 = SIMD8<Float>()
        var i = 0
        while i &+ 16 <= n {
            let g0 = load8(dy + i), g1 = load8(dy + (i &+ 8))
            s0 += g0; s1 += g1
            d0 += g0 * (load8(x + i) - sh)
            d1 += g1 * (load8(x + (i &+ 8)) - sh)
            i &+= 16
        }
        var s = (s0 + s1).sum(), d = (d0 + d1).sum()
        while i < n { s += dy[i]; d += dy[i] * (x[i] - shift); i &+= 1 }
        return (s, d)
    }

    /// Σ a[i]·b[i].
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var d0 = SIMD8<Float>(), d1 = SIMD8<Float>()
        var i = 0
        while i &+ 16 <= n {
            d0 += load8(a + i) * load8(b + i)
            d1 += load8(a + (i &+ 8)) * load8(b + (i &+ 8))
            i &+= 16
        }
        var d = (d0 + d1).sum()
        while i < n { d += a[i] * b[i]; i &+= 1 }
        return d
    }

    /// (Σ dy[i]·w[i], Σ dy[i]·w[i]·(x[i] - shift)), for layer-norm backward.
    @inline(__always)
    static func weightedSumAndShiftedDot(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                         _ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> (Float, Float) {
        let sh = SIMD8<Float>(repeating: shift)
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), d0 = SIMD8<Float>(), d1 = SIMD8<Float>()
        var i = 0
        while i &+ 16 <= n {
            let g0 = load8(dy + i) * load8(w + i), g1 = load8(dy + (i &+ 8)) * load8(w + (i &+ 8))
            s0 += g0; s1 += g1
            d0 += g0 * (load8(x + i) - sh)
            d1 += g1 * (load8(x + (i &+ 8)) - sh)
            i &+= 16
        }
        var s = (s0 + s1).sum(), d = (d0 + d1).sum()
        while i < n { let g = dy[i] * w[i]; s += g; d += g * (x[i] - shift); i &+= 1 }
        return (s, d)
    }

    /// e^y in Float, branch-free so loops over it vectorise (glibc's `expf` is one call per element and
    /// was most of the softmax and GELU-backward time). y = k·ln2 + r with |r| ≤ ln2/2 (k rounded with
    /// the 1.5·2²³ trick, ln2 split in two so k·ln2 is exact), e^r by its Taylor series to r⁷, 2^k built in
    /// the exponent bits. Within 2 ulp of the exact value for y in [−87, 88]; below −88 it is 0 (as e^y
    /// rounds there, short of the denormals), above 88 it saturates near 1.6e38; NaN stays NaN.
    @inline(__always)
    static func exp(_ y: Float) -> Float {
        let y = Swift.min(Swift.max(y, -88), 88)
        let shifted = y * 1.442_695_04 + 12_582_912           // 1.5·2²³: rounds y/ln2 to an integer k
        let k = shifted - 12_582_912
        let r = (y - k * 0.693_359_375) + k * 2.121_944_4e-4   // ln2 = 0.693359375 − 2.1219444e-4
        var e: Float = 1.0 / 5040
        e = e * r + 1.0 / 720
        e = e * r + 1.0 / 120
        e = e * r + 1.0 / 24
        e = e * r + 1.0 / 6
        e = e * r + 0.5
        e = e * r + 1
        e = e * r + 1
        // k sits in the low mantissa bits of `shifted`; 2^k = (k + 127) << 23 (0 for k = −127).
        let kBits = shifted.bitPattern &- 0x4B40_0000
        return e * Float(bitPattern: (kBits &+ 127) << 23)
    }

    /// y = exp(x − m) over one row of n, m the row maximum (0 for a row with no finite maximum); returns
    /// m and Σ y (exponentials in their own loop, which vectorises, then the ordered SIMD sum). The shared
    /// first half of softmax and log-softmax. `y` may be `x`.
    @inline(__always)
    static func shiftedExp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) -> (max: Float, sum: Float) {
        var m = -Float.infinity
        for j in 0..<n where x[j] > m { m = x[j] }
        if !m.isFinite { m = 0 }
        for j in 0..<n { y[j] = exp(x[j] - m) }
        return (m, sum(y, n))
    }

    /// y = softmax(x) over one row of n (a row of -inf gives 0/0 = NaN, as PyTorch). `y` may be `x`.
    @inline(__always)
    static func softmax(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let inv = 1 / shiftedExp(x, y, n).sum
        for j in 0..<n { y[j] *= inv }
    }
}

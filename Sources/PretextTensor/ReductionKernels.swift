/// Reductions over one run of contiguous axes, seen as [outer, n, inner] → [outer, inner].
enum ReductionKernels {
    enum Kind { case sum, max, min }

    /// Reduces the middle dimension of x viewed as [outer, n, inner]. For max/min also returns the
    /// winning index along n (first occurrence).
    static func reduce(_ x: UnsafePointer<Float>, outer: Int, n: Int, inner: Int, kind: Kind,
                       out: UnsafeMutablePointer<Float>, argIndex: UnsafeMutablePointer<Int32>?) {
        if inner == 1 {
            Parallel.forRanges(outer, costPerItem: n) { r in
                for o in r {
                    let row = x + o * n
                    switch kind {
                    case .sum:
                        // Float blocks summed into a Double: fast and accurate for long rows.
                        var total = 0.0
                        var j = 0
                        while j < n {
                            let end = Swift.min(j + 1024, n)
                            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                            var k = j
                            while k + 4 <= end {
                                s0 += row[k]; s1 += row[k + 1]; s2 += row[k + 2]; s3 += row[k + 3]
                                k += 4
                            }
                            while k < end { s0 += row[k]; k += 1 }
                            total += Double((s0 + s1) + (s2 + s3))
                            j = end
                        }
                        out[o] = Float(total)
                    case .max, .min:
                        var best = row[0], bi = 0
                        if kind == .max {
                            for k in 1..<Swift.max(n, 1) where row[k] > best || (best.isNaN == false && row[k].isNaN) { best = row[k]; bi = k }
                        } else {
                            for k in 1..<Swift.max(n, 1) where row[k] < best || (best.isNaN == false && row[k].isNaN) { best = row[k]; bi = k }
                        }
                        out[o] = best
                        argIndex?[o] = Int32(bi)
                    }
                }
            }
            return
        }
        // inner > 1: accumulate whole rows, vectorised along inner.
        let parallelOverInner = outer < Parallel.threads
        let body: (Int, Range<Int>) -> Void = { o, cols in
            let dst = out + o * inner
            let src = x + o * n * inner
            for c in cols { dst[c] = src[c] }
            if let a = argIndex { for c in cols { a[o * inner + c] = 0 } }
            for k in 1..<Swift.max(n, 1) {
                let rowp = src + k * inner
                switch kind {
                case .sum:
                    for c in cols { dst[c] += rowp[c] }
                case .max:
                    for c in cols where rowp[c] > dst[c] { dst[c] = rowp[c]; argIndex?[o * inner + c] = Int32(k) }
                case .min:
                    for c in cols where rowp[c] < dst[c] { dst[c] = rowp[c]; argIndex?[o * inner + c] = Int32(k) }
                }
            }
        }
        if parallelOverInner {
            for o in 0..<outer {
                Parallel.forRanges(inner, costPerItem: n) { cols in body(o, cols) }
            }
        } else {
            Parallel.forRanges(outer, costPerItem: n * inner) { r in
                for o in r { body(o, 0..<inner) }
            }
        }
    }
}

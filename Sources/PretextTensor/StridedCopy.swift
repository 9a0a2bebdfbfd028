/// Copies an N-d block between two strided layouts: the one kernel behind permute, expand, narrow,
/// cat and their gradients. Neighbouring dimensions that are contiguous on both sides are merged first.
enum StridedCopy {
    static func copy(shape: [Int], src: UnsafePointer<Float>, srcStrides: [Int],
                     dst: UnsafeMutablePointer<Float>, dstStrides: [Int], accumulate: Bool = false) {
        let total = shape.reduce(1, *)
        if total == 0 { return }
        let (dims, st) = Broadcast.collapse(shape, [srcStrides, dstStrides])
        let ss = st[0], ds = st[1]
        let inner = dims[dims.count - 1]
        let si = ss[ss.count - 1], di = ds[ds.count - 1]
        let rows = total / inner
        let outer = Array(dims.dropLast())
        Parallel.forRanges(rows, costPerItem: inner) { r in
            for row in r {
                var rem = row, so = 0, dOff = 0
                var d = outer.count - 1
                while d >= 0 {
                    let i = rem % outer[d]
                    rem /= outer[d]
                    so &+= i &* ss[d]
                    dOff &+= i &* ds[d]
                    d -= 1
                }
                let s = src + so, o = dst + dOff
                if accumulate {
                    for j in 0..<inner { o[j &* di] += s[j &* si] }
                } else if si == 1 && di == 1 {
                    o.update(from: s, count: inner)
                } else if si == 0 {
                    let v = s[0]
                    for j in 0..<inner { o[j &* di] = v }
                } else {
                    for j in 0..<inner { o[j &* di] = s[j &* si] }
                }
            }
        }
    }
}

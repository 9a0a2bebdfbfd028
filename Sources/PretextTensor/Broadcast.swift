/// NumPy broadcasting: shapes are aligned at their last dimension; a dimension of 1 stretches.
enum Broadcast {
    static func shape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        if a == b { return a }
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw TensorError.shapeMismatch(op: op, lhs: a, rhs: b,
                    detail: "dimension \(i) is \(da) vs \(db); broadcasting needs equal sizes or 1")
            }
        }
        return out
    }

    /// Strides of `shape` read inside the broadcast `out` shape (0 along stretched dimensions).
    static func strides(of shape: [Int], in out: [Int]) -> [Int] {
        let own = Tensor.contiguousStrides(shape)
        let off = out.count - shape.count
        var s = [Int](repeating: 0, count: out.count)
        for i in 0..<shape.count where shape[i] != 1 || out[i + off] == 1 {
            s[i + off] = shape[i] == 1 ? 0 : own[i]
        }
        return s
    }

    /// Merges neighbouring dimensions that are laid out contiguously for every operand, so most
    /// broadcasts become a short loop nest (e.g. [N,C,H,W] + [1,C,1,1] → [N, C, H·W]).
    static func collapse(_ shape: [Int], _ strides: [[Int]]) -> ([Int], [[Int]]) {
        var dims: [Int] = []
        var st: [[Int]] = Array(repeating: [], count: strides.count)
        for d in 0..<shape.count where shape[d] != 1 {
            if let last = dims.last, (0..<strides.count).allSatisfy({ strides[$0][d] * shape[d] == st[$0].last! }) {
                dims[dims.count - 1] = last * shape[d]
                for k in 0..<strides.count { st[k][st[k].count - 1] = strides[k][d] }
            } else {
                dims.append(shape[d])
                for k in 0..<strides.count { st[k].append(strides[k][d]) }
            }
        }
        if dims.isEmpty { return ([1], strides.map { _ in [0] }) }
        return (dims, st)
    }
}

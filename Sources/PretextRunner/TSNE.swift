import Foundation
import PretextTensor

/// t-SNE (van der Maaten & Hinton 2008) with the Barnes-Hut approximation (van der Maaten 2014), for
/// 2-D maps of a few thousand embeddings. Follows scikit-learn's `TSNE(method="barnes_hut")`:
///
/// - input affinities from the 3·perplexity nearest neighbours (squared Euclidean distances), each
///   row's Gaussian bandwidth found by binary search to match `perplexity` (30), symmetrised and
///   normalised to sum to 1;
/// - initialisation: PCA, scaled to standard deviation 1e-4 on the first axis (deterministic);
/// - gradient descent with momentum 0.5 then 0.8, per-coordinate gains (+0.2 / ×0.8, at least 0.01),
///   early exaggeration 12 for the first 250 of 1000 iterations, learning rate max(N / 12 / 4, 50);
/// - repulsive forces from a quadtree, cells summarised when width / distance < `theta` (0.5);
///   `theta = 0` computes them exactly over all pairs (O(N²), for small N and for tests).
/// Seeded (`seed`) wherever randomness enters (the PCA start vectors), so a map is reproducible.
public struct TSNE {
    public var perplexity: Double
    public var iterations: Int
    public var theta: Double
    public var earlyExaggeration: Double
    public var exaggerationIterations: Int
    /// nil: max(N / earlyExaggeration / 4, 50).
    public var learningRate: Double?
    public var seed: UInt64

    public init(perplexity: Double = 30, iterations: Int = 1000, theta: Double = 0.5, earlyExaggeration: Double = 12,
                exaggerationIterations: Int = 250, learningRate: Double? = nil, seed: UInt64 = 0) {
        self.perplexity = perplexity
        self.iterations = iterations
        self.theta = theta
        self.earlyExaggeration = earlyExaggeration
        self.exaggerationIterations = exaggerationIterations
        self.learningRate = learningRate
        self.seed = seed
    }

    /// Sparse symmetric affinities P (CSR; rows sum over all entries to 1).
    public struct Affinities {
        public var rowStart: [Int]
        public var columns: [Int]
        public var values: [Double]
        public var count: Int { rowStart.count - 1 }
    }

    /// The 2-D map of the rows of `x` [N, D]: N points (x, y). `progress(iteration)` every 50 iterations.
    public func embed(_ x: Tensor, progress: ((Int) -> Void)? = nil) throws -> [(x: Double, y: Double)] {
        let n = x.shape[0]
        guard x.rank == 2, n >= 3 else { throw RunError.data("t-SNE needs at least 3 points (got \(x.shape))") }
        guard perplexity > 0, Double(n - 1) > perplexity else {
            throw RunError.data("t-SNE perplexity \(perplexity) must be positive and below the number of points (\(n)); lower --perplexity")
        }
        let p = try TSNE.affinities(x, perplexity: perplexity)
        // PCA initialisation, scaled so the first coordinate has standard deviation 1e-4.
        let pca = try PCA(fitting: x, count: 2, seed: seed)
        var y = pca.transform(x).flatMap { $0 }
        let sd = TSNE.std(stride(from: 0, to: y.count, by: 2).map { y[$0] })
        if sd > 0 { y = y.map { $0 / sd * 1e-4 } }
        let lr = learningRate ?? max(Double(n) / earlyExaggeration / 4, 50)
        var update = [Double](repeating: 0, count: 2 * n), gains = [Double](repeating: 1, count: 2 * n)
        for it in 0..<iterations {
            let exaggerate = it < exaggerationIterations
            let grad = theta > 0 ? TSNE.gradientBarnesHut(y, p, exaggeration: exaggerate ? earlyExaggeration : 1, theta: theta)
                                 : TSNE.gradientExact(y, p, exaggeration: exaggerate ? earlyExaggeration : 1)
            let momentum = exaggerate ? 0.5 : 0.8
            for k in 0..<(2 * n) {
                gains[k] = (update[k] * grad[k] < 0) ? gains[k] + 0.2 : max(gains[k] * 0.8, 0.01)
                update[k] = momentum * update[k] - lr * gains[k] * grad[k]
                y[k] += update[k]
            }
            // Keep the map centred.
            var mx = 0.0, my = 0.0
            for i in 0..<n { mx += y[2 * i]; my += y[2 * i + 1] }
            mx /= Double(n); my /= Double(n)
            for i in 0..<n { y[2 * i] -= mx; y[2 * i + 1] -= my }
            if (it + 1) % 50 == 0 { progress?(it + 1) }
        }
        return (0..<n).map { (y[2 * $0], y[2 * $0 + 1]) }
    }

    static func std(_ v: [Double]) -> Double {
        guard v.count > 1 else { return 0 }
        let m = v.reduce(0, +) / Double(v.count)
        return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot()
    }

    /// Joint affinities from the ⌊3·perplexity⌋ nearest neighbours of every point.
    public static func affinities(_ x: Tensor, perplexity: Double) throws -> Affinities {
        let n = x.shape[0]
        let k = min(n - 1, Int(3 * perplexity + 1))
        let (nbr, dist) = try nearestNeighbours(x, k: k)
        // Conditional P(j|i) by binary search on the precision β so that the entropy is log(perplexity).
        var cond = [Double](repeating: 0, count: n * k)
        let target = log(perplexity)
        cond.withUnsafeMutableBufferPointer { cb in
            let out = cb
            DispatchQueue.concurrentPerform(iterations: min(n, max(1, Parallel.threads * 4))) { chunk in
                let chunks = min(n, max(1, Parallel.threads * 4))
                for i in (n * chunk / chunks)..<(n * (chunk + 1) / chunks) {
                    var beta = 1.0, lo = -Double.infinity, hi = Double.infinity
                    var row = [Double](repeating: 0, count: k)
                    let d = (0..<k).map { Double(dist[i * k + $0]) }
                    let dmin = d.min() ?? 0
                    for _ in 0..<100 {
                        var sum = 0.0, dot = 0.0
                        for j in 0..<k { row[j] = exp(-(d[j] - dmin) * beta); sum += row[j]; dot += (d[j] - dmin) * row[j] }
                        if sum <= 0 { sum = 1e-300 }
                        let entropy = log(sum) + beta * dot / sum
                        for j in 0..<k { row[j] /= sum }
                        let diff = entropy - target
                        if abs(diff) < 1e-5 { break }
                        if diff > 0 { lo = beta; beta = hi.isInfinite ? beta * 2 : (beta + hi) / 2 } else {
                            hi = beta; beta = lo.isInfinite ? beta / 2 : (beta + lo) / 2
                        }
                    }
                    for j in 0..<k { out[i * k + j] = row[j] }
                }
            }
        }
        // Symmetrise: P = (P(j|i) + P(i|j)), normalised to sum 1 (entries merged in a fixed order, so
        // the result is bit-for-bit reproducible).
        var entries: [(i: Int, j: Int, v: Double)] = []
        entries.reserveCapacity(2 * n * k)
        for i in 0..<n {
            for t in 0..<k {
                let j = nbr[i * k + t], v = cond[i * k + t]
                entries.append((i, j, v))
                entries.append((j, i, v))
            }
        }
        entries.sort { $0.i != $1.i ? $0.i < $1.i : ($0.j != $1.j ? $0.j < $1.j : $0.v < $1.v) }
        var start = [0], cols: [Int] = [], vals: [Double] = []
        var row = 0
        for e in entries {
            while row < e.i { start.append(cols.count); row += 1 }
            if let last = cols.last, cols.count > start[row], last == e.j { vals[vals.count - 1] += e.v } else {
                cols.append(e.j)
                vals.append(e.v)
            }
        }
        while row < n { start.append(cols.count); row += 1 }
        let total = vals.reduce(0, +)
        vals = vals.map { $0 / max(total, 1e-300) }
        return Affinities(rowStart: start, columns: cols, values: vals)
    }

    /// The `k` nearest rows of every row of `x` by squared Euclidean distance (itself excluded):
    /// indices and distances, `k` per row, nearest first.
    public static func nearestNeighbours(_ x: Tensor, k: Int) throws -> (indices: [Int], distances: [Float]) {
        let n = x.shape[0], d = x.shape[1]
        let xp = x.storage.pointer
        let norms = (0..<n).map { i -> Float in var s: Float = 0; for j in 0..<d { s += xp[i * d + j] * xp[i * d + j] }; return s }
        var indices = [Int](repeating: 0, count: n * k), distances = [Float](repeating: 0, count: n * k)
        let block = 256
        for b0 in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - b0)
            let part = try noGrad { try x.narrowed(axis: 0, start: b0, length: rows).matmul(x.transposed()) }   // [rows, N]
            let sp = part.storage.pointer
            indices.withUnsafeMutableBufferPointer { ib in
                distances.withUnsafeMutableBufferPointer { db in
                    let ibp = ib, dbp = db
                    DispatchQueue.concurrentPerform(iterations: min(rows, Parallel.threads)) { chunk in
                        let chunks = min(rows, Parallel.threads)
                        var heap: [(Float, Int)] = []
                        heap.reserveCapacity(k + 1)
                        for r in (rows * chunk / chunks)..<(rows * (chunk + 1) / chunks) {
                            let i = b0 + r
                            heap.removeAll(keepingCapacity: true)
                            for j in 0..<n where j != i {
                                let dist = max(norms[i] + norms[j] - 2 * sp[r * n + j], 0)
                                if heap.count < k { TSNE.heapPush(&heap, (dist, j)) } else if dist < heap[0].0 {
                                    heap[0] = (dist, j)
                                    TSNE.siftDown(&heap, 0)
                                }
                            }
                            let sorted = heap.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                            for (t, e) in sorted.enumerated() { ibp[i * k + t] = e.1; dbp[i * k + t] = e.0 }
                        }
                    }
                }
            }
        }
        return (indices, distances)
    }

    // A max-heap on the distance (the worst of the k kept neighbours on top).
    static func heapPush(_ h: inout [(Float, Int)], _ e: (Float, Int)) {
        h.append(e)
        var c = h.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            if h[p].0 >= h[c].0 { break }
            h.swapAt(p, c)
            c = p
        }
    }

    static func siftDown(_ h: inout [(Float, Int)], _ start: Int) {
        var p = start
        while true {
            let l = 2 * p + 1, r = l + 1
            var m = p
            if l < h.count && h[l].0 > h[m].0 { m = l }
            if r < h.count && h[r].0 > h[m].0 { m = r }
            if m == p { return }
            h.swapAt(p, m)
            p = m
        }
    }

    /// Attractive forces Σ_j p_ij q_ij Z (y_i − y_j) (exaggerated), interleaved x, y.
    static func attraction(_ y: [Double], _ p: Affinities, exaggeration: Double) -> [Double] {
        let n = p.count
        var f = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n {
            var fx = 0.0, fy = 0.0
            for t in p.rowStart[i]..<p.rowStart[i + 1] {
                let j = p.columns[t]
                let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                let w = p.values[t] / (1 + dx * dx + dy * dy)
                fx += w * dx; fy += w * dy
            }
            f[2 * i] = exaggeration * fx
            f[2 * i + 1] = exaggeration * fy
        }
        return f
    }

    /// The exact KL gradient: 4 (Σ_j p_ij q_ij Z (y_i − y_j) − Σ_j q_ij² Z (y_i − y_j)), all pairs.
    public static func gradientExact(_ y: [Double], _ p: Affinities, exaggeration: Double = 1) -> [Double] {
        let n = p.count
        var grad = attraction(y, p, exaggeration: exaggeration)
        var rep = [Double](repeating: 0, count: 2 * n)
        var z = 0.0
        for i in 0..<n {
            var fx = 0.0, fy = 0.0
            for j in 0..<n where j != i {
                let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                let q = 1 / (1 + dx * dx + dy * dy)
                z += q
                fx += q * q * dx; fy += q * q * dy
            }
            rep[2 * i] = fx; rep[2 * i + 1] = fy
        }
        for k in 0..<(2 * n) { grad[k] = 4 * (grad[k] - rep[k] / z) }
        return grad
    }

    /// The gradient with repulsion from a Barnes-Hut quadtree.
    public static func gradientBarnesHut(_ y: [Double], _ p: Affinities, exaggeration: Double = 1, theta: Double = 0.5) -> [Double] {
        let n = p.count
        var grad = attraction(y, p, exaggeration: exaggeration)
        let tree = QuadTree(y)
        var rep = [Double](repeating: 0, count: 2 * n)
        let chunks = max(1, min(n, Parallel.threads * 4))
        var partialZ = [Double](repeating: 0, count: chunks)
        rep.withUnsafeMutableBufferPointer { rb in
            partialZ.withUnsafeMutableBufferPointer { zb in
                let r = rb, zp = zb
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    var z = 0.0
                    var stack: [Int32] = []
                    stack.reserveCapacity(128)
                    for i in (n * c / chunks)..<(n * (c + 1) / chunks) {
                        let (fx, fy, zi) = tree.repulsion(i, theta: theta, stack: &stack)
                        r[2 * i] = fx; r[2 * i + 1] = fy
                        z += zi
                    }
                    zp[c] = z
                }
            }
        }
        let z = partialZ.reduce(0, +)
        for k in 0..<(2 * n) { grad[k] = 4 * (grad[k] - rep[k] / max(z, 1e-300)) }
        return grad
    }

    /// A point quadtree over the 2-D map with each cell's point count and centre of mass.
    struct QuadTree {
        var cx: [Double] = [], cy: [Double] = [], half: [Double] = []
        var mx: [Double] = [], my: [Double] = [], count: [Int] = []
        var firstChild: [Int32] = []
        var firstPoint: [Int32] = []     // leaf: head of its point list
        var nextPoint: [Int32]           // per point: next point of the same leaf
        let y: [Double]

        init(_ y: [Double]) {
            self.y = y
            let n = y.count / 2
            nextPoint = [Int32](repeating: -1, count: n)
            var minX = Double.infinity, maxX = -Double.infinity, minY = Double.infinity, maxY = -Double.infinity
            for i in 0..<n { minX = min(minX, y[2 * i]); maxX = max(maxX, y[2 * i]); minY = min(minY, y[2 * i + 1]); maxY = max(maxY, y[2 * i + 1]) }
            let h = max(maxX - minX, maxY - minY) / 2 * (1 + 1e-6) + 1e-12
            addNode((minX + maxX) / 2, (minY + maxY) / 2, h)
            for i in 0..<n { insert(i) }
            for k in 0..<count.count where count[k] > 0 { mx[k] /= Double(count[k]); my[k] /= Double(count[k]) }
        }

        @discardableResult
        mutating func addNode(_ x: Double, _ y: Double, _ h: Double) -> Int {
            cx.append(x); cy.append(y); half.append(h); mx.append(0); my.append(0); count.append(0)
            firstChild.append(-1); firstPoint.append(-1)
            return cx.count - 1
        }

        func quadrant(_ node: Int, _ px: Double, _ py: Double) -> Int {
            (px >= cx[node] ? 1 : 0) + (py >= cy[node] ? 2 : 0)
        }

        mutating func insert(_ i: Int) {
            let px = y[2 * i], py = y[2 * i + 1]
            var node = 0, depth = 0
            while true {
                mx[node] += px; my[node] += py; count[node] += 1
                if firstChild[node] >= 0 {
                    node = Int(firstChild[node]) + quadrant(node, px, py)
                    depth += 1
                    continue
                }
                let head = firstPoint[node]
                if head < 0 { firstPoint[node] = Int32(i); return }
                let hx = y[2 * Int(head)], hy = y[2 * Int(head) + 1]
                if depth >= 48 || (abs(hx - px) < 1e-12 && abs(hy - py) < 1e-12) {
                    nextPoint[i] = head                 // coincident points (or too deep): share the leaf
                    firstPoint[node] = Int32(i)
                    return
                }
                // Split the leaf: its points move to the children, then this point continues down.
                let h = half[node] / 2
                let first = cx.count
                for q in 0..<4 {
                    addNode(cx[node] + (q & 1 == 1 ? h : -h), cy[node] + (q & 2 == 2 ? h : -h), h)
                }
                firstChild[node] = Int32(first)
                var pt = head
                firstPoint[node] = -1
                while pt >= 0 {
                    let nx = nextPoint[Int(pt)]
                    let child = first + quadrant(node, y[2 * Int(pt)], y[2 * Int(pt) + 1])
                    mx[child] += y[2 * Int(pt)]; my[child] += y[2 * Int(pt) + 1]; count[child] += 1
                    nextPoint[Int(pt)] = firstPoint[child]
                    firstPoint[child] = pt
                    pt = nx
                }
                node = first + quadrant(node, px, py)
                depth += 1
            }
        }

        /// Σ q² (y_i − c) and Σ q over the map seen from point i (cells summarised when small and far).
        func repulsion(_ i: Int, theta: Double, stack: inout [Int32]) -> (Double, Double, Double) {
            let px = y[2 * i], py = y[2 * i + 1]
            var fx = 0.0, fy = 0.0, z = 0.0
            stack.removeAll(keepingCapacity: true)
            stack.append(0)
            while let top = stack.popLast() {
                let node = Int(top)
                guard count[node] > 0 else { continue }
                if firstChild[node] < 0 {
                    var pt = firstPoint[node]
                    while pt >= 0 {
                        if Int(pt) != i {
                            let dx = px - y[2 * Int(pt)], dy = py - y[2 * Int(pt) + 1]
                            let q = 1 / (1 + dx * dx + dy * dy)
                            z += q; fx += q * q * dx; fy += q * q * dy
                        }
                        pt = nextPoint[Int(pt)]
                    }
                    continue
                }
                let dx = px - mx[node], dy = py - my[node]
                let d2 = dx * dx + dy * dy
                let w = 2 * half[node]
                if w * w < theta * theta * d2 {
                    let q = 1 / (1 + d2), c = Double(count[node])
                    z += c * q; fx += c * q * q * dx; fy += c * q * q * dy
                } else {
                    let f = Int(firstChild[node])
                    for q in 0..<4 { stack.append(Int32(f + q)) }
                }
            }
            return (fx, fy, z)
        }
    }
}

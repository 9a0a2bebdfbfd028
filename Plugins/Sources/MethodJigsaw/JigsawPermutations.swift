import Foundation
import PretextSDK

/// The permutation set of a jigsaw puzzle task: Noroozi & Favaro 2016, arXiv:1603.09246 (§3.2:
/// permutations chosen for large Hamming distance, 100 by default, so the classes are distinguishable).
///
/// Greedy selection over all n! permutations of the tiles (n = gridSize²; for grids above 3×3 over
/// 50,000 random candidates): the first one is drawn from `seed`, each next one maximises the minimum
/// Hamming distance to those already chosen (ties: the lowest candidate in lexicographic order). The
/// paper's Algorithm 1 maximises the average distance instead; the max-min rule guarantees the spread
/// the task needs. The set is a pure function of (count, gridSize, seed): save those three (or `sets`
/// itself) with a run to reproduce its labels.
public enum JigsawPermutations {
    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var cache: [String: [[Int]]] = [:]

    /// `count` permutations of `gridSize * gridSize` tiles (each `p` maps output slot i → tile p[i]).
    public static func generate(count: Int = 100, gridSize: Int = 3, seed: UInt64 = 0) throws -> [[Int]] {
        let n = gridSize * gridSize
        guard gridSize >= 2, n <= 16 else {
            throw DataError.invalidArgument(name: "JigsawPermutations", detail: "gridSize \(gridSize) must be 2, 3 or 4")
        }
        let total = (1...n).reduce(1, *)
        guard count >= 1, count <= min(total, 50_000) else {
            throw DataError.invalidArgument(
                name: "JigsawPermutations", detail: "count \(count) must be in 1...\(min(total, 50_000)) for a \(gridSize)x\(gridSize) grid")
        }
        let key = "\(count)/\(gridSize)/\(seed)"
        cacheLock.lock()
        if let hit = cache[key] { cacheLock.unlock(); return hit }
        cacheLock.unlock()

        var rng = RNG(seed: seed, stream: 0x4A49_4753_4157) // "JIGSAW"
        // Candidates packed 4 bits per tile.
        var candidates: [UInt64]
        if n <= 9 {
            candidates = []
            candidates.reserveCapacity(total)
            var p = Array(0..<n)
            repeat { candidates.append(pack(p)) } while nextPermutation(&p)
        } else {
            var seen = Set<UInt64>()
            candidates = []
            while candidates.count < 50_000 {
                let c = pack(rng.permutation(n))
                if seen.insert(c).inserted { candidates.append(c) }
            }
            candidates.sort()
        }
        let m = candidates.count
        var minDist = [UInt8](repeating: UInt8.max, count: m)
        var chosen: [UInt64] = []
        var next = rng.int(below: m)
        let mask: UInt64 = n == 16 ? 0x1111_1111_1111_1111 : (UInt64(1) << (4 * UInt64(n))) / 15 // 0x1…1 nibbles
        candidates.withUnsafeBufferPointer { cand in
            minDist.withUnsafeMutableBufferPointer { dist in
                for _ in 0..<count {
                    let c = cand[next]
                    chosen.append(c)
                    var best = -1, bestD = -1
                    for i in 0..<m {
                        var x = cand[i] ^ c
                        x = (x | (x >> 1) | (x >> 2) | (x >> 3)) & mask
                        let d = UInt8(truncatingIfNeeded: x.nonzeroBitCount)
                        if d < dist[i] { dist[i] = d }
                        if Int(dist[i]) > bestD { bestD = Int(dist[i]); best = i }
                    }
                    next = best
                }
            }
        }
        let result = chosen.map { unpack($0, n) }
        cacheLock.lock()
        cache[key] = result
        cacheLock.unlock()
        return result
    }

    /// The smallest Hamming distance between any two permutations of `set`.
    public static func minimumHammingDistance(_ set: [[Int]]) -> Int {
        var best = Int.max
        for i in 0..<set.count {
            for j in (i + 1)..<max(i + 1, set.count) {
                let d = zip(set[i], set[j]).filter { $0 != $1 }.count
                best = min(best, d)
            }
        }
        return best
    }

    static func pack(_ p: [Int]) -> UInt64 {
        var v: UInt64 = 0
        for (i, t) in p.enumerated() { v |= UInt64(t) << (4 * UInt64(p.count - 1 - i)) }
        return v
    }

    static func unpack(_ v: UInt64, _ n: Int) -> [Int] {
        (0..<n).map { i in Int((v >> (4 * UInt64(n - 1 - i))) & 0xF) }
    }

    /// Lexicographic next permutation; false after the last.
    static func nextPermutation(_ a: inout [Int]) -> Bool {
        guard a.count > 1 else { return false }
        var i = a.count - 2
        while i >= 0 && a[i] >= a[i + 1] { i -= 1 }
        if i < 0 { return false }
        var j = a.count - 1
        while a[j] <= a[i] { j -= 1 }
        a.swapAt(i, j)
        a[(i + 1)...].reverse()
        return true
    }
}

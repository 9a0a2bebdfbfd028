import XCTest
@testable import PretextRunner
import PretextTensor

final class TSNETests: XCTestCase {
    /// `k` clusters of `m` points in `d` dimensions, centres far apart.
    func clusters(k: Int, m: Int, d: Int = 10, seed: UInt64 = 0) -> (Tensor, [Int]) {
        var rng = RNG(seed: seed)
        let centres = (0..<k).map { _ in (0..<d).map { _ in 6 * rng.normal() } }
        var x: [Float] = [], y: [Int] = []
        for i in 0..<(k * m) {
            let c = i % k
            for j in 0..<d { x.append(centres[c][j] + 0.5 * rng.normal()) }
            y.append(c)
        }
        return (Tensor(shape: [k * m, d], scalars: x), y)
    }

    /// 1-nearest-neighbour accuracy of the labels in a 2-D map.
    func mapAccuracy(_ pts: [(x: Double, y: Double)], _ labels: [Int]) -> Double {
        var ok = 0
        for i in pts.indices {
            var best = -1, bd = Double.infinity
            for j in pts.indices where j != i {
                let d = (pts[i].x - pts[j].x) * (pts[i].x - pts[j].x) + (pts[i].y - pts[j].y) * (pts[i].y - pts[j].y)
                if d < bd { bd = d; best = j }
            }
            if labels[best] == labels[i] { ok += 1 }
        }
        return Double(ok) / Double(pts.count)
    }

    func testAffinitiesAreSymmetricSumToOneAndMatchThePerplexity() throws {
        let (x, _) = clusters(k: 3, m: 20)
        let p = try TSNE.affinities(x, perplexity: 5)
        XCTAssertEqual(p.values.reduce(0, +), 1, accuracy: 1e-9)
        var dense = [[Double]](repeating: [Double](repeating: 0, count: 60), count: 60)
        for i in 0..<60 { for t in p.rowStart[i]..<p.rowStart[i + 1] { dense[i][p.columns[t]] = p.values[t] } }
        for i in 0..<60 { for j in 0..<60 { XCTAssertEqual(dense[i][j], dense[j][i], accuracy: 1e-12) } }
        // Nearest neighbours are exact: compare one row with brute force.
        let (idx, _) = try TSNE.nearestNeighbours(x, k: 5)
        let xs = x.scalars
        var dists: [(Int, Float)] = []
        for j in 1..<60 {
            var s: Float = 0
            for t in 0..<10 { let e = xs[t] - xs[j * 10 + t]; s += e * e }
            dists.append((j, s))
        }
        let d0 = dists.sorted { $0.1 < $1.1 }.prefix(5).map { $0.0 }
        XCTAssertEqual(Array(idx[0..<5]), d0)
    }

    func testBarnesHutGradientIsCloseToTheExactOne() throws {
        let (x, _) = clusters(k: 4, m: 50)
        let p = try TSNE.affinities(x, perplexity: 10)
        var rng = RNG(seed: 2)
        let y = (0..<(2 * 200)).map { _ in Double(rng.normal()) * 3 }
        let exact = TSNE.gradientExact(y, p)
        let bh = TSNE.gradientBarnesHut(y, p, theta: 0.5)
        let tight = TSNE.gradientBarnesHut(y, p, theta: 1e-6)
        func relErr(_ a: [Double]) -> Double {
            (zip(a, exact).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / exact.reduce(0) { $0 + $1 * $1 }).squareRoot()
        }
        XCTAssertLessThan(relErr(bh), 0.05)
        XCTAssertLessThan(relErr(tight), 1e-9)   // theta → 0 visits every point: the exact sum
    }

    func testSeparatesClustersAndIsReproducible() throws {
        let (x, labels) = clusters(k: 4, m: 40)
        let tsne = TSNE(perplexity: 15, iterations: 400, seed: 1)
        let a = try tsne.embed(x)
        XCTAssertEqual(mapAccuracy(a, labels), 1, "well-separated clusters stay separated")
        let b = try tsne.embed(x)
        XCTAssertEqual(a.map(\.x), b.map(\.x))
        XCTAssertThrowsError(try TSNE(perplexity: 50).embed(clusters(k: 2, m: 10).0)) { XCTAssertTrue("\($0)".contains("perplexity")) }
    }

    func testPCAFindsTheDirectionOfLargestVariance() throws {
        // Points along (3, 4)/5 with a little noise across it.
        var rng = RNG(seed: 4)
        var s: [Float] = []
        for _ in 0..<200 {
            let t = 5 * rng.normal(), e = 0.1 * rng.normal()
            s += [1 + 0.6 * t - 0.8 * e, 2 + 0.8 * t + 0.6 * e, 7]
        }
        let pca = try PCA(fitting: Tensor(shape: [200, 3], scalars: s), count: 2)
        XCTAssertEqual(pca.components[0][0], 0.6, accuracy: 1e-2)
        XCTAssertEqual(pca.components[0][1], 0.8, accuracy: 1e-2)
        XCTAssertEqual(abs(pca.components[1][0]), 0.8, accuracy: 1e-2)
        XCTAssertGreaterThan(pca.explainedVarianceRatio[0], 0.99)
        XCTAssertEqual(pca.mean[2], 7, accuracy: 1e-6)
    }
}

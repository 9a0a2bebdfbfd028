import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import PretextTensor

/// How a GEMM is threaded (OpenBLAS's own threads for one call, Pretext's split of C, or none) changes
/// only the rounding: each way agrees with the others to float precision, and each is the same bits from
/// one call to the next (so a run repeats exactly at a given `--threads`, as resume needs).
final class GemmThreadingTests: XCTestCase {
    /// (transA, transB, m, n, k, lda pad, beta): the ViT-S and MAE-decoder shapes of a training step, plus
    /// odd sizes that leave partial micro-kernel tiles on every edge, padded leading dimensions and beta ≠ 0.
    private let shapes: [(Bool, Bool, Int, Int, Int, Int, Float)] = [
        (false, true, 400, 1152, 384, 0, 0), (true, false, 1152, 384, 400, 0, 0), (false, false, 1576, 256, 1024, 0, 0),
        (false, true, 333, 517, 129, 3, 0), (true, true, 261, 97, 515, 5, 0.5), (false, false, 40, 2003, 999, 1, 1),
    ]

    /// C for one shape under a mode and a thread count, from fixed pseudo-random operands.
    private func product(_ s: (Bool, Bool, Int, Int, Int, Int, Float), mode: GemmThreading, threads: Int) -> [Float] {
        let saved = (GemmThreading.current, Parallel.threads)
        GemmThreading.current = mode
        Parallel.threads = threads
        defer { (GemmThreading.current, Parallel.threads) = saved }
        return product(s)
    }

    /// Fixed pseudo-random A, B and starting C per shape, made once (the debug build is slow at it).
    private static var operands: [String: ([Float], [Float], [Float])] = [:]

    /// C for one shape under the process's current mode and thread count.
    private func product(_ s: (Bool, Bool, Int, Int, Int, Int, Float)) -> [Float] {
        let (ta, tb, m, n, k, pad, beta) = s
        let (ar, ac) = ta ? (k, m) : (m, k), (br, bc) = tb ? (n, k) : (k, n)
        let lda = ac + pad, ldb = bc + pad, ldc = n + pad
        let key = "\(s)"
        if Self.operands[key] == nil {
            Self.operands[key] = (randomTensor([ar * lda], seed: 11).scalars, randomTensor([br * ldb], seed: 12).scalars,
                                  randomTensor([m * ldc], seed: 13).scalars)
        }
        let (a, b, c0) = Self.operands[key]!
        var c = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    GemmKernels.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.75, a: pa.baseAddress!, lda: lda,
                                      b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc)
                }
            }
        }
        return c
    }

    func testEveryModeAgreesAndRepeatsExactly() {
        for s in shapes {
            let reference = product(s, mode: .split, threads: 1)
            let scale = reference.map { abs($0) }.max()!
            for (mode, threads) in [(GemmThreading.split, 2), (.openblas, 2), (.auto, 2), (.openblas, 3)] {
                let c = product(s, mode: mode, threads: threads)
                assertClose(c, reference, atol: 2e-6 * scale, rtol: 0, "\(s) \(mode) on \(threads) threads vs 1 thread")
                let again = product(s, mode: mode, threads: threads)
                XCTAssertTrue(c == again, "\(s) \(mode) on \(threads) threads: C changes between calls")
            }
        }
    }

    /// The single-threaded result is the real product (guards against all modes sharing one wrong path).
    func testAgainstFloat64() {
        let s = shapes[3]
        let (_, _, m, n, k, pad, _) = s
        let lda = k + pad, ldb = k + pad, ldc = n + pad
        let a = randomTensor([m * lda], seed: 11).scalars, b = randomTensor([n * ldb], seed: 12).scalars
        let c0 = randomTensor([m * ldc], seed: 13).scalars
        let c = product(s, mode: .openblas, threads: 2)
        var worst = 0.0
        for i in stride(from: 0, to: m, by: 7) {
            for j in stride(from: 0, to: n, by: 5) {
                var dot = 0.0
                for p in 0..<k { dot += Double(a[i * lda + p]) * Double(b[j * ldb + p]) }
                worst = max(worst, abs(0.75 * dot - Double(c[i * ldc + j])))
            }
        }
        XCTAssertLessThan(worst, 1e-4)
        // Beyond n, in the padding of each row, C is untouched.
        XCTAssertEqual(c[ldc - 1], c0[ldc - 1])
    }

    /// Two callers at once: one gets OpenBLAS's threads, the other falls back to the split (the threaded
    /// call is one caller at a time); both products are right.
    func testConcurrentCallers() {
        let s = shapes[2]
        let reference = product(s, mode: .split, threads: 1)
        let saved = (GemmThreading.current, Parallel.threads)
        GemmThreading.current = .openblas
        Parallel.threads = 2
        defer { (GemmThreading.current, Parallel.threads) = saved }
        var results = [[Float]](repeating: [], count: 4)
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: 4) { i in (base + i).pointee = product(s) }
        }
        let scale = reference.map { abs($0) }.max()!
        for r in results { assertClose(r, reference, atol: 2e-6 * scale, rtol: 0, "concurrent caller") }
    }

    /// After a threaded call OpenBLAS's threads sleep instead of spinning (OPENBLAS_THREAD_TIMEOUT set by
    /// the loader): an idle process burns no CPU. With OpenBLAS's default they spin ~2^28 cycles, ~0.1 s.
    func testOpenBLASThreadsSleepBetweenCalls() throws {
        if getenv("OPENBLAS_THREAD_TIMEOUT") != nil { throw XCTSkip("OPENBLAS_THREAD_TIMEOUT set by the environment") }
        _ = product(shapes[0], mode: .openblas, threads: 2)
        func cpuSeconds() -> Double {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
        }
        let before = cpuSeconds()
        usleep(300_000)
        XCTAssertLessThan(cpuSeconds() - before, 0.03, "OpenBLAS's threads kept a core busy after the call")
    }

    func testModeFromEnvironment() {
        var warnings: [String] = []
        XCTAssertEqual(GemmThreading.parse(nil) { warnings.append($0) }, .auto)
        XCTAssertEqual(GemmThreading.parse("") { warnings.append($0) }, .auto)
        XCTAssertEqual(GemmThreading.parse("OpenBLAS") { warnings.append($0) }, .openblas)
        XCTAssertEqual(GemmThreading.parse("split") { warnings.append($0) }, .split)
        XCTAssertTrue(warnings.isEmpty)
        XCTAssertEqual(GemmThreading.parse("blis") { warnings.append($0) }, .auto)
        XCTAssertEqual(warnings, ["PRETEXT_GEMM_THREADING=blis is not one of split, openblas, auto; using auto"])
        XCTAssertTrue(GemmThreading.auto.usesOpenBLAS(multiplyAdds: GemmThreading.openBLASMinimum))
        XCTAssertFalse(GemmThreading.auto.usesOpenBLAS(multiplyAdds: GemmThreading.openBLASMinimum - 1))
        XCTAssertFalse(GemmThreading.split.usesOpenBLAS(multiplyAdds: 1 << 40))
    }
}

// Case B6 of pretext-bench: the raw kernels (matmul, conv 3×3) against PyTorch's figures on this machine.
import Foundation
import PretextTensor

/// Seconds on a monotonic clock.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Median wall time (seconds) of `runs` calls after `warmups` untimed ones.
func medianTime(warmups: Int, runs: Int, _ body: () -> Void) -> Double {
    for _ in 0..<warmups { body() }
    var times: [Double] = []
    for _ in 0..<runs {
        let t0 = now()
        body()
        times.append(now() - t0)
    }
    times.sort()
    return times[times.count / 2]
}

/// A buffer of `n` floats in [-1, 1) (deterministic).
func randomBuffer(_ n: Int, seed: UInt64) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
    var s = seed &* 6364136223846793005 &+ 1442695040888963407
    for i in 0..<n {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        p[i] = Float((s >> 40) & 0xFFFFFF) / Float(1 << 23) - 1
    }
    return p
}

struct Row {
    var name: String, value: Double, unit: String, torch: Double, target: String, pass: Bool
}

/// Runs case B6 and prints its table.
/// PyTorch's B6 figures: from a `--peer` bench_peer.py JSON of the same session when given, else the
/// README's.
func runKernelBench(peer: [String: Double] = [:]) {
    var rows: [Row] = []
    Parallel.ensureBLASSingleThreaded()

    // MARK: matmul (square, C = A·B)

    let torchGflops: [Int: Double] = [1024: peer["matmul1024_gflops"] ?? 0, 2048: peer["matmul2048_gflops"] ?? 164]
    let torchConvForward = peer["conv3x3_64_fwd_ms"] ?? 43.8, torchConvBoth = peer["conv3x3_64_fwd_bwd_ms"] ?? 158.9
    for n in [1024, 2048] {
        let a = randomBuffer(n * n, seed: 1), b = randomBuffer(n * n, seed: 2)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        let flops = 2 * Double(n) * Double(n) * Double(n)
        // (a) Pretext's split: single-threaded OpenBLAS per block of rows, one block per thread;
        // (b) one call on OpenBLAS's own threads (what `GemmThreading.auto` does at this size).
        let mode = GemmThreading.current
        GemmThreading.current = .split
        let split = medianTime(warmups: 2, runs: 7) {
            GemmKernels.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: c, ldc: n)
        }
        GemmThreading.current = .openblas
        let blasThreads = medianTime(warmups: 2, runs: 7) {
            GemmKernels.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: c, ldc: n)
        }
        GemmThreading.current = mode
        let torch = torchGflops[n] ?? 0
        for (label, t) in [("split", split), ("openblas-mt", blasThreads)] {
            let g = flops / t / 1e9
            rows.append(Row(name: "matmul \(n)² (\(label))", value: g, unit: "GFLOP/s", torch: torch,
                            target: torch > 0 ? "≥ \(String(format: "%.1f", 0.9 * torch))" : "-",
                            pass: torch == 0 || g >= 0.9 * torch))
        }
        a.deallocate(); b.deallocate(); c.deallocate()
    }

    // MARK: conv2d 3×3 64→64 pad 1, input (64, 64, 32, 32), with bias

    do {
        let g = Conv2dGeometry(batch: 64, inChannels: 64, height: 32, width: 32, outChannels: 64, kernelH: 3, kernelW: 3,
                               padH: 1, padW: 1)
        try g.validate()
        let inCount = g.batch * g.inputImageSize, outCount = g.batch * g.outputImageSize
        let x = randomBuffer(inCount, seed: 3), w = randomBuffer(g.weightCount, seed: 4)
        let bias = randomBuffer(g.outChannels, seed: 5)
        let y = UnsafeMutablePointer<Float>.allocate(capacity: outCount)
        let gy = UnsafeMutablePointer<Float>.allocate(capacity: outCount)
        gy.initialize(repeating: 1, count: outCount)  // d(y.sum())/dy
        let gx = UnsafeMutablePointer<Float>.allocate(capacity: inCount)
        let gw = UnsafeMutablePointer<Float>.allocate(capacity: g.weightCount)
        let gb = UnsafeMutablePointer<Float>.allocate(capacity: g.outChannels)

        let fwd = medianTime(warmups: 2, runs: 5) {
            ConvKernels.forward(g, input: x, weight: w, bias: bias, output: y)
        }
        var parts = [0.0, 0.0, 0.0, 0.0]
        let fwdBwd = medianTime(warmups: 2, runs: 5) {
            let t0 = now()
            ConvKernels.forward(g, input: x, weight: w, bias: bias, output: y)
            let t1 = now()
            ConvKernels.backwardInput(g, gradOutput: gy, weight: w, gradInput: gx)
            let t2 = now()
            ConvKernels.backwardWeight(g, gradOutput: gy, input: x, gradWeight: gw)
            let t3 = now()
            ConvKernels.backwardBias(g, gradOutput: gy, gradBias: gb)
            let t4 = now()
            parts = [t1 - t0, t2 - t1, t3 - t2, t4 - t3]
        }
        rows.append(Row(name: "conv2d 3x3 64→64 fwd", value: fwd * 1e3, unit: "ms", torch: torchConvForward,
                        target: "≤ \(String(format: "%.1f", torchConvForward)) (ideal)", pass: fwd * 1e3 <= torchConvForward))
        rows.append(Row(name: "conv2d 3x3 64→64 fwd+bwd", value: fwdBwd * 1e3, unit: "ms", torch: torchConvBoth,
                        target: "≤ \(String(format: "%.1f", 1.25 * torchConvBoth))", pass: fwdBwd * 1e3 <= 1.25 * torchConvBoth))
        print(String(format: "conv parts (last run, ms): forward %.1f, input grad %.1f, weight grad %.1f, bias grad %.1f",
                     parts[0] * 1e3, parts[1] * 1e3, parts[2] * 1e3, parts[3] * 1e3))
    } catch {
        print("conv2d: \(error)")
    }

    // MARK: table

    print("B6 kernels — \(Parallel.threads) threads (matmul rows: split = Pretext's split of C, openblas-mt = OpenBLAS's own threads for the call)")
    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    print(pad("case", 30) + pad("ours", 12) + pad("unit", 9) + pad("pytorch", 9) + pad("target", 14) + "ok")
    for r in rows {
        print(pad(r.name, 30) + pad(String(format: "%.1f", r.value), 12) + pad(r.unit, 9)
              + pad(r.torch > 0 ? String(format: "%.1f", r.torch) : "-", 9) + pad(r.target, 14) + (r.pass ? "yes" : "NO"))
    }
}

// pretext-bench: benchmarks that print tables, side by side with ../shared/peer/bench_peer.py.
//   swift build -c release --product pretext-bench && .build/release/pretext-bench [--only B1,B2,B5,B6,L] [--threads N]
// B1 SimCLR, B2 MoCo v2, B5 rotation: whole training steps (ms/step); B6: matmul and conv kernels;
// L: the image loader (images/s). PyTorch's figures are those measured on this machine (see README).
import Foundation
import PretextTensor

let args = CommandLine.arguments
if let i = args.firstIndex(of: "--threads"), i + 1 < args.count, let t = Int(args[i + 1]) { Parallel.threads = t }
var only = Set(["B1", "B2", "B5", "B6", "L"])
if let i = args.firstIndex(of: "--only"), i + 1 < args.count { only = Set(args[i + 1].split(separator: ",").map(String.init)) }
if args.contains("--help") {
    print("usage: pretext-bench [--only B1,B2,B5,B6,L] [--threads N] [--data DIR]")
    exit(0)
}

if only.contains("B6") { runKernelBench() }

let stepCases: [(key: String, name: String, torchSeconds: Double, run: () throws -> Double)] = [
    ("B1", "simclr resnet18-cifar 32px bs128 x2 views", 8.9, { try TrainingSteps.simclr() }),
    ("B2", "moco-v2 resnet18-cifar 32px bs128 queue4096", 6.4, { try TrainingSteps.moco() }),
    ("B5", "rotation resnet18-cifar 32px bs128 x4 rotations", 21.3, { try TrainingSteps.rotation() }),
]
let selected = stepCases.filter { only.contains($0.key) }
if !selected.isEmpty {
    print("\ntraining steps — \(Parallel.threads) threads")
    print("case  " + "name".padding(toLength: 50, withPad: " ", startingAt: 0) + "ours ms/step  pytorch ms/step  ratio")
    for c in selected {
        do {
            let s = try c.run()
            print(c.key.padding(toLength: 6, withPad: " ", startingAt: 0) + c.name.padding(toLength: 50, withPad: " ", startingAt: 0)
                  + String(format: "%12.0f  %15.0f  %5.2fx", s * 1e3, c.torchSeconds * 1e3, s / c.torchSeconds))
        } catch {
            print("\(c.key) failed: \(error)")
        }
        BufferPool.shared.drain()
    }
}

if only.contains("L") { runLoaderBench(args: args) }

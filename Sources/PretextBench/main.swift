// pretext-bench: benchmarks that print tables, side by side with ../shared/peer/bench_peer.py.
//   swift build -c release --product pretext-bench && .build/release/pretext-bench [--only B1,...] [--peer FILE.json ...]
// B1 SimCLR, B2 MoCo v2, B3 DINO, B4 MAE, B5 rotation: whole training steps (ms/step); B6: matmul and conv
// kernels; M: forward and forward+backward of resnet18-cifar and vit-s/16; L: the image loader (images/s).
// PyTorch's figures: `--peer` JSON files written in the same session by bench_peer.py --json and
// Tests/Fixtures/bench_torch_models.py --json (side by side); without them, the figures in the README.
import Foundation
import PretextTensor

let args = CommandLine.arguments
if let i = args.firstIndex(of: "--threads"), i + 1 < args.count, let t = Int(args[i + 1]) { Parallel.threads = t }
var only = Set(["B1", "B2", "B3", "B4", "B5", "B6", "M", "L"])
if let i = args.firstIndex(of: "--only"), i + 1 < args.count { only = Set(args[i + 1].split(separator: ",").map(String.init)) }
if args.contains("--help") {
    print("""
    usage: pretext-bench [--only B1,B2,B3,B4,B5,B6,M,L] [--threads N] [--peer FILE.json]... [--data DIR]
      --peer   PyTorch timings measured in the same session (bench_peer.py --json FILE,
               Tests/Fixtures/bench_torch_models.py --json FILE); repeatable
    environment: PRETEXT_BENCH_STEPS=1 prints every timed step of B3/B4 on stderr;
      PRETEXT_HUGE_PAGES=1 puts tensor buffers from 2 MiB on transparent huge pages (default: off);
      PRETEXT_GEMM_THREADING, PRETEXT_CONV, PRETEXT_CONV_WINOGRAD, PRETEXT_THREAD_POOL as in the README
    """)
    exit(0)
}

/// PyTorch's seconds per case, from the `--peer` files: "B1"… (ms_per_step) and "M1.fwd"… (ms).
var peerSeconds: [String: Double] = [:]
/// PyTorch's B6 kernel figures (GFLOP/s and ms) from the same files.
var peerKernels: [String: Double] = [:]
for (i, a) in args.enumerated() where a == "--peer" && i + 1 < args.count {
    guard let data = FileManager.default.contents(atPath: args[i + 1]),
          let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        FileHandle.standardError.write("pretext-bench: cannot read the PyTorch timings in \(args[i + 1]) (a JSON file from bench_peer.py --json)\n".data(using: .utf8)!)
        exit(2)
    }
    for (key, value) in json {
        if let row = value as? [String: Any], let ms = row["ms_per_step"] as? Double { peerSeconds[key] = ms / 1e3 }
        if key == "B6", let row = value as? [String: Any] {
            for (k, v) in row { if let x = v as? Double { peerKernels[k] = x } }
        }
        if let row = value as? [String: Any], key.hasPrefix("M") {
            for (pass, v) in row { if let ms = v as? Double { peerSeconds["\(key).\(pass)"] = ms / 1e3 } }
        }
    }
}
// First lines: the CPU and the kernels that run, so every figure below is tied to them (a kernel below
// what the CPU allows has already been warned about on stderr).
KernelReport.lines.forEach { print($0) }

let peerNote = peerSeconds.isEmpty ? "pytorch: README figures (no --peer file)" : "pytorch: --peer, same session"

if only.contains("B6") { runKernelBench(peer: peerKernels) }

let stepCases: [(key: String, name: String, torchSeconds: Double, run: () throws -> Double)] = [
    ("B1", "simclr resnet18-cifar 32px bs128 x2 views", 8.9, { try TrainingSteps.simclr() }),
    ("B2", "moco-v2 resnet18-cifar 32px bs128 queue4096", 6.4, { try TrainingSteps.moco() }),
    ("B3", "dino vit-s/16 2x224+6x96 bs8 out65536", 0, { try TransformerSteps.dino() }),
    ("B4", "mae vit-s/16 224 mask0.75 dec256x4 bs16", 0, { try TransformerSteps.mae() }),
    ("B5", "rotation resnet18-cifar 32px bs128 x4 rotations", 21.3, { try TrainingSteps.rotation() }),
]
let selected = stepCases.filter { only.contains($0.key) }
if !selected.isEmpty {
    print("\ntraining steps — \(Parallel.threads) threads — \(peerNote)")
    print("case  " + "name".padding(toLength: 50, withPad: " ", startingAt: 0) + "ours ms/step  pytorch ms/step  ratio")
    for c in selected {
        do {
            let s = try c.run()
            let torch = peerSeconds[c.key] ?? c.torchSeconds
            print(c.key.padding(toLength: 6, withPad: " ", startingAt: 0) + c.name.padding(toLength: 50, withPad: " ", startingAt: 0)
                  + String(format: "%12.0f  ", s * 1e3)
                  + (torch > 0 ? String(format: "%15.0f  %5.2fx", torch * 1e3, s / torch) : "              -      -"))
        } catch {
            print("\(c.key) failed: \(error)")
        }
        BufferPool.shared.drain()
    }
}

if only.contains("M") || only.contains("M1") || only.contains("M2") {
    print("\nbackbone passes — \(Parallel.threads) threads — \(peerNote)")
    print("case  " + "name".padding(toLength: 50, withPad: " ", startingAt: 0) + "    ours ms  pytorch ms  ratio")
    let models: [(key: String, name: String, run: () throws -> ModelPasses.Timing)] = [
        ("M1", "resnet18-cifar bs128 32px", { try ModelPasses.resnet18Cifar() }),
        ("M2", "vit-s/16 bs16 224px", { try ModelPasses.vitSmall16() }),
    ]
    for m in models where only.contains("M") || only.contains(m.key) {
        do {
            let t = try m.run()
            for (pass, label, s) in [("fwd", "forward", t.forward), ("fwd_bwd", "forward+backward", t.forwardBackward)] {
                let torch = peerSeconds["\(m.key).\(pass)"] ?? 0
                print(m.key.padding(toLength: 6, withPad: " ", startingAt: 0) + "\(m.name) \(label)".padding(toLength: 50, withPad: " ", startingAt: 0)
                      + String(format: "%11.0f  ", s * 1e3)
                      + (torch > 0 ? String(format: "%10.0f  %5.2fx", torch * 1e3, s / torch) : "         -      -"))
            }
        } catch {
            print("\(m.key) failed: \(error)")
        }
        BufferPool.shared.drain()
    }
}

if only.contains("L") { runLoaderBench(args: args) }

import Foundation
import PretextData

/// Case L: images per second of the loader (decode + multi-view preset + batching, 2 workers) on the
/// shared CIFAR images; compare with Tests/Fixtures/data/bench_torch_loader.py run on the same files.
func runLoaderBench(args: [String]) {
    var data = "../shared/data/cifar10/train"
    if let i = args.firstIndex(of: "--data"), i + 1 < args.count { data = args[i + 1] }
    let results = LoaderBenchmark.run(dataRoot: data, workers: 2, log: { print($0) })
    print("\nloader — images/s")
    for r in results {
        print(r.name.padding(toLength: 50, withPad: " ", startingAt: 0) + String(format: "%10.0f", r.imagesPerSecond))
    }
}

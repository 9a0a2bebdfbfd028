import Foundation
import PretextData
import PretextSelfDistillation

/// Loader throughput (images per second, decode + multi-view transform + batching), for the
/// `pretext-bench` table and the README. Compare with Tests/Fixtures/data/bench_torch_loader.py, which
/// times torchvision's ImageFolder + Lightly's transforms in a PyTorch DataLoader on the same files.
///
/// Cases: Lightly's `SimCLRTransform(input_size=32)` defaults (`SimCLRViews(inputSize: 32)`) and the
/// DINO multi-crop preset at its default sizes (2 × 224 px + 6 × 96 px, so CIFAR images are upscaled).
public enum LoaderBenchmark {
    /// Times each case over `images` samples (after one warm-up batch) with `workers` threads.
    /// `dataRoot`: an ImageFolder tree (e.g. ../shared/data/cifar10/train); when nil or missing, the
    /// synthetic shapes dataset (32 px, generated on the fly instead of decoded) is used.
    public static func run(dataRoot: String? = nil, workers: Int = 2, batchSize: Int = 256,
                           images: Int = 5000, dinoImages: Int = 1024,
                           log: (String) -> Void = { _ in }) -> [(name: String, imagesPerSecond: Double)] {
        let dataset: any Dataset
        var source = "synthetic 32 px"
        if let root = dataRoot, let ds = try? ImageFolderDataset(root: root) {
            dataset = ds
            source = root
        } else {
            dataset = try! SyntheticShapesDataset(count: max(images, dinoImages), size: 32)
        }
        log("loader benchmark on \(source) (\(dataset.count) images), \(workers) workers, batch \(batchSize)")
        var results: [(name: String, imagesPerSecond: Double)] = []
        let cases: [(String, any Transform, Int)] = [
            ("decode+simclr-32 (\(workers) workers)", try! SimCLRViews(inputSize: 32), images),
            ("decode+dino-224/96 multi-crop (\(workers) workers)", try! DINOViews(), dinoImages),
        ]
        for (name, transform, n) in cases {
            let ips = measure(dataset: dataset, transform: transform, workers: workers, batchSize: batchSize, images: n)
            log(String(format: "%@: %.0f images/s", name, ips))
            results.append((name, ips))
        }
        return results
    }

    /// Images per second for `images` samples of `dataset` through `transform`.
    public static func measure(dataset: any Dataset, transform: any Transform, workers: Int, batchSize: Int,
                               images: Int) -> Double {
        let subset = SubsetDataset(base: dataset, count: min(images + batchSize, dataset.count))
        guard let loader = try? DataLoader(dataset: subset, transform: transform, batchSize: min(batchSize, subset.count),
                                           shuffle: true, dropLast: false, seed: 0, workers: workers,
                                           prefetch: 2) else { return 0 }
        let epoch = loader.epoch(0)
        _ = try? epoch.nextBatch() // warm-up: threads started, pools filled
        let start = DispatchTime.now().uptimeNanoseconds
        var count = 0
        while let b = try? epoch.nextBatch() { count += b.count }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return seconds > 0 ? Double(count) / seconds : 0
    }
}

/// The first `count` samples of another dataset.
struct SubsetDataset: Dataset {
    let base: any Dataset
    let count: Int
    var classNames: [String] { base.classNames }
    func label(at index: Int) -> Int? { base.label(at: index) }
    func image(at index: Int) throws -> Image { try base.image(at: index) }
    func name(at index: Int) -> String { base.name(at: index) }
}

import Foundation
import PretextSDK
import PretextMaskedModeling
// dump_pretext_batches SEED OUT [TRAIN]: the batches of a Pretext SimMIM run (simmim-vit-cifar-small.yaml: MAE views at
// 32 px, min_scale 0.67; shuffle, drop_last, batch 128, seed S; 12 epochs × 39 steps) and its masks (10 of the 16 cells of
// 2 × 2 patches, drawn as the runner draws them: RNG(seed: S, stream: 0x5EED_0000 + step), PatchMask.randomGrid).
// OUT.views: raw f32 [468, 128, 3, 32, 32]; OUT.masks: raw int32 [468, 128, 40], masked patch indices (0-based, no CLS).
let seed = UInt64(CommandLine.arguments[1])!, out = CommandLine.arguments[2]
let steps = 12 * 39
let ds = try ImageFolderDataset(root: CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : "../shared/data/cifar10/train")
let views = try MAEViews(inputSize: 32, minScale: 0.67)
let loader = try DataLoader(dataset: ds, transform: views, batchSize: 128, shuffle: true, dropLast: true, seed: seed, workers: 1, prefetch: 2)
for suffix in [".views", ".masks"] { _ = FileManager.default.createFile(atPath: out + suffix, contents: nil) }
let hv = FileHandle(forWritingAtPath: out + ".views")!, hm = FileHandle(forWritingAtPath: out + ".masks")!
var step = 0
for e in 0..<12 {
    let ep = loader.epoch(e)
    while let b = try ep.nextBatch() {
        hv.write(b.views[0].scalars.withUnsafeBufferPointer { Data(buffer: $0) })
        var rng = RNG(seed: seed, stream: 0x5EED_0000 &+ UInt64(step))
        let masked = try PatchMask.randomGrid(batch: 128, grid: 8, cell: 2, ratio: 0.6, rng: &rng).flatMap { $0.map(Int32.init) }
        hm.write(masked.withUnsafeBufferPointer { Data(buffer: $0) })
        step += 1
    }
}
precondition(step == steps, "expected \(steps) batches, got \(step)")
hv.closeFile(); hm.closeFile()

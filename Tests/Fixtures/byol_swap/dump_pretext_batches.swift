import Foundation
import PretextSDK
// dump_pretext_batches SEED OUT [TRAIN]: the batches of a Pretext BYOL run (byol-cifar-small.yaml's loader: shuffle, drop_last, batch 128, seed S), 12 epochs, as raw f32.
let seed = UInt64(CommandLine.arguments[1])!, out = CommandLine.arguments[2]
let ds = try ImageFolderDataset(root: CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : "../shared/data/cifar10/train")
let views = try BYOLViews(inputSize: 32, blurProbs: (0, 0))
let loader = try DataLoader(dataset: ds, transform: views, batchSize: 128, shuffle: true, dropLast: true, seed: seed, workers: 1, prefetch: 2)
FileManager.default.createFile(atPath: out, contents: nil)
let h = FileHandle(forWritingAtPath: out)!
for e in 0..<12 {
    let ep = loader.epoch(e)
    while let b = try ep.nextBatch() {
        for v in b.views { h.write(v.scalars.withUnsafeBufferPointer { Data(buffer: $0) }) }
    }
}
h.closeFile()

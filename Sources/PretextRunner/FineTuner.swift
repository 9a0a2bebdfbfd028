import Foundation
import PretextCore
import PretextData
import PretextKit
import PretextNN
import PretextTensor

/// Supervised fine-tuning of a (pretrained, random or imported) backbone with a new linear head, the
/// usual transfer recipe (e.g. Kornblith et al. 2019; Howard & Ruder 2018 for gradual unfreezing):
///
/// - head: `LinearClassifier` (Xavier-uniform, zero bias) on the backbone's pooled features;
/// - two parameter groups: the head at the base learning rate, the backbone at `backboneLRScale` × it
///   (default 0.1, a 10× smaller rate); SGD, momentum 0.9, weight decay 5e-4, cosine schedule per step;
/// - optional freezing of the first `freezeStages` stages (`BackboneStages`: ResNet stem/layer1…, ViT
///   embedding/blocks…; their batch-norms stay in evaluation mode) and gradual unfreezing: every
///   `unfreezeEvery` epochs the deepest frozen stage is released;
/// - views: `RandomResizedCrop(inputSize, scale: (minScale, 1))` + horizontal flip for training,
///   `Resize(inputSize)` + `CenterCrop(inputSize)` for testing, both with the pretraining normalisation;
/// - after every epoch: test top-1/top-5, a line of `history.csv` / `history.jsonl` and `accuracy.png`
///   in the output folder; at the end `summary.json` and `model.safetensors` (backbone + head with
///   torchvision/timm keys: `fc.*` for ResNets, `head.*` for ViTs).
public final class FineTuner {
    public struct Options {
        public var epochs = 10
        public var learningRate: Float = 0.05
        public var backboneLRScale: Float = 0.1
        public var batchSize = 128
        public var momentum: Float = 0.9
        public var weightDecay: Float = 5e-4
        public var labelSmoothing: Float = 0
        public var freezeStages = 0
        public var unfreezeEvery = 0
        public var inputSize = 32
        public var minScale: Float = 0.2
        public var seed: UInt64 = 0
        public var workers = 2
        public init() {}
    }

    /// One epoch's numbers.
    public struct EpochResult {
        public var epoch: Int
        public var trainLoss: Double
        public var trainTop1: Double
        public var testTop1: Double
        public var testTop5: Double
        public var learningRate: Double
        public var frozenStages: Int
        public var seconds: Double

        public var dictionary: [String: Any] {
            ["epoch": epoch, "train_loss": trainLoss, "train_top1": trainTop1, "test_top1": testTop1, "test_top5": testTop5,
             "lr": learningRate, "frozen_stages": frozenStages, "seconds": seconds]
        }
    }

    public let backbone: any Backbone
    public let head: LinearClassifier
    public let options: Options
    public let stages: [[String]]
    public let optimizer: SGD

    public init(backbone: any Backbone, classes: Int, options: Options) throws {
        guard classes >= 2 else { throw RunError.data("fine-tuning needs at least two classes, found \(classes)") }
        guard options.epochs >= 1, options.batchSize >= 1, options.learningRate > 0, options.backboneLRScale >= 0,
              options.freezeStages >= 0, options.unfreezeEvery >= 0, options.inputSize >= 1, options.minScale > 0, options.minScale <= 1 else {
            throw RunError.data("fine-tuning options out of range: epochs, batch size, lr and input size must be positive, --backbone-lr-scale, --freeze-stages and --unfreeze-every non-negative, --min-scale in (0, 1]")
        }
        self.backbone = backbone
        self.options = options
        var rng = RNG(seed: options.seed, stream: 0xF1E7)
        head = LinearClassifier(inDim: backbone.featureDim, numClasses: classes, initialization: .xavierUniform, rng: &rng)
        stages = BackboneStages.stages(of: backbone)
        guard options.freezeStages <= stages.count else {
            throw RunError.data("--freeze-stages \(options.freezeStages): this backbone has \(stages.count) stages (\(stages.map { $0.joined(separator: "+") }.joined(separator: ", ")))")
        }
        // Every backbone parameter is in the optimizer, frozen or not: SGD skips those without gradients,
        // so gradual unfreezing needs no new optimizer (and keeps the momentum of the rest).
        for (_, t) in backbone.namedParameters() { t.requiresGrad = true }
        optimizer = try SGD(groups: FineTuner.parameterGroups(backbone: backbone, head: head, backboneLRScale: options.backboneLRScale),
                            momentum: options.momentum, weightDecay: options.weightDecay)
        applyFreezing(frozenStages(atEpoch: 0))
    }

    /// The head at the base learning rate, the backbone at `backboneLRScale` × it.
    public static func parameterGroups(backbone: Module, head: Module, backboneLRScale: Float) -> [ParameterGroup] {
        [ParameterGroup(name: "head", parameters: head.namedParameters().map { ("head.\($0.key)", $0.tensor) }, learningRateScale: 1),
         ParameterGroup(name: "backbone", parameters: backbone.namedParameters().map { ("backbone.\($0.key)", $0.tensor) },
                        learningRateScale: backboneLRScale)]
    }

    /// Stages frozen during `epoch` (0-based): `freezeStages`, one fewer every `unfreezeEvery` epochs.
    public func frozenStages(atEpoch epoch: Int) -> Int {
        guard options.unfreezeEvery > 0 else { return options.freezeStages }
        return max(0, options.freezeStages - epoch / options.unfreezeEvery)
    }

    /// Freezes the first `n` stages (no gradients) and unfreezes the rest.
    public func applyFreezing(_ n: Int) {
        for (i, prefixes) in stages.enumerated() {
            for p in prefixes { backbone.freeze(prefix: p, i < n) }
        }
    }

    /// Training mode, except the modules of frozen stages (their batch-norm statistics stay fixed).
    func setTrainingMode(frozen n: Int) {
        backbone.train()
        head.train()
        guard n > 0 else { return }
        let frozen = Array(stages.prefix(n)).flatMap { $0 }
        for (key, m) in backbone.namedModules() where !key.isEmpty && BackboneStages.contains(frozen, key: key) { m.eval() }
    }

    /// The training and test transforms.
    public func transforms(mean: [Float], std: [Float]) throws -> (train: SingleView, test: SingleView) {
        let norm = try Normalize(mean: mean, std: std)
        let train = SingleView(Compose([try RandomResizedCrop(size: options.inputSize, scale: (options.minScale, 1)),
                                        try RandomHorizontalFlip()]), normalize: norm)
        return (train, try SingleView.evaluation(resize: options.inputSize, centerCrop: options.inputSize, normalize: norm))
    }

    /// Top-1 and top-5 accuracy of backbone + head on `loader`'s images.
    public func evaluate(_ loader: DataLoader) throws -> (top1: Double, top5: Double) {
        backbone.eval()
        head.eval()
        var c1 = 0.0, c5 = 0.0, n = 0.0
        let epoch = loader.epoch(0)
        while let batch = try epoch.nextBatch() {
            let labels = batch.labels.map { $0 ?? -1 }
            let logits = try noGrad { try head(try backbone(batch.views[0])) }
            let acc = try LinearProbe.accuracy(logits: logits, labels: labels)
            c1 += acc.top1 * Double(labels.count)
            c5 += acc.top5 * Double(labels.count)
            n += Double(labels.count)
        }
        return (c1 / max(n, 1), c5 / max(n, 1))
    }

    /// Trains for `options.epochs`, evaluating on `test` after each epoch; writes the history into
    /// `outDir` as it goes and calls `log` with a line per epoch.
    @discardableResult
    public func run(train: any Dataset, test: any Dataset, mean: [Float], std: [Float], outDir: URL,
                    title: String = "Fine-tuning", log: (String) -> Void = { _ in }) throws -> [EpochResult] {
        guard train.isLabelled, test.isLabelled else {
            throw RunError.data("fine-tuning needs labelled folders (one sub-folder per class) for --train and --test")
        }
        let (trainView, testView) = try transforms(mean: mean, std: std)
        let dropLast = train.count > options.batchSize
        let trainLoader = try DataLoader(dataset: train, transform: trainView, batchSize: options.batchSize, shuffle: true,
                                         dropLast: dropLast, seed: options.seed, workers: options.workers, prefetch: 2)
        let testLoader = try DataLoader(dataset: test, transform: testView, batchSize: 256, shuffle: false, dropLast: false,
                                        seed: 0, workers: options.workers, prefetch: 2)
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let csvURL = outDir.appendingPathComponent("history.csv")
        try "epoch,train_loss,train_top1,test_top1,test_top5,lr,frozen_stages,seconds\n".write(to: csvURL, atomically: true, encoding: .utf8)
        let jsonlURL = outDir.appendingPathComponent("history.jsonl")
        try? FileManager.default.removeItem(at: jsonlURL)
        let jsonl = try MetricsLog(url: jsonlURL)
        let schedule = WarmupCosineSchedule()
        let stepsPerEpoch = trainLoader.batchesPerEpoch
        let total = stepsPerEpoch * options.epochs
        var step = 0
        var history: [EpochResult] = []
        let start = Date()
        for epoch in 0..<options.epochs {
            let frozen = frozenStages(atEpoch: epoch)
            applyFreezing(frozen)
            setTrainingMode(frozen: frozen)
            let epochLR = Double(options.learningRate * schedule.value(at: step, of: total))
            var lossSum = 0.0, correct = 0.0, seen = 0.0, batches = 0
            let batchesOfEpoch = trainLoader.epoch(epoch)
            while let batch = try batchesOfEpoch.nextBatch() {
                let labels = batch.labels.map { $0 ?? -1 }
                let logits = try head(try backbone(batch.views[0]))
                let loss = try logits.crossEntropy(labels: labels, labelSmoothing: options.labelSmoothing)
                let value = loss.item
                guard value.isFinite else {
                    throw RunError.data("fine-tuning: the loss became \(value) at epoch \(epoch + 1), step \(step); lower --lr")
                }
                try loss.backward()
                try optimizer.step(learningRate: options.learningRate * schedule.value(at: step, of: total))
                optimizer.zeroGrad()
                step += 1
                batches += 1
                lossSum += Double(value)
                correct += try LinearProbe.accuracy(logits: logits.detached(), labels: labels).top1 * Double(labels.count)
                seen += Double(labels.count)
                if InterruptFlag.isSet {
                    throw RunError.data("fine-tuning interrupted in epoch \(epoch + 1); the history of the finished epochs is in \(outDir.path)")
                }
            }
            let (top1, top5) = try evaluate(testLoader)
            let r = EpochResult(epoch: epoch + 1, trainLoss: lossSum / Double(max(batches, 1)), trainTop1: correct / max(seen, 1),
                                testTop1: top1, testTop5: top5, learningRate: epochLR, frozenStages: frozen,
                                seconds: Date().timeIntervalSince(start))
            history.append(r)
            let line = String(format: "%d,%.6f,%.6f,%.6f,%.6f,%.6g,%d,%.1f\n", r.epoch, r.trainLoss, r.trainTop1, r.testTop1, r.testTop5,
                              r.learningRate, r.frozenStages, r.seconds)
            let h = try FileHandle(forWritingTo: csvURL)
            h.seekToEndOfFile()
            h.write(Data(line.utf8))
            try h.close()
            try jsonl.write(r.dictionary)
            try? FineTuner.plot(history, title: title).write(to: outDir.appendingPathComponent("accuracy.png").path)
            log(String(format: "epoch %d/%d  loss %.4f  train top-1 %.2f%%  test top-1 %.2f%%  top-5 %.2f%%  lr %.4g%@  (%.0f s)",
                       r.epoch, options.epochs, r.trainLoss, 100 * r.trainTop1, 100 * top1, 100 * top5, r.learningRate,
                       frozen > 0 ? "  frozen stages \(frozen)" : "", r.seconds))
        }
        return history
    }

    /// Test and training top-1 (%) per epoch.
    public static func plot(_ history: [EpochResult], title: String) -> Plot {
        var plot = Plot(title: title, xLabel: "epoch", yLabel: "top-1 accuracy (%)")
        let x = history.map { Double($0.epoch) }
        plot.series.append(.line("test top-1", x: x, y: history.map { 100 * $0.testTop1 }, marker: .circle))
        plot.series.append(.line("train top-1 (augmented)", x: x, y: history.map { 100 * $0.trainTop1 }, marker: .square, dash: [8, 5]))
        if history.count < 6 { plot.xTickLabels = history.map { (value: Double($0.epoch), label: "\($0.epoch)") } }
        return plot
    }

    /// Backbone + head state with torchvision/timm keys (`fc.*` for ResNets, `head.*` otherwise).
    public func stateDict() -> [(key: String, tensor: Tensor)] {
        let headKey = backbone is ResNet ? "fc" : "head"
        return backbone.stateDict() + head.stateDict().map { ("\(headKey).\($0.key)", $0.tensor) }
    }

    /// Loads backbone weights with torchvision/timm keys from a safetensors file, strictly: keys of a
    /// classifier (`fc.*`, `head.*`) are ignored (a new head is trained), every other missing or
    /// unexpected key is an error listing them. Returns the ignored keys and the file's metadata.
    public static func loadBackbone(_ backbone: any Backbone, from path: String) throws -> (ignored: [String], metadata: [String: String]) {
        let file = try SafeTensors.read(from: URL(fileURLWithPath: path))
        var state: [String: Tensor] = [:], ignored: [String] = []
        let own = Set(backbone.stateDict().map(\.key))
        for (k, t) in file.tensors {
            if !own.contains(k) && (k.hasPrefix("fc.") || k.hasPrefix("head.")) { ignored.append(k); continue }
            state[k] = t
        }
        try backbone.loadStateDict(state, strict: true, source: path)
        return (ignored.sorted(), file.metadata)
    }
}

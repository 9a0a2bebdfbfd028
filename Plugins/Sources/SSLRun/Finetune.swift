import ArgumentParser
import Foundation
import Pretext

/// `ssl-run finetune [RUN_DIR] --train DIR --test DIR [--random-init | --init FILE] …`.
struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a backbone with a new linear head on a labelled folder (pretrained, random or imported weights).",
        discussion: HelpText.reflow("""
        The backbone comes from RUN_DIR's checkpoint (pretrained), or with --random-init freshly initialised with the same
        architecture (RUN_DIR's, or --backbone NAME with --set backbone.key=value), or with --init FILE from a safetensors file
        with torchvision/timm keys (strict: missing and unexpected keys are listed; a classifier's fc.*/head.* keys are ignored).
        Pretrained against --random-init on the same data is the benefit of pretraining in one comparison.
        Recipe: new linear head (Xavier init) at --lr, the backbone at --lr × --backbone-lr-scale (default 10× smaller), SGD
        (momentum 0.9, weight decay 5e-4), cosine schedule; --freeze-stages N freezes the first N stages (ResNet: stem,
        layer1, …; ViT: embedding, blocks.0, …) and --unfreeze-every K releases the deepest frozen one every K epochs.
        Training views: RandomResizedCrop(--input-size, scale (--min-scale, 1)) + flip; test: resize + centre crop; both
        with the run's normalisation (or the --init file's mean/std, else ImageNet's). Each epoch prints test top-1/top-5
        and appends to OUT/history.csv and OUT/history.jsonl; OUT/accuracy.png plots it; OUT/model.safetensors holds the
        fine-tuned network (torchvision/timm keys, classifier as fc.* / head.*).
        Examples:
          ssl-run finetune runs/simclr --train ../shared/data/cifar10/train --test ../shared/data/cifar10/test --epochs 5
          ssl-run finetune runs/simclr --random-init --train ../shared/data/cifar10/train --test ../shared/data/cifar10/test --epochs 5
        """))

    @Argument(help: "Run folder of a pretraining run (its backbone and normalisation).") var runDir: String?
    @Option(help: "Labelled training folder (class sub-folders).") var train: String
    @Option(help: "Labelled test folder (class sub-folders).") var test: String
    @Option(help: "Epochs.") var epochs: Int = 10
    @Option(help: "Learning rate of the head (the backbone gets it × --backbone-lr-scale).") var lr: Double = 0.05
    @Option(help: "Backbone learning rate as a fraction of --lr.") var backboneLrScale: Double = 0.1
    @Option(help: "Images per batch.") var batchSize: Int = 128
    @Option(help: "Weight decay.") var weightDecay: Double = 5e-4
    @Option(help: "Label smoothing of the cross-entropy.") var labelSmoothing: Double = 0
    @Option(help: "Freeze the first N backbone stages.") var freezeStages: Int = 0
    @Option(help: "Unfreeze the deepest frozen stage every K epochs (0 = never).") var unfreezeEvery: Int = 0
    @Option(help: "Training/test image size (default: the size of the training images).") var inputSize: Int?
    @Option(help: "Smallest area fraction of the training crops.") var minScale: Double = 0.2
    @Option(help: "Which checkpoint of RUN_DIR: last, or an epoch number.") var checkpoint: String = "last"
    @Flag(help: "Start from freshly initialised weights (RUN_DIR's architecture or --backbone).") var randomInit = false
    @Option(name: .customLong("init"), help: ArgumentHelp("Start from these backbone weights (safetensors, torchvision/timm keys).", valueName: "file.safetensors"))
    var initFrom: String?
    @Option(help: "Backbone for --random-init / --init without a RUN_DIR (see `ssl-run list backbone`).") var backbone: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Backbone option for --backbone, e.g. --set backbone.cifar_stem=true (repeatable).", valueName: "backbone.key=value"))
    var sets: [String] = []
    @Option(help: "Seed (head initialisation, random init, augmentations, batch order).") var seed: Int = 0
    @Option(help: "Output folder (default: RUN_DIR/finetune-<pretrained|random|init>, or finetune-<backbone>-<init>).") var out: String?
    @Flag(help: "No per-epoch lines.") var quiet = false
    @OptionGroup var pluginOptions: PluginOptions

    func run() throws {
        try pluginOptions.boot(quiet: quiet)
        InterruptFlag.install()
        try validateSources()
        let (trainSet, testSet) = try LabelledFolders.open(train: train, test: test, purpose: "fine-tuning")
        let (net, norm, origin) = try loadBackbone()
        let options = try tunerOptions(trainSet: trainSet)
        let outDir = URL(fileURLWithPath: out ?? (runDir.map { "\($0)/finetune-\(origin)" } ?? "finetune-\(backbone!)-\(origin)"))
        let tuner: FineTuner
        do { tuner = try FineTuner(backbone: net, classes: trainSet.classNames.count, options: options) } catch {
            throw CommandFailure(message: "\(error)")
        }
        if !quiet { printPlan(net: net, origin: origin, tuner: tuner, trainSet: trainSet, testSet: testSet, inputSize: options.inputSize) }
        do {
            let history = try tuner.run(train: trainSet, test: testSet, mean: norm.mean, std: norm.std, outDir: outDir,
                                        title: "Fine-tuning (\(origin))") { line in if !quiet { print(line); fflush(stdout) } }
            try writeResults(tuner: tuner, net: net, norm: norm, origin: origin, classes: trainSet.classNames, history: history,
                             inputSize: options.inputSize, outDir: outDir)
        } catch let e as CommandFailure { throw e } catch { throw CommandFailure(message: "\(error)") }
    }

    /// Exactly one source of weights, and an architecture to put them in.
    func validateSources() throws {
        guard !(randomInit && initFrom != nil) else { throw CommandFailure(message: "give either --random-init or --init FILE, not both") }
        guard runDir != nil || backbone != nil else {
            throw CommandFailure(message: "give a RUN_DIR (its pretrained backbone), or --backbone NAME with --random-init or --init FILE")
        }
        if runDir != nil && backbone != nil {
            throw CommandFailure(message: "--backbone is for fine-tuning without a RUN_DIR; with a RUN_DIR the run's architecture is used")
        }
        if runDir == nil && !randomInit && initFrom == nil {
            throw CommandFailure(message: "without a RUN_DIR, say where the weights come from: --random-init or --init FILE")
        }
        for s in sets where !s.hasPrefix("backbone.") {
            throw CommandFailure(message: "finetune's --set takes backbone options (backbone.key=value), not '\(s)'")
        }
    }

    /// The backbone (pretrained, fresh or imported), the normalisation its inputs get, and which of the
    /// three it is ("pretrained", "random", "init").
    func loadBackbone() throws -> (net: any Backbone, norm: RunArtifacts.Normalization, origin: String) {
        var norm = RunArtifacts.Normalization(spec: RunSpec(tree: .map([:])))   // ImageNet statistics unless the run or file says otherwise
        do {
            let net: any Backbone, origin: String
            if let runDir {
                try Host.shared?.restorePlugins(of: runDir)
                let run = try RunArtifacts.load(runDir: runDir, checkpoint: checkpoint)
                norm = run.normalization
                if randomInit || initFrom != nil {
                    net = try Trainer.buildMethod(spec: reseeded(run.spec), registry: .shared).0.backbone
                    origin = randomInit ? "random" : "init"
                } else {
                    net = run.method.backbone
                    origin = "pretrained"
                }
            } else {
                let tree = try RunSpec.overrides(flags: [:], sets: sets)
                let cfg = ConfigSection(path: "backbone", value: tree["backbone"])
                net = try Registry.shared.makeBackbone(backbone!, cfg, BuildContext(registry: .shared, seed: UInt64(seed)))
                try cfg.validate()
                origin = randomInit ? "random" : "init"
            }
            if let initFrom {
                let (ignored, meta) = try FineTuner.loadBackbone(net, from: initFrom)
                if !ignored.isEmpty && !quiet { print("ignored the classifier in \(initFrom): \(ignored.joined(separator: ", ")) (a new head is trained)") }
                if runDir == nil {
                    func floats(_ s: String?) -> [Float]? { s.map { $0.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) } } }
                    if let m = floats(meta["mean"]), let s = floats(meta["std"]), m.count == 3, s.count == 3 { norm.mean = m; norm.std = s }
                }
            }
            return (net, norm, origin)
        } catch let e as CommandFailure { throw e } catch { throw CommandFailure(message: "\(error)") }
    }

    /// The command's options as FineTuner's; the input size defaults to the first training image's shorter side.
    func tunerOptions(trainSet: ImageFolderDataset) throws -> FineTuner.Options {
        var options = FineTuner.Options()
        options.epochs = epochs
        options.learningRate = Float(lr)
        options.backboneLRScale = Float(backboneLrScale)
        options.batchSize = batchSize
        options.weightDecay = Float(weightDecay)
        options.labelSmoothing = Float(labelSmoothing)
        options.freezeStages = freezeStages
        options.unfreezeEvery = unfreezeEvery
        options.minScale = Float(minScale)
        options.seed = UInt64(seed)
        if let inputSize { options.inputSize = inputSize } else {
            do {
                let first = try trainSet.image(at: 0)
                options.inputSize = min(first.width, first.height)
            } catch { throw CommandFailure(message: "\(error)") }
        }
        return options
    }

    func printPlan(net: any Backbone, origin: String, tuner: FineTuner, trainSet: ImageFolderDataset, testSet: ImageFolderDataset, inputSize: Int) {
        let from = runDir.map { origin == "pretrained" ? "pretrained weights of \($0)" : "\(origin == "random" ? "random init" : initFrom!) (architecture of \($0))" }
            ?? "\(backbone!) from \(origin == "random" ? "random init" : initFrom!)"
        print("fine-tuning \(net.architecture), \(from): \(trainSet.count) training / \(testSet.count) test images, \(trainSet.classNames.count) classes, "
              + "\(inputSize) px; lr \(String(format: "%g", lr)) (head), \(String(format: "%g", lr * backboneLrScale)) (backbone)"
              + (freezeStages > 0 ? ", first \(freezeStages) of \(tuner.stages.count) stages frozen" + (unfreezeEvery > 0 ? ", one released every \(unfreezeEvery) epochs" : "") : ""))
    }

    /// OUT/model.safetensors (torchvision/timm keys) and OUT/summary.json, and the result line.
    func writeResults(tuner: FineTuner, net: any Backbone, norm: RunArtifacts.Normalization, origin: String, classes: [String],
                      history: [FineTuner.EpochResult], inputSize: Int, outDir: URL) throws {
        var meta = norm.metadata
        meta["architecture"] = net.architecture
        meta["classes"] = classes.joined(separator: ",")
        meta["format"] = "pytorch-state-dict"
        try SafeTensors.write(tuner.stateDict(), metadata: meta, to: outDir.appendingPathComponent("model.safetensors"))
        let last = history.last!
        let best = history.max { $0.testTop1 < $1.testTop1 }!
        let summary: [String: Any] = ["origin": origin, "run": runDir ?? "", "architecture": net.architecture, "epochs": epochs,
                                      "test_top1": last.testTop1, "test_top5": last.testTop5, "best_test_top1": best.testTop1,
                                      "best_epoch": best.epoch, "lr": lr, "backbone_lr_scale": backboneLrScale,
                                      "freeze_stages": freezeStages, "unfreeze_every": unfreezeEvery, "input_size": inputSize]
        try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
            .write(to: outDir.appendingPathComponent("summary.json"), options: .atomic)
        print(String(format: "fine-tuned (%@): test top-1 %.2f%%  top-5 %.2f%% after %d epochs (best %.2f%% at epoch %d) — %@",
                     origin, 100 * last.testTop1, 100 * last.testTop5, epochs, 100 * best.testTop1, best.epoch, outDir.path))
    }

    /// The run's configuration with `train.seed` replaced (a random init seeded by --seed).
    func reseeded(_ spec: RunSpec) -> RunSpec {
        RunSpec(tree: spec.tree.setting(["train", "seed"], to: .int(seed)))
    }
}

import ArgumentParser
import Foundation
import Pretext

/// `ssl-run train` (the default): pretrain a backbone with a method.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pretrain a backbone with a self-supervised method (the default command).",
        discussion: """
        Configuration is layered: built-in defaults < the method's defaults (`ssl-run defaults METHOD`) < --config FILE
        < the flags below < --set key.path=value. The run folder gets config.yaml (every value in effect), metrics.jsonl
        and checkpoints/ (written atomically; Ctrl-C saves one and stops; --resume continues exactly).
        """)

    @Option(help: "Method to train (see `ssl-run list method`).") var method: String?
    @Option(help: "Backbone network (see `ssl-run list backbone`), e.g. resnet18, vit-s.") var backbone: String?
    @Option(help: "Image folder to train on (class sub-folders or flat). Default: the built-in synthetic shapes dataset.") var data: String?
    @Option(help: "Labelled folder for online kNN evaluation after each epoch.") var evalData: String?
    @Option(help: "YAML configuration file.") var config: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override one value, e.g. --set method.temperature=0.2 (repeatable).", valueName: "key.path=value"))
    var sets: [String] = []
    @Option(help: "Number of epochs.") var epochs: Int?
    @Option(help: "Images per batch.") var batchSize: Int?
    @Option(help: "Base learning rate.") var lr: Double?
    @Option(help: "Random seed (weights, augmentations, shuffling).") var seed: Int?
    @Option(help: "Batches per optimizer step (gradient accumulation).") var accumulate: Int?
    @Option(help: "Stop with a checkpoint after this many epochs, keeping the full schedule (continue later with --resume).")
    var stopAfter: Int?
    @Flag(help: "Skip unreadable images (and report how many) instead of stopping.") var skipBadImages = false
    @Option(help: "Run folder (default: runs/<method>-<backbone>-<time>).") var out: String?
    @Option(help: "Continue the run in this folder from its last checkpoint.") var resume: String?
    @Flag(help: "No progress output.") var quiet = false
    @OptionGroup var pluginOptions: PluginOptions

    func run() throws {
        try pluginOptions.boot(quiet: quiet)
        InterruptFlag.install()
        var flags: [String: ConfigValue] = [:]
        if let backbone { flags["backbone.name"] = .string(backbone) }
        if let data { flags["data.path"] = .string(data) }
        if let evalData { flags["eval.data"] = .string(evalData) }
        if let epochs { flags["train.epochs"] = .int(epochs) }
        if let batchSize { flags["data.batch_size"] = .int(batchSize) }
        if let lr { flags["optimizer.lr"] = .double(lr) }
        if let seed { flags["train.seed"] = .int(seed) }
        if let accumulate { flags["train.accumulate"] = .int(accumulate) }
        if let stopAfter { flags["train.stop_after"] = .int(stopAfter) }
        if skipBadImages { flags["data.skip_bad_images"] = .bool(true) }
        var configFile = config
        var outDir: URL
        if let resume {
            outDir = URL(fileURLWithPath: resume)
            let saved = outDir.appendingPathComponent("config.yaml").path
            guard FileManager.default.fileExists(atPath: saved) else {
                throw CommandFailure(message: "\(RunError.nothingToResume(dir: resume))")
            }
            configFile = configFile ?? saved
        } else if let out {
            outDir = URL(fileURLWithPath: out)
        } else {
            let f = DateFormatter()
            f.dateFormat = "yyyyMMdd-HHmmss"
            outDir = URL(fileURLWithPath: "runs/\(method ?? "run")-\(backbone ?? "default")-\(f.string(from: Date()))")
        }
        let spec = try RunSpec.assemble(registry: .shared, configFile: configFile, methodOverride: method, flags: flags, sets: sets)
        let trainer = Trainer(spec: spec, outDir: outDir, resume: resume != nil, quiet: quiet)
        trainer.epochHook = OnlineEvaluation.hook(spec: spec, outDir: outDir, reporter: trainer.reporter)
        do {
            let summary = try trainer.run()
            print(String(format: "done: %d steps in %.0f s (%.1f images/s), final loss %.4f — run folder %@",
                         summary.steps, summary.seconds, summary.imagesPerSecond, summary.finalLoss, outDir.path))
        } catch let e as RunError {
            if case .interrupted = e {
                throw CommandFailure(message: "\(e)", code: 130)
            }
            throw CommandFailure(message: "\(e)")
        }
    }
}

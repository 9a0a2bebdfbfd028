import ArgumentParser
import Foundation
import Pretext

/// `ssl-run train` (the default): pretrain a backbone with a method.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pretrain a backbone with a self-supervised method (the default command).",
        discussion: HelpText.reflow("""
        Configuration is layered: built-in defaults < the method's defaults (`ssl-run defaults METHOD`) < --config FILE
        < the flags below < --set key.path=value. schedule, optimizer, views (preset) and backbone are groups: choosing
        another member (--set schedule.name=plateau) drops the previous one's options. The run folder gets config.yaml
        (every value in effect), metrics.jsonl, TensorBoard events, plugins.json (plugins that later commands reload)
        and checkpoints/ (written atomically; Ctrl-C saves one and stops; --resume continues exactly). One process
        trains into a folder at a time. Given no data (no --data, data.path or --config), a run is the two-minute
        demo: the named method and backbone on small synthetic shapes, kNN on held-out shapes before and after, and
        the way to the full recipe; --paper-settings trains with the method's full settings instead. --init FILE
        (backbone.init) starts the backbone from saved weights — continued pretraining, e.g. from ImageNet weights on
        one's own images — instead of random ones; momentum targets start as copies of it.
        Under `mpirun -np N` the run is data-parallel: data.batch_size is the global batch, split among the ranks;
        gradients are averaged, whole-batch losses gather every rank's embeddings, train.sync_bn: true synchronises
        batch norm, rank 0 writes the run folder (README: Run on a cluster).
        """))

    @OptionGroup(title: "What to train") var training: RunOptions
    @Option(help: "Random seed (weights, augmentations, shuffling).") var seed: Int?
    @Option(help: "Batches per optimizer step (gradient accumulation).") var accumulate: Int?
    @Option(help: "Stop with a checkpoint after this many epochs, keeping the full schedule (continue later with --resume).")
    var stopAfter: Int?
    @Flag(help: "Skip unreadable images (and report how many) instead of stopping.") var skipBadImages = false
    @Option(name: .customLong("init"), help: ArgumentHelp("Start the backbone from these weights instead of random ones (backbone.init: a safetensors file with torchvision/timm keys, e.g. from `ssl-run export` or PyTorch).", valueName: "file"))
    var initFrom: String?
    @Option(help: "Run folder (default: runs/<method>-<backbone>-<time>).") var out: String?
    @Option(help: "Continue the run in this folder from its last checkpoint.") var resume: String?
    @Flag(help: "No progress output.") var quiet = false
    @OptionGroup var pluginOptions: PluginOptions

    func run() throws {
        let started = Date()
        let host = try pluginOptions.boot(quiet: quiet || !ProcessGroup.world.isMain)
        if let resume { try host.restorePlugins(of: resume) }
        InterruptFlag.install()
        var flags = training.configValues
        if let seed { flags["train.seed"] = .int(seed) }
        if let accumulate { flags["train.accumulate"] = .int(accumulate) }
        if let stopAfter { flags["train.stop_after"] = .int(stopAfter) }
        if skipBadImages { flags["data.skip_bad_images"] = .bool(true) }
        if let initFrom {
            guard resume == nil else { throw CommandFailure(message: "--init sets where a new run's backbone starts; a resumed run continues from its checkpoint (leave --init out)") }
            flags["backbone.init"] = .string(URL(fileURLWithPath: initFrom).path)   // absolute: the run may be resumed from elsewhere
        }
        var configFile = training.config
        var outDir: URL
        if let resume {
            outDir = URL(fileURLWithPath: resume)
            let saved = outDir.appendingPathComponent("config.yaml").path
            guard FileManager.default.fileExists(atPath: saved) else {
                throw CommandFailure(message: "\(RunError.nothingToResume(dir: resume))")
            }
            configFile = configFile ?? saved
            try Train.checkResumeFlags(saved: saved, method: training.method, backbone: training.backbone, sets: training.sets)
        } else if let out {
            outDir = URL(fileURLWithPath: out)
        } else {
            let f = DateFormatter()
            f.dateFormat = "yyyyMMdd-HHmmss"
            outDir = URL(fileURLWithPath: "runs/\(training.method ?? "run")-\(training.backbone ?? "default")-\(f.string(from: Date()))")
        }
        let spec = try RunSpec.assemble(registry: .shared, configFile: configFile, methodOverride: training.method, flags: flags,
                                        sets: training.sets, demo: resume == nil && training.isDemo)
        do {
            let trainer = Trainer(spec: spec, outDir: outDir, resume: resume != nil, quiet: quiet)
            trainer.plugins = try host.pluginRecord()
            trainer.epochHook = try OnlineEvaluation.hook(spec: spec, outDir: outDir, reporter: trainer.reporter)
            let summary = try trainer.run()
            guard ProcessGroup.world.isMain else { return }
            print(String(format: "done: %d steps in %.0f s (%.1f images/s), final loss %.4f — run folder %@",
                         summary.steps, summary.seconds, summary.imagesPerSecond, summary.finalLoss, outDir.path))
            if try TrainingSettings(train: spec.section("train"), data: spec.section("data")).demo {
                let method = try spec.section("method").string("name", "simclr", "method")
                for line in DemoSizing.closingLines(runDir: outDir, method: method, entry: Registry.shared.entry(.method, method),
                                                    seconds: Date().timeIntervalSince(started)) {
                    print(line)
                }
            }
        } catch let e as RunError {
            if case .interrupted = e {
                throw CommandFailure(message: "\(e)", code: 130)
            }
            throw CommandFailure(message: "\(e)")
        } catch let e as ConfigError {
            throw CommandFailure(message: spec.explained(e))   // names the layer the refused value came from
        }
    }
}

extension Train {
    /// `--resume RUN` with a method or backbone other than the run's is refused before anything is
    /// built or written, naming the recorded value and the conflicting one.
    static func checkResumeFlags(saved: String, method: String?, backbone: String?, sets: [String]) throws {
        let tree = try ConfigFile.load(saved)
        var given: [(key: String, value: String)] = []
        if let method { given.append(("method.name", method)) }
        if let backbone { given.append(("backbone.name", backbone)) }
        for s in sets {
            let parts = s.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, ["method.name", "backbone.name", "backbone.width", "backbone.patch_size", "backbone.cifar_stem"].contains(parts[0]) {
                given.append((parts[0], parts[1]))
            }
        }
        for (key, value) in given {
            let path = key.split(separator: ".").map(String.init)
            func number(_ v: ConfigValue) -> Double? {
                if case let .int(i) = v { return Double(i) }
                if case let .double(d) = v { return d }
                return nil
            }
            let new = ConfigValue.parseScalar(value)
            guard let recorded = tree[path[0]]?[path[1]], new != recorded else { continue }
            if let a = number(new), let b = number(recorded), a == b { continue }
            throw CommandFailure(message: "\(RunError.incompatibleResume(dir: URL(fileURLWithPath: saved).deletingLastPathComponent().path, detail: "it was trained with \(key) = \(recorded), not \(value): leave \(key) out to continue it, or start a new run with --out"))")
        }
    }
}


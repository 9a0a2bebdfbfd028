import ArgumentParser
import Pretext

/// The options that say what to train — method, backbone, data, configuration and the common overrides —
/// shared by `ssl-run train` and `ssl-run sweep` so both accept the same flags with the same help.
/// `train` turns them into configuration values (`configValues`); `sweep` hands them on to each child
/// `ssl-run train` (`trainArguments`). Both mappings live here so a new option is added in one place.
struct RunOptions: ParsableArguments {
    @Option(help: "Method to train (see `ssl-run list method`).") var method: String?
    @Option(help: "Backbone network (see `ssl-run list backbone`), e.g. resnet18, vit-s.") var backbone: String?
    @Option(help: "Image folder to train on (class sub-folders or flat). Default: the built-in synthetic shapes dataset.") var data: String?
    @Option(help: "Labelled folder for online kNN evaluation after each epoch (gives a sweep its kNN column).") var evalData: String?
    @Option(help: "YAML configuration file.") var config: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override one value, e.g. --set method.temperature=0.2 (repeatable).", valueName: "key.path=value"))
    var sets: [String] = []
    @Option(help: "Number of epochs.") var epochs: Int?
    @Option(help: "Images per batch.") var batchSize: Int?
    @Option(help: "Base learning rate.") var lr: Double?
    @Flag(help: "With no data given: train with the method's full (paper) settings instead of the two-minute demo sizing.")
    var paperSettings = false

    /// The two-minute demo applies when nothing names the data: no --data, no data.path, no --config.
    var isDemo: Bool {
        !paperSettings && config == nil && data == nil
            && !sets.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("data.path") }
    }

    /// The flags as configuration values (`key.path` → value), the layer between --config and --set.
    /// (`method` is not among them: it selects the method's defaults layer, see `RunSpec.assemble`.)
    var configValues: [String: ConfigValue] {
        var flags: [String: ConfigValue] = [:]
        if let backbone { flags["backbone.name"] = .string(backbone) }
        if let data { flags["data.path"] = .string(data) }
        if let evalData { flags["eval.data"] = .string(evalData) }
        if let epochs { flags["train.epochs"] = .int(epochs) }
        if let batchSize { flags["data.batch_size"] = .int(batchSize) }
        if let lr { flags["optimizer.lr"] = .double(lr) }
        return flags
    }

    /// The same options as `ssl-run train` arguments, for a child training process.
    var trainArguments: [String] {
        var args: [String] = []
        if let config { args += ["--config", config] }
        if let method { args += ["--method", method] }
        if let backbone { args += ["--backbone", backbone] }
        if let data { args += ["--data", data] }
        if let evalData { args += ["--eval-data", evalData] }
        if let epochs { args += ["--epochs", String(epochs)] }
        if let batchSize { args += ["--batch-size", String(batchSize)] }
        if let lr { args += ["--lr", String(lr)] }
        if paperSettings { args.append("--paper-settings") }
        for s in sets { args += ["--set", s] }
        return args
    }
}

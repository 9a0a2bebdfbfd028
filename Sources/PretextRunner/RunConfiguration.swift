import Foundation
import PretextCore
import PretextKit
import PretextNN

/// Every section of a run's configuration read through its getters, and the parts built from it:
/// the method, the optimizer and the scheduled hyper-parameters. Built once per run by the trainer, and
/// with no data at all by `ssl-run defaults`, which prints what the getters read — so each default is
/// stated once, where it is read.
public final class RunConfiguration {
    public let spec: RunSpec
    public let settings: TrainingSettings
    public let evaluation: EvaluationSettings
    public let methodName: String
    /// The plugin file that registered the method ("built-in" when linked in), for crash reports.
    public let methodSource: String
    public let backboneName: String
    /// `backbone.init`: the weights file a new run's backbone starts from (nil: its random initialisation).
    /// Applied once, by the trainer, when a run starts (`Trainer.loadInitialWeights`); a resumed run and the
    /// commands that reopen a run take the weights from its checkpoint instead.
    public let initialWeights: String?
    public let method: any Method
    public let optimizer: any Optimizer
    public let hyperParameters: HyperParameterSchedules
    /// The metric a metric-driven schedule observes at the end of each epoch ("loss" = the epoch's mean).
    public let monitor: String
    /// The sections in the order they are written to `config.yaml`.
    public let sections: [ConfigSection]

    /// Optimizer steps per epoch (from the dataset the settings name; 1 without data).
    public let stepsPerEpoch: Int

    /// Reads and validates everything. `stepsPerEpoch` opens the data the settings name and counts the
    /// optimizer steps of one epoch (schedules are built in steps); `{ _ in 1 }` without data.
    public init(spec: RunSpec, registry: Registry, outputDirectory: URL?,
                stepsPerEpoch: (TrainingSettings) throws -> Int) throws {
        try spec.validateSections()
        self.spec = spec
        let train = spec.section("train"), data = spec.section("data"), eval = spec.section("eval")
        let methodCfg = spec.section("method"), backboneCfg = spec.section("backbone"), viewsCfg = spec.section("views")
        let optCfg = spec.section("optimizer"), schedCfg = spec.section("schedule")
        let settings = try TrainingSettings(train: train, data: data)
        self.settings = settings
        self.stepsPerEpoch = try stepsPerEpoch(settings)
        evaluation = try EvaluationSettings(eval: eval)
        methodName = try methodCfg.string("name", "simclr", "the pretraining method (ssl-run list method)")
        backboneName = try backboneCfg.string("name", "resnet18", "the backbone network (ssl-run list backbone)")
        initialWeights = try backboneCfg.optionalString("init", "safetensors file of backbone weights to start from instead of the random initialisation (torchvision/timm keys: ssl-run export, or PyTorch weights saved with safetensors); momentum targets start as copies")

        let context = BuildContext(registry: registry, seed: settings.seed)
        context.stepsPerEpoch = self.stepsPerEpoch
        context.epochs = settings.epochs
        context.outputDirectory = outputDirectory
        let builder = MethodBuilder(config: methodCfg, backboneConfig: backboneCfg, viewsConfig: viewsCfg,
                                    backboneName: backboneName, epochs: settings.epochs, context: context)
        method = try registry.makeMethod(methodName, builder)
        methodSource = registry.entry(.method, methodName)?.source ?? "built-in"
        let optName = try optCfg.string("name", "sgd", "optimizer (ssl-run list optimizer); switching it drops the previous one's options")
        let exclude = try optCfg.bool("exclude_bias_and_norm", false, "no weight decay (nor LARS adaptation) for biases, norms and ViT tokens")
        optimizer = try registry.makeOptimizer(optName, optCfg, groups: Trainer.parameterGroups(method.modules, excludeBiasAndNorm: exclude), context)
        hyperParameters = try HyperParameterSchedules(optimizer: optimizer, optimizerConfig: optCfg, scheduleConfig: schedCfg,
                                                      methodSchedules: builder.schedules, registry: registry, context: context)
        monitor = try schedCfg.string("monitor", "loss", "metric a metric-driven schedule (plateau) watches: loss, or an epoch metric such as knn20_top1")
        sections = [methodCfg, backboneCfg, viewsCfg, optCfg, schedCfg, train, data, eval]
        for section in sections { try section.validate() }
        try MemoryEstimate(modules: method.modules, backbone: method.backbone, transform: method.views, views: viewsCfg,
                           batchSize: settings.batchSize).check()
    }

    /// The configuration in effect: the spec with every value the getters read (defaults included).
    public var resolvedTree: ConfigValue {
        var resolved = spec.tree
        for section in sections {
            resolved = resolved.merged(with: ConfigValue.map([section.path: section.resolvedValue]))
        }
        return resolved
    }
}

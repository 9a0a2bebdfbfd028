import PretextTensor
import PretextNN
import PretextData

/// Handed to a method's factory: its config section, and ways to build the parts it composes from
/// the registry (the backbone the user chose, heads, losses, view transforms) with seeded weights.
public final class MethodBuilder {
    /// The `method` section (temperature, head sizes, …).
    public let config: ConfigSection
    /// The `backbone` section; its `name` picks the backbone.
    public let backboneConfig: ConfigSection
    /// The `views` section: user overrides of the method's view preset (input size, jitter, …).
    public let viewsConfig: ConfigSection
    public let context: BuildContext
    public let backboneName: String
    /// Number of training epochs (some defaults depend on it, e.g. teacher-temperature warm-up).
    public let epochs: Int
    /// The scheduled hyper-parameters the method declared with `schedule(_:default:seeds:)`, by config
    /// path, so the runner can save the state of metric-driven ones in checkpoints.
    public private(set) var schedules: [(path: String, schedule: any Schedule)] = []

    public init(config: ConfigSection, backboneConfig: ConfigSection, viewsConfig: ConfigSection,
                backboneName: String, epochs: Int, context: BuildContext) {
        self.config = config
        self.backboneConfig = backboneConfig
        self.viewsConfig = viewsConfig
        self.backboneName = backboneName
        self.epochs = epochs
        self.context = context
    }

    public var registry: Registry { context.registry }

    /// A freshly initialised backbone of the user's choice (call twice for a student and a teacher).
    public func makeBackbone() throws -> any Backbone {
        try registry.makeBackbone(backboneName, backboneConfig, context)
    }

    /// A head from the registry, sized from `inputDim`; its options come from `method.<section>`.
    public func makeHead(_ name: String, section: String, inputDim: Int) throws -> any Head {
        try registry.makeHead(name, config.section(section), inputDim: inputDim, context)
    }

    /// A loss from the registry; its options come from the method section itself.
    public func makeLoss(_ name: String) throws -> any Loss {
        try registry.makeLoss(name, config, context)
    }

    /// The view transform `preset` (a registered transform), with the user's `views` overrides applied.
    public func makeViews(_ preset: String) throws -> any Transform {
        try registry.makeTransform(try viewsConfig.string("preset", preset, "view preset (ssl-run list transform); switching it drops the previous one's options"),
                                   viewsConfig, context)
    }

    /// A scheduled hyper-parameter of the method (`method.<key>`, a config group such as
    /// `method.teacher_temp_schedule: {name: linear-warmup, start: 0.04, end: 0.07, epochs: 30}`):
    /// `name` (default `name`) picks a registered schedule; `seeds` are the fallbacks of its options,
    /// typically the method's own keys for the start and end values. Read its value per optimizer step
    /// with `schedule.value(at: context.step, of: context.totalSteps)`.
    public func schedule(_ key: String, default name: String, seeds: [String: ConfigValue] = [:]) throws -> any Schedule {
        let s = try registry.makeSchedule(group: config.section(key), default: name, seeds: seeds, context)
        schedules.append((config.section(key).path, s))
        return s
    }
}

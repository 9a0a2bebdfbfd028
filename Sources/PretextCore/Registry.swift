import Foundation
import PretextTensor
import PretextNN
import PretextData

/// The registry of everything concrete: backbones, heads, losses, transforms, schedules, optimizers
/// and methods, each under a lowercase name, each remembering where it came from (built in, or the
/// plugin file that registered it). The host has no method-specific code: a method exists when a
/// plugin registers it. Safe to use from several threads: every access holds `lock` (recursive, since
/// a plugin's transaction registers from inside it).
public final class Registry: @unchecked Sendable {
    public static let shared = Registry()

    public typealias BackboneFactory = (ConfigSection, BuildContext) throws -> any Backbone
    public typealias HeadFactory = (ConfigSection, _ inputDim: Int, BuildContext) throws -> any Head
    public typealias LossFactory = (ConfigSection, BuildContext) throws -> any Loss
    public typealias TransformFactory = (ConfigSection, BuildContext) throws -> any Transform
    public typealias ScheduleFactory = (ConfigSection, BuildContext) throws -> any Schedule
    public typealias OptimizerFactory = (ConfigSection, [ParameterGroup], BuildContext) throws -> any Optimizer
    public typealias MethodFactory = (MethodBuilder) throws -> any Method

    /// One registered name.
    public struct Entry: Sendable {
        public let kind: ComponentKind
        public let name: String
        /// "built-in" or the path of the plugin file.
        public let source: String
        public let summary: String
        /// For methods: their default configuration as commented YAML (shown by `ssl-run defaults`).
        public let defaults: String
        /// For methods: the two-minute demo's sizing as YAML, layered over `defaults` when a run is
        /// given no data (see `DemoSizing` in the runner); a `demo` section holds `recipe` and `note`.
        public let demo: String
    }

    private var entries: [ComponentKind: [String: (entry: Entry, factory: Any)]] = [:]
    private var pending: [(Entry, Any)]?
    private var pendingSource: String?
    private let lock = NSRecursiveLock()
    private var _pluginSearchNote: String?
    /// Where the host looked for plugins (set by the host that loads them), named when a method is unknown.
    public var pluginSearchNote: String? {
        get { locked { _pluginSearchNote } }
        set { locked { _pluginSearchNote = newValue } }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    public init() {}

    /// Where registrations come from right now ("built-in" unless a plugin is being loaded).
    public var currentSource: String { locked { pendingSource ?? "built-in" } }

    func register(_ kind: ComponentKind, _ name: String, summary: String, defaults: String = "", demo: String = "", factory: Any) throws {
        try locked { try unlockedRegister(kind, name, summary: summary, defaults: defaults, demo: demo, factory: factory) }
    }

    private func unlockedRegister(_ kind: ComponentKind, _ name: String, summary: String, defaults: String, demo: String, factory: Any) throws {
        let key = name.lowercased()
        guard key == name, !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw RegistryError.invalidName(kind: kind, name: name, source: currentSource)
        }
        let entry = Entry(kind: kind, name: key, source: currentSource, summary: summary, defaults: defaults, demo: demo)
        if let existing = entries[kind]?[key] {
            throw RegistryError.duplicate(kind: kind, name: key, existingSource: existing.entry.source, newSource: entry.source)
        }
        if pending != nil {
            if let dup = pending!.first(where: { $0.0.kind == kind && $0.0.name == key }) {
                throw RegistryError.duplicate(kind: kind, name: key, existingSource: dup.0.source, newSource: entry.source)
            }
            pending!.append((entry, factory))
        } else {
            entries[kind, default: [:]][key] = (entry, factory)
        }
    }

    /// Collects a plugin's registrations so that they land all together or not at all.
    public func transaction(source: String, _ body: () throws -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        pending = []
        pendingSource = source
        defer { pending = nil; pendingSource = nil }
        try body()
        for (e, f) in pending! {
            if let existing = entries[e.kind]?[e.name] {
                throw RegistryError.duplicate(kind: e.kind, name: e.name, existingSource: existing.entry.source, newSource: e.source)
            }
        }
        for (e, f) in pending! { entries[e.kind, default: [:]][e.name] = (e, f) }
    }

    public func registerBackbone(_ name: String, summary: String, _ f: @escaping BackboneFactory) throws {
        try register(.backbone, name, summary: summary, factory: f)
    }
    public func registerHead(_ name: String, summary: String, _ f: @escaping HeadFactory) throws {
        try register(.head, name, summary: summary, factory: f)
    }
    public func registerLoss(_ name: String, summary: String, _ f: @escaping LossFactory) throws {
        try register(.loss, name, summary: summary, factory: f)
    }
    public func registerTransform(_ name: String, summary: String, _ f: @escaping TransformFactory) throws {
        try register(.transform, name, summary: summary, factory: f)
    }
    public func registerSchedule(_ name: String, summary: String, _ f: @escaping ScheduleFactory) throws {
        try register(.schedule, name, summary: summary, factory: f)
    }
    public func registerOptimizer(_ name: String, summary: String, _ f: @escaping OptimizerFactory) throws {
        try register(.optimizer, name, summary: summary, factory: f)
    }
    /// Registers a method with its defaults as YAML text (sections `method`, `optimizer`, `schedule`,
    /// `train`, `views` …, one comment per value), applied under the user's config, and optionally the
    /// sizing of its two-minute demo on the built-in synthetic data (`demo`, YAML of the same sections
    /// plus a `demo` section: `recipe`, the full recipe to point to, and `note`, said when the demo
    /// shows no kNN gain).
    public func registerMethod(_ name: String, summary: String, defaults: String = "", demo: String = "", _ f: @escaping MethodFactory) throws {
        try register(.method, name, summary: summary, defaults: defaults, demo: demo, factory: f)
    }

    func factory<F>(_ kind: ComponentKind, _ name: String, as: F.Type) throws -> F {
        guard let found = locked({ entries[kind]?[name.lowercased()] }) else {
            let valid = names(kind)
            let suggestion = Suggest.closest(to: name, in: valid)
            if kind == .method, let searched = pluginSearchNote {
                throw ConfigError.unknownPluginName(kind: kind.rawValue, name: name, suggestion: suggestion, valid: valid, searched: searched)
            }
            throw ConfigError.unknownName(kind: kind.rawValue, name: name, suggestion: suggestion, valid: valid)
        }
        guard let f = found.factory as? F else {
            throw RegistryError.wrongFactory(kind: kind, name: name, source: found.entry.source)
        }
        return f
    }

    public func makeBackbone(_ name: String, _ config: ConfigSection, _ ctx: BuildContext) throws -> any Backbone {
        try factory(.backbone, name, as: BackboneFactory.self)(config, ctx)
    }
    public func makeHead(_ name: String, _ config: ConfigSection, inputDim: Int, _ ctx: BuildContext) throws -> any Head {
        try factory(.head, name, as: HeadFactory.self)(config, inputDim, ctx)
    }
    public func makeLoss(_ name: String, _ config: ConfigSection, _ ctx: BuildContext) throws -> any Loss {
        try factory(.loss, name, as: LossFactory.self)(config, ctx)
    }
    public func makeTransform(_ name: String, _ config: ConfigSection, _ ctx: BuildContext) throws -> any Transform {
        try factory(.transform, name, as: TransformFactory.self)(config, ctx)
    }
    public func makeSchedule(_ name: String, _ config: ConfigSection, _ ctx: BuildContext) throws -> any Schedule {
        try factory(.schedule, name, as: ScheduleFactory.self)(config, ctx)
    }
    public func makeOptimizer(_ name: String, _ config: ConfigSection, groups: [ParameterGroup], _ ctx: BuildContext) throws -> any Optimizer {
        try factory(.optimizer, name, as: OptimizerFactory.self)(config, groups, ctx)
    }
    public func makeMethod(_ name: String, _ builder: MethodBuilder) throws -> any Method {
        let make = try factory(.method, name, as: MethodFactory.self)
        guard let source = entry(.method, name)?.source, source != "built-in" else { return try make(builder) }
        return try PluginCrashReport.running("the initialiser of method '\(name)' from plugin \(source)") { try make(builder) }
    }

    /// Registered names of a kind, sorted.
    public func names(_ kind: ComponentKind) -> [String] {
        locked { (entries[kind] ?? [:]).keys.sorted() }
    }

    /// Every entry (of one kind, or all), sorted by kind then name.
    public func list(_ kind: ComponentKind? = nil) -> [Entry] {
        locked { entries.flatMap { k, v in (kind == nil || kind == k) ? v.values.map(\.entry) : [] } }
            .sorted { ($0.kind, $0.name) < ($1.kind, $1.name) }
    }

    public func entry(_ kind: ComponentKind, _ name: String) -> Entry? { locked { entries[kind]?[name]?.entry } }
}

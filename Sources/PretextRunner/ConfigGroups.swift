import PretextCore

/// Configuration groups: sections whose selector key picks one registered member (`schedule.name`,
/// `optimizer.name`, `views.preset`, `backbone.name`). When a later layer of the configuration (the
/// method's defaults over the built-in ones, a config file over those, `--set` over the file) selects
/// a different member, the earlier layers' options for that section are dropped — they belonged to the
/// previous member — except the keys the runner reads whatever the member is (`shared`). An option the
/// selected member does not read is still an error with a did-you-mean (`ConfigSection.validate`).
///
/// So `--set schedule.name=plateau` on a method whose defaults say `cosine` with `warmup_epochs: 10`
/// trains with ReduceLROnPlateau and its own defaults, instead of refusing `warmup_epochs`.
public enum ConfigGroups {
    public struct Group: Sendable {
        /// Where the section is: `["schedule"]`, `["method", "momentum_schedule"]`.
        public let path: [String]
        public let selector: String
        /// Keys kept across a switch: read by the runner (or by every member) rather than by one member.
        public let shared: Set<String>

        public init(path: [String], selector: String, shared: Set<String>) {
            self.path = path
            self.selector = selector
            self.shared = shared
        }

        init(section: String, selector: String, shared: Set<String>) {
            self.init(path: [section], selector: selector, shared: shared)
        }
    }

    public static let all: [Group] = [
        Group(section: "schedule", selector: "name", shared: ["monitor"]),
        Group(section: "optimizer", selector: "name", shared: ["lr", "exclude_bias_and_norm", "weight_decay_end", "weight_decay_schedule"]),
        Group(section: "views", selector: "preset", shared: ["input_size", "normalize", "mean", "std"]),
        Group(section: "backbone", selector: "name", shared: []),
    ]

    /// The scheduled hyper-parameters' groups: every `*_schedule` section one level inside a section
    /// (`optimizer.weight_decay_schedule`, `method.momentum_schedule`, a plugin's own), selected by `name`.
    public static func scheduleGroups(in tree: ConfigValue) -> [Group] {
        guard case let .map(top) = tree else { return [] }
        var groups: [Group] = []
        for (section, value) in top.sorted(by: { $0.key < $1.key }) {
            guard case let .map(inner) = value else { continue }
            for key in inner.keys.sorted() where key.hasSuffix("_schedule") {
                groups.append(Group(path: [section, key], selector: "name", shared: []))
            }
        }
        return groups
    }

    /// `upper` merged over `lower`, dropping `lower`'s member options where `upper` switches a group's member.
    public static func layer(_ upper: ConfigValue, over lower: ConfigValue) -> ConfigValue {
        var base = lower
        for g in all + scheduleGroups(in: upper) {
            guard case let .string(new)? = value(at: g.path, in: upper)?[g.selector],
                  case let .map(old)? = value(at: g.path, in: base) else { continue }
            if case let .string(previous)? = old[g.selector], previous == new { continue }
            base = base.setting(g.path, to: .map(old.filter { g.shared.contains($0.key) }))
        }
        return base.merged(with: upper)
    }

    static func value(at path: [String], in tree: ConfigValue) -> ConfigValue? {
        var node: ConfigValue? = tree
        for key in path { node = node?[key] }
        return node
    }
}

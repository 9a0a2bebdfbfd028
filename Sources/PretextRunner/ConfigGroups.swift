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
        public let section: String
        public let selector: String
        /// Keys kept across a switch: read by the runner (or by every member) rather than by one member.
        public let shared: Set<String>
    }

    public static let all: [Group] = [
        Group(section: "schedule", selector: "name", shared: ["monitor"]),
        Group(section: "optimizer", selector: "name", shared: ["lr", "exclude_bias_and_norm", "weight_decay_end"]),
        Group(section: "views", selector: "preset", shared: ["input_size", "normalize", "mean", "std"]),
        Group(section: "backbone", selector: "name", shared: []),
    ]

    /// `upper` merged over `lower`, dropping `lower`'s member options where `upper` switches a group's member.
    public static func layer(_ upper: ConfigValue, over lower: ConfigValue) -> ConfigValue {
        var base = lower
        for g in all {
            guard case let .string(new)? = upper[g.section]?[g.selector],
                  case let .map(old)? = lower[g.section] else { continue }
            if case let .string(previous)? = old[g.selector], previous == new { continue }
            base = base.setting([g.section], to: .map(old.filter { g.shared.contains($0.key) }))
        }
        return base.merged(with: upper)
    }
}

/// Scheduled hyper-parameters other than the learning rate (weight decay, EMA momentum, DINO's teacher
/// temperature, anything a plugin declares) are each a config group of their own, `*_schedule`, whose
/// `name` picks a registered schedule and whose other keys are that schedule's options. The values the
/// schedule moves between usually live next to the group under their long-standing keys
/// (`optimizer.weight_decay`, `method.momentum`, …): they are handed in as `seeds`, the fallbacks of
/// the member's options, so the group decides the shape and those keys keep working as the values.
extension Registry {
    /// The schedule `section.name` (default `name`) built from `section`, after `seeds` filled the keys
    /// the configuration does not give. Switching `name` in a later config layer drops the previous
    /// member's options (`ConfigGroups`: every `*_schedule` section is a group).
    public func makeSchedule(group section: ConfigSection, default name: String, seeds: [String: ConfigValue],
                             _ ctx: BuildContext) throws -> any Schedule {
        section.seed(seeds)
        let member = try section.string("name", name, "schedule (ssl-run list schedule); switching it drops the previous one's options")
        return try makeSchedule(member, section, ctx)
    }
}

extension ConfigValue {
    /// A Float as the shortest decimal that reads back as the same Float (0.04, not 0.03999999910593033),
    /// for seeds that are shown in `config.yaml` and read again by a float getter (which must give back
    /// exactly `value`: otherwise the exact Double is used).
    public static func float(_ value: Float) -> ConfigValue {
        if let d = Double("\(value)"), Float(d) == value { return .double(d) }
        return .double(Double(value))
    }
}

import PretextTensor
/// A typed view of one section of the configuration (e.g. `method`), handed to a factory.
///
/// Factories read what they understand with typed getters that take a default and a one-line doc;
/// every read is recorded, so afterwards `validate()` rejects keys nobody read (typos) with a
/// did-you-mean, and `resolved` holds every value in effect (written to the run folder and shown by
/// `ssl-run list --verbose`).
public final class ConfigSection {
    public let path: String
    public private(set) var values: [String: ConfigValue]
    /// Every key read, with the value in effect and its doc, in reading order.
    public private(set) var resolved: [(key: String, value: ConfigValue, doc: String)] = []
    private var known: Set<String> = []
    /// Nested sections handed out by `section(_:)`, so their reads appear in `resolvedValue`.
    private var children: [(key: String, section: ConfigSection)] = []

    public init(path: String, values: [String: ConfigValue] = [:]) {
        self.path = path
        self.values = values
    }

    public convenience init(path: String, value: ConfigValue?) {
        if case let .map(m)? = value { self.init(path: path, values: m) } else { self.init(path: path) }
    }

    func full(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    private func note(_ key: String, _ value: ConfigValue, _ doc: String) {
        known.insert(key)
        if let i = resolved.firstIndex(where: { $0.key == key }) {
            resolved[i] = (key, value, doc.isEmpty ? resolved[i].doc : doc)
        } else {
            resolved.append((key, value, doc))
        }
    }

    /// Records a key a factory reads as a whole (a view preset's knob handed to its own parser): the
    /// value as given, with its doc, so `resolved` and `ssl-run defaults` show it.
    public func passThrough(_ key: String, doc: String) {
        guard let v = values[key] else { return }
        note(key, v, doc)
    }

    /// Fills keys the configuration does not give with `fallbacks` (a scheduled hyper-parameter's group
    /// takes its start and end values from the section around it, whichever member is selected). A
    /// fallback the member never reads is no error: the user did not write it.
    public func seed(_ fallbacks: [String: ConfigValue]) {
        for (key, value) in fallbacks where !has(key) {
            values[key] = value
            known.insert(key)
        }
    }

    /// Marks keys as understood without reading them (e.g. `name`, read by whoever picked the factory).
    public func accept(_ keys: String...) { for k in keys { known.insert(k) } }

    public func has(_ key: String) -> Bool { values[key] != nil && values[key] != .null }

    public func int(_ key: String, _ fallback: Int, _ doc: String = "") throws -> Int {
        let v: Int
        switch values[key] {
        case nil, .null?: v = fallback
        case let .int(i)?: v = i
        case let .double(d)? where d == d.rounded():
            // Doubles beyond ±2^53 (e.g. 1e20, or an integer literal too long for Int) are not integers we can use.
            guard abs(d) <= 9_007_199_254_740_992 else {
                throw ConfigError.invalidValue(path: full(key), detail: "\(d) is too large for an integer setting")
            }
            v = Int(d)
        case let other?: throw ConfigError.wrongType(path: full(key), expected: "an integer", found: "\(other.typeName) '\(other)'")
        }
        note(key, .int(v), doc)
        return v
    }

    /// An integer that must lie in `range` (the error names the key, the value and the range).
    public func int(_ key: String, _ fallback: Int, _ doc: String = "", range: ClosedRange<Int>) throws -> Int {
        let v = try int(key, fallback, doc)
        guard range.contains(v) else {
            let bound = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
            throw ConfigError.invalidValue(path: full(key), detail: "is \(v); it must be \(bound)")
        }
        return v
    }

    public func double(_ key: String, _ fallback: Double, _ doc: String = "") throws -> Double {
        let v: Double
        switch values[key] {
        case nil, .null?: v = fallback
        case let .int(i)?: v = Double(i)
        case let .double(d)?: v = d
        case let other?: throw ConfigError.wrongType(path: full(key), expected: "a number", found: "\(other.typeName) '\(other)'")
        }
        note(key, .double(v), doc)
        return v
    }

    public func float(_ key: String, _ fallback: Float, _ doc: String = "") throws -> Float {
        // The fallback through its shortest decimal text, so 0.1 is recorded (and shown) as 0.1.
        Float(try double(key, Double("\(fallback)") ?? Double(fallback), doc))
    }

    /// A number that must be above `greaterThan` and at most `atMost` (the error names key, value, bounds).
    public func float(_ key: String, _ fallback: Float, _ doc: String = "", greaterThan low: Float?, atMost high: Float? = nil) throws -> Float {
        let v = try float(key, fallback, doc)
        if let low, !(v > low) {
            throw ConfigError.invalidValue(path: full(key), detail: "is \(v); it must be greater than \(low)")
        }
        if let high, !(v <= high) {
            throw ConfigError.invalidValue(path: full(key), detail: "is \(v); it must be at most \(high)")
        }
        return v
    }

    public func bool(_ key: String, _ fallback: Bool, _ doc: String = "") throws -> Bool {
        let v: Bool
        switch values[key] {
        case nil, .null?: v = fallback
        case let .bool(b)?: v = b
        case let other?: throw ConfigError.wrongType(path: full(key), expected: "true or false", found: "\(other.typeName) '\(other)'")
        }
        note(key, .bool(v), doc)
        return v
    }

    public func string(_ key: String, _ fallback: String, _ doc: String = "", choices: [String]? = nil) throws -> String {
        let v: String
        switch values[key] {
        case nil, .null?: v = fallback
        case let .string(s)?: v = s
        case let .int(i)?: v = String(i)
        case let .double(d)?: v = String(d)
        case let other?: throw ConfigError.wrongType(path: full(key), expected: "a string", found: "\(other.typeName) '\(other)'")
        }
        if let choices, !choices.contains(v) {
            let hint = Suggest.closest(to: v, in: choices).map { " (did you mean '\($0)'?)" } ?? ""
            throw ConfigError.invalidValue(path: full(key), detail: "'\(v)' is not one of \(choices.joined(separator: ", "))\(hint)")
        }
        note(key, .string(v), doc)
        return v
    }

    /// An optional string (nil when absent).
    public func optionalString(_ key: String, _ doc: String = "") throws -> String? {
        guard has(key) else { note(key, .null, doc); return nil }
        return try string(key, "", doc)
    }

    public func doubles(_ key: String, _ fallback: [Double], _ doc: String = "") throws -> [Double] {
        let v: [Double]
        switch values[key] {
        case nil, .null?: v = fallback
        case let .list(l)?:
            v = try l.map {
                switch $0 {
                case let .int(i): return Double(i)
                case let .double(d): return d
                default: throw ConfigError.wrongType(path: full(key), expected: "a list of numbers", found: "'\(ConfigValue.list(l))'")
                }
            }
        case let .int(i)?: v = [Double(i)]
        case let .double(d)?: v = [d]
        case let other?: throw ConfigError.wrongType(path: full(key), expected: "a list of numbers", found: "\(other.typeName) '\(other)'")
        }
        note(key, .list(v.map { .double($0) }), doc)
        return v
    }

    /// A list of whole numbers (a single number is a list of one).
    public func ints(_ key: String, _ fallback: [Int], _ doc: String = "") throws -> [Int] {
        let v = try doubles(key, fallback.map(Double.init), doc)
        guard v.allSatisfy({ $0 == $0.rounded() && abs($0) <= 9_007_199_254_740_992 }) else {
            throw ConfigError.wrongType(path: full(key), expected: "a list of whole numbers", found: "\(v)")
        }
        note(key, .list(v.map { .int(Int($0)) }), doc)
        return v.map { Int($0) }
    }

    public func floats(_ key: String, _ fallback: [Float], _ doc: String = "") throws -> [Float] {
        // Each fallback through its shortest decimal text when that reads back as the same Float, so
        // 0.485 is recorded (and shown) as 0.485.
        let shown = fallback.map { f in Double("\(f)").flatMap { Float($0) == f ? $0 : nil } ?? Double(f) }
        return try doubles(key, shown, doc).map(Float.init)
    }

    /// A nested section (`views` inside `method`, say).
    public func section(_ key: String) -> ConfigSection {
        known.insert(key)
        // The same child every time, so reads by several factories (a head's builder and the method) add up.
        if let existing = children.first(where: { $0.key == key }) { return existing.section }
        let child = ConfigSection(path: full(key), value: values[key])
        children.append((key, child))
        return child
    }

    /// Throws for the first key that was given but never read, in this section or a nested one read
    /// with `section(_:)`, and for a nested section given as a plain value (`projection: 128`).
    public func validate() throws {
        for (key, child) in children {
            switch values[key] {
            case nil, .null?, .map?: break
            case let other?:
                throw ConfigError.wrongType(path: full(key), expected: "a section of keys (\(key):\n  key: value)", found: "\(other.typeName) '\(other)'")
            }
            try child.validate()
        }
        for key in values.keys.sorted() where !known.contains(key) {
            let valid = Array(known)
            throw ConfigError.unknownKey(path: full(key), suggestion: Suggest.closest(to: key, in: valid).map { full($0) }, valid: valid)
        }
    }

    /// The values in effect as a config tree.
    public var resolvedValue: ConfigValue {
        var m: [String: ConfigValue] = [:]
        for (k, v, _) in resolved { m[k] = v }
        for (k, child) in children { m[k] = child.resolvedValue }
        return .map(m)
    }

    /// The values in effect as YAML in reading order, each with its doc as a comment (`ssl-run defaults`).
    public func commentedYAML(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        var out = ""
        for (k, v, doc) in resolved {
            let line = "\(pad)\(k): \(ConfigFile.scalarText(v))"
            out += doc.isEmpty ? line + "\n" : line.padding(toLength: Swift.max(line.count + 2, 34), withPad: " ", startingAt: 0) + "# \(doc)\n"
        }
        for (k, child) in children {
            let body = child.commentedYAML(indent: indent + 1)
            out += body.isEmpty ? "\(pad)\(k): {}\n" : "\(pad)\(k):\n" + body
        }
        return out
    }
}

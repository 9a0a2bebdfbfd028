import PretextTensor
/// A configuration value as read from YAML or `--set key.path=value`: a small typed tree.
public indirect enum ConfigValue: Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([ConfigValue])
    case map([String: ConfigValue])
    case null

    /// Parses a command-line scalar the way YAML would: int, float, bool, list `[a, b]`, else string.
    public static func parseScalar(_ text: String) -> ConfigValue {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let i = Int(t) { return .int(i) }
        if let d = Double(t) { return .double(d) }
        switch t.lowercased() {
        case "true", "yes", "on": return .bool(true)
        case "false", "no", "off": return .bool(false)
        case "null", "~", "none": return .null
        default: break
        }
        if t.hasPrefix("[") && t.hasSuffix("]") {
            let inner = t.dropFirst().dropLast()
            if inner.trimmingCharacters(in: .whitespaces).isEmpty { return .list([]) }
            return .list(inner.split(separator: ",").map { parseScalar(String($0)) })
        }
        if t.count >= 2, (t.hasPrefix("\"") && t.hasSuffix("\"")) || (t.hasPrefix("'") && t.hasSuffix("'")) {
            return .string(String(t.dropFirst().dropLast()))
        }
        return .string(t)
    }

    public var description: String {
        switch self {
        case let .string(s): return s
        case let .int(i): return String(i)
        case let .double(d): return String(d)
        case let .bool(b): return String(b)
        case let .list(l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
        case let .map(m): return "{" + m.keys.sorted().map { "\($0): \(m[$0]!)" }.joined(separator: ", ") + "}"
        case .null: return "null"
        }
    }

    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .int: return "an integer"
        case .double: return "a number"
        case .bool: return "true/false"
        case .list: return "a list"
        case .map: return "a section"
        case .null: return "null"
        }
    }

    /// Deep merge: `other`'s leaves win.
    public func merged(with other: ConfigValue) -> ConfigValue {
        guard case var .map(a) = self, case let .map(b) = other else { return other }
        for (k, v) in b { a[k] = a[k].map { $0.merged(with: v) } ?? v }
        return .map(a)
    }

    /// Sets `value` at a dotted `path`, creating sections as needed.
    public func setting(_ path: [String], to value: ConfigValue) -> ConfigValue {
        guard let head = path.first else { return value }
        var m: [String: ConfigValue]
        if case let .map(existing) = self { m = existing } else { m = [:] }
        m[head] = (m[head] ?? .map([:])).setting(Array(path.dropFirst()), to: value)
        return .map(m)
    }

    public subscript(key: String) -> ConfigValue? {
        if case let .map(m) = self { return m[key] }
        return nil
    }
}

import Foundation

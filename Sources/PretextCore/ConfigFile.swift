import PretextTensor
import Foundation
import Yams

/// Reading and writing YAML configuration files as `ConfigValue` trees.
public enum ConfigFile {
    public static func load(_ path: String) throws -> ConfigValue {
        guard FileManager.default.fileExists(atPath: path) else { throw ConfigError.missingFile(path) }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError.unreadableFile(path: path, detail: error.localizedDescription)
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String = "<string>") throws -> ConfigValue {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigError.unreadableFile(path: file, detail: "not valid YAML: \(error)")
        }
        guard let node else { return .map([:]) }
        let value = convert(node)
        guard case .map = value else {
            throw ConfigError.unreadableFile(path: file, detail: "the top level must be a mapping of sections (method:, backbone:, …)")
        }
        return value
    }

    static func convert(_ node: Node) -> ConfigValue {
        switch node {
        case let .scalar(s):
            if s.style == .singleQuoted || s.style == .doubleQuoted { return .string(s.string) }
            return ConfigValue.parseScalar(s.string)
        case let .sequence(seq):
            return .list(seq.map(convert))
        case let .mapping(map):
            var m: [String: ConfigValue] = [:]
            for (k, v) in map { m[k.string ?? "\(k)"] = convert(v) }
            return .map(m)
        default:
            return .null
        }
    }

    /// YAML text for a config tree (sections and keys sorted; used for the run folder's config.yaml).
    public static func yaml(_ value: ConfigValue, indent: Int = 0) -> String {
        guard case let .map(m) = value else { return value.description }
        var out = ""
        let pad = String(repeating: "  ", count: indent)
        for key in m.keys.sorted() {
            let v = m[key]!
            if case .map = v {
                out += "\(pad)\(key):\n" + yaml(v, indent: indent + 1)
            } else {
                out += "\(pad)\(key): \(scalarText(v))\n"
            }
        }
        return out
    }

    public static func scalarText(_ v: ConfigValue) -> String {
        switch v {
        case let .string(s):
            let plain = ConfigValue.parseScalar(s) == .string(s) && !s.contains(":") && !s.contains("#") && !s.isEmpty
            return plain ? s : "\"\(s.replacingOccurrences(of: "\"", with: "\\\""))\""
        case let .list(l): return "[" + l.map(scalarText).joined(separator: ", ") + "]"
        default: return v.description
        }
    }
}

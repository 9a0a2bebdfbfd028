import PretextTensor
import Foundation
internal import Yams

/// Reading and writing YAML configuration files as `ConfigValue` trees.
public enum ConfigFile {
    public static func load(_ path: String) throws -> ConfigValue {
        guard FileManager.default.fileExists(atPath: path) else { throw ConfigError.missingFile(path) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ConfigError.unreadableFile(path: path, detail: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8), !text.contains("\0") else {
            throw ConfigError.unreadableFile(path: path, detail: "it is not text (\(data.count) bytes that are not UTF-8); a configuration is a YAML file such as templates/recipes/simclr-cifar-small.yaml — is this the right file?")
        }
        return try parse(text, file: path)
    }

    /// Bounds on a configuration document, checked before and while it becomes a tree: a config is a
    /// few kilobytes, a few levels deep; anything far beyond is a mistake or an attack (a nesting bomb
    /// that overflows the parser's stack, a "billion laughs" alias bomb that expands to gigabytes).
    public static let maxBytes = 1 << 20
    public static let maxDepth = 64
    public static let maxValues = 100_000

    public static func parse(_ text: String, file: String = "<string>") throws -> ConfigValue {
        try checkBounds(text, file: file)
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigError.unreadableFile(path: file, detail: "not valid YAML: \(error)")
        }
        guard let node else { return .map([:]) }
        var budget = maxValues
        let value = try convert(node, depth: 0, budget: &budget, file: file)
        guard case .map = value else {
            throw ConfigError.unreadableFile(path: file, detail: "the top level must be a mapping of sections (method:, backbone:, …)")
        }
        return value
    }

    /// The size and nesting of the text, before the YAML parser sees it: bytes, and the deepest
    /// nesting of flow collections (`[`, `{`) and of block indentation (sequence dashes included).
    static func checkBounds(_ text: String, file: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.count <= maxBytes else {
            throw ConfigError.unreadableFile(path: file, detail: "\(bytes.count) bytes; a configuration may have at most \(maxBytes) (is this the right file?)")
        }
        var flow = 0, quote: UInt8 = 0
        var indents: [Int] = []
        var lineStart = true, indent = 0, dashes = 0
        func deeper(_ depth: Int) throws {
            guard depth <= maxDepth else {
                throw ConfigError.unreadableFile(path: file, detail: "nested more than \(maxDepth) levels deep; a configuration is a few sections of keys")
            }
        }
        for b in bytes {
            if lineStart {
                if b == 0x20 { indent += 1; continue }
                if b == 0x2D { dashes += 1; indent += 1; continue }   // "- " opens a nested sequence item
                if b == 0x0A { indent = 0; dashes = 0; continue }
                if b != 0x23 {                                          // not a comment line
                    while let last = indents.last, last >= indent - dashes { indents.removeLast() }
                    indents.append(indent - dashes)
                    try deeper(indents.count + dashes + flow)
                }
                lineStart = false
            }
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == 0x22 || b == 0x27 {
                quote = b
            } else if b == 0x5B || b == 0x7B {
                flow += 1
                try deeper(indents.count + dashes + flow)
            } else if b == 0x5D || b == 0x7D {
                flow = Swift.max(0, flow - 1)
            }
            if b == 0x0A { lineStart = true; indent = 0; dashes = 0; if flow == 0 { quote = 0 } }
        }
    }

    /// The tree of a parsed document, counting every value against `budget` (aliases are expanded
    /// here, so an alias bomb stops at the budget instead of filling memory).
    static func convert(_ node: Node, depth: Int, budget: inout Int, file: String) throws -> ConfigValue {
        budget -= 1
        guard budget >= 0 else {
            throw ConfigError.unreadableFile(path: file, detail: "expands to more than \(maxValues) values (YAML aliases repeating aliases?); a configuration is a few hundred")
        }
        guard depth <= maxDepth else {
            throw ConfigError.unreadableFile(path: file, detail: "nested more than \(maxDepth) levels deep; a configuration is a few sections of keys")
        }
        switch node {
        case let .scalar(s):
            if s.style == .singleQuoted || s.style == .doubleQuoted { return .string(s.string) }
            return ConfigValue.parseScalar(s.string)
        case let .sequence(seq):
            return .list(try seq.map { try convert($0, depth: depth + 1, budget: &budget, file: file) })
        case let .mapping(map):
            var m: [String: ConfigValue] = [:]
            for (k, v) in map { m[k.string ?? "\(k)"] = try convert(v, depth: depth + 1, budget: &budget, file: file) }
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
            if case let .map(child) = v, child.isEmpty {
                out += "\(pad)\(key): {}\n"     // an empty section stays a section when read back
            } else if case .map = v {
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

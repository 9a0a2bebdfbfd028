import PretextTensor
import Foundation
import PretextCore

/// The configuration of one run, assembled in layers: built-in defaults, then the method's own
/// defaults (YAML registered with the method), then `--config FILE`, then command-line flags
/// (`--epochs` → `train.epochs`, …), then every `--set key.path=value`. Each layer goes over the one
/// below with `ConfigGroups.layer`: choosing another schedule, optimizer, view preset or backbone drops
/// the options of the one it replaces.
public struct RunSpec {
    public var tree: ConfigValue
    /// The layers the tree was assembled from, highest first (`--set`, flags, the file, the demo's
    /// sizing, the method's defaults, the built-in defaults), to say where a refused value came from.
    public var layers: [(name: String, tree: ConfigValue)] = []

    /// The members selected when neither the method nor the user chooses one. Every other default is
    /// stated once, in the getter that reads it (`ssl-run defaults METHOD` prints them all).
    public static let baseDefaults = """
    method:
      name: simclr
    backbone:
      name: resnet18
    optimizer:
      name: sgd
    schedule:
      name: cosine
    """

    public init(tree: ConfigValue) { self.tree = tree }

    /// Builds the spec: `methodName` picks the method defaults to layer in (from the registry).
    /// With `demo`, the two-minute demo's sizing goes between the method's defaults and the user's
    /// layers (`DemoSizing`).
    public static func assemble(registry: Registry, configFile: String?, methodOverride: String?,
                                flags: [String: ConfigValue], sets: [String], demo: Bool = false) throws -> RunSpec {
        var tree = try ConfigFile.parse(baseDefaults)
        var layers: [(name: String, tree: ConfigValue)] = [("the built-in defaults", tree)]
        let fileTree = try configFile.map { try ConfigFile.load($0) }
        let userTree = ConfigGroups.layer(try overrides(flags: flags, sets: sets), over: fileTree ?? .map([:]))
        // The method decides which defaults apply: from the flags/sets, else the file, else the default.
        var method = "simclr"
        if case let .string(n)? = tree["method"]?["name"] { method = n }
        if case let .string(n)? = fileTree?["method"]?["name"] { method = n }
        if let m = methodOverride { method = m }
        if case let .string(n)? = userTree["method"]?["name"] { method = n }
        let entry = registry.entry(.method, method)
        if let entry, !entry.defaults.isEmpty {
            let defaults = try ConfigFile.parse(entry.defaults, file: "defaults of method '\(method)'")
            tree = ConfigGroups.layer(defaults, over: tree)
            layers.insert(("the defaults of method '\(method)' (ssl-run defaults \(method))", defaults), at: 0)
        }
        if demo {
            var backbone = "resnet18"
            if case let .string(b)? = ConfigGroups.layer(userTree, over: tree)["backbone"]?["name"] { backbone = b }
            let methodDemo = try DemoSizing.methodLayer(entry).layer
            let shared = DemoSizing.layer(backbone: backbone, methodDemo: methodDemo)
            tree = ConfigGroups.layer(methodDemo, over: ConfigGroups.layer(shared, over: tree))
            layers.insert(("the two-minute demo's sizing (ssl-run defaults \(method) --demo)", ConfigGroups.layer(methodDemo, over: shared)), at: 0)
        }
        tree = ConfigGroups.layer(userTree, over: tree)
        if let m = methodOverride { tree = tree.setting(["method", "name"], to: .string(m)) }
        if let fileTree, let configFile { layers.insert(("the config file '\(configFile)'", fileTree), at: 0) }
        layers.insert(("the command-line flags", try overrides(flags: flags, sets: [])), at: 0)
        layers.insert(("--set", try overrides(flags: [:], sets: sets)), at: 0)
        var spec = RunSpec(tree: tree)
        spec.layers = layers
        return spec
    }

    /// Flags and `--set` assignments as a config tree.
    public static func overrides(flags: [String: ConfigValue], sets: [String]) throws -> ConfigValue {
        var t = ConfigValue.map([:])
        for (path, v) in flags.sorted(by: { $0.key < $1.key }) {
            t = t.setting(path.split(separator: ".").map(String.init), to: v)
        }
        for s in sets {
            guard let eq = s.firstIndex(of: "="), eq != s.startIndex else {
                throw ConfigError.invalidValue(path: s, detail: "--set takes key.path=value, e.g. --set method.temperature=0.2")
            }
            let key = String(s[..<eq]).trimmingCharacters(in: .whitespaces)
            let value = String(s[s.index(after: eq)...])
            let parts = key.split(separator: ".").map(String.init)
            guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty }) else {
                throw ConfigError.invalidValue(path: key, detail: "a --set key names a section and a key, e.g. method.temperature or optimizer.lr")
            }
            t = t.setting(parts, to: ConfigValue.parseScalar(value))
        }
        return t
    }

    /// Which layer gave `path` (a dotted key) its value: the highest layer holding the key, or — for a
    /// key no layer holds, e.g. a misspelt one — nil.
    public func origin(of path: String) -> String? {
        let parts = path.split(separator: ".").map(String.init)
        for layer in layers {
            var node: ConfigValue? = layer.tree
            for p in parts { node = node?[p] }
            if node != nil { return layer.name }
        }
        return nil
    }

    /// `error` with the layer its key came from appended (for configuration errors about one key).
    public func explained(_ error: Error) -> String {
        guard let e = error as? ConfigError, let path = e.keyPath, let origin = origin(of: path) else { return "\(error)" }
        return "\(e)\n  (set by \(origin))"
    }

    public func section(_ name: String) -> ConfigSection { ConfigSection(path: name, value: tree[name]) }

    /// Rejects unknown top-level sections.
    public func validateSections() throws {
        let valid = ["method", "backbone", "data", "optimizer", "schedule", "train", "eval", "views"]
        guard case let .map(m) = tree else { return }
        for key in m.keys.sorted() where !valid.contains(key) {
            throw ConfigError.unknownKey(path: key, suggestion: Suggest.closest(to: key, in: valid), valid: valid)
        }
        // `method: moco` (a plain value where a section belongs) would otherwise be ignored silently.
        for key in m.keys.sorted() {
            switch m[key]! {
            case .map, .null: continue
            case let other:
                let hint = key == "eval" || key == "train" || key == "data" ? "" : " (e.g. \(key):\n  name: \(other))"
                throw ConfigError.wrongType(path: key, expected: "a section of keys\(hint)", found: "\(other.typeName) '\(other)'")
            }
        }
    }
}

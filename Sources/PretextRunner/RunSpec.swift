import PretextTensor
import Foundation
import PretextCore

/// The configuration of one run, assembled in layers: built-in defaults, then the method's own
/// defaults (YAML registered with the method), then `--config FILE`, then command-line flags
/// (`--epochs` → `train.epochs`, …), then every `--set key.path=value`.
public struct RunSpec {
    public var tree: ConfigValue

    /// Defaults that hold for every method.
    public static let baseDefaults = """
    method:
      name: simclr
    backbone:
      name: resnet18
    data:
      batch_size: 128
      workers: 2
      prefetch: 4
      drop_last: true
      skip_bad_images: false
      synthetic_count: 2000
      synthetic_size: 32
    optimizer:
      name: sgd
      lr: 0.06
    schedule:
      name: cosine
      warmup_epochs: 0
    train:
      epochs: 10
      seed: 0
      accumulate: 1
      clip_grad: 0
      log_every: 10
      keep_epoch_checkpoints: true
    eval:
      every: 1
      k: [20, 200]
      temperature: 0.1
    views: {}
    """

    public init(tree: ConfigValue) { self.tree = tree }

    /// Builds the spec: `methodName` picks the method defaults to layer in (from the registry).
    public static func assemble(registry: Registry, configFile: String?, methodOverride: String?,
                                flags: [String: ConfigValue], sets: [String]) throws -> RunSpec {
        var tree = try ConfigFile.parse(baseDefaults)
        let fileTree = try configFile.map { try ConfigFile.load($0) }
        let userTree = try (fileTree ?? .map([:])).merged(with: overrides(flags: flags, sets: sets))
        // The method decides which defaults apply: from the flags/sets, else the file, else the default.
        var method = "simclr"
        if case let .string(n)? = tree["method"]?["name"] { method = n }
        if case let .string(n)? = fileTree?["method"]?["name"] { method = n }
        if let m = methodOverride { method = m }
        if case let .string(n)? = userTree["method"]?["name"] { method = n }
        if let entry = registry.entry(.method, method), !entry.defaults.isEmpty {
            tree = tree.merged(with: try ConfigFile.parse(entry.defaults, file: "defaults of method '\(method)'"))
        }
        tree = tree.merged(with: userTree)
        if let m = methodOverride { tree = tree.setting(["method", "name"], to: .string(m)) }
        return RunSpec(tree: tree)
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

    public func section(_ name: String) -> ConfigSection { ConfigSection(path: name, value: tree[name]) }

    /// Rejects unknown top-level sections.
    public func validateSections() throws {
        let valid = ["method", "backbone", "data", "optimizer", "schedule", "train", "eval", "views"]
        guard case let .map(m) = tree else { return }
        for key in m.keys.sorted() where !valid.contains(key) {
            throw ConfigError.unknownKey(path: key, suggestion: Suggest.closest(to: key, in: valid), valid: valid)
        }
    }
}

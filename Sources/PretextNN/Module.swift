import PretextTensor

/// The base of every layer and network, after MLX Swift's `Module`: parameters, buffers and
/// sub-modules are *discovered* from stored properties, so a layer just declares them.
///
/// Discovery (by reflection, in declaration order):
/// - a stored `Tensor` property is a parameter;
/// - a stored `Buffer` property is a buffer (state that is saved but not trained, e.g. running stats);
/// - a stored `Module` property is a child; `[Module]` (and `Sequential`) children are numbered;
/// - optional ones count when non-nil.
/// Keys are the property names in snake_case joined with dots, so they equal PyTorch `state_dict` keys
/// (`layer1.0.bn1.running_mean`, `blocks.3.attn.qkv.weight`). A property whose key must differ can be
/// renamed by overriding `keyOverrides`; properties to skip are listed in `excludedKeys`.
open class Module {
    /// Training mode (batch-norm statistics, dropout). Set for the whole tree with `train()` / `eval()`.
    public private(set) var isTraining = true

    public init() {}

    /// Property name → key, for the few names that snake_case does not produce.
    open var keyOverrides: [String: String] { [:] }

    /// Property names that hold tensors or modules but are not part of the state (caches, shared refs).
    open var excludedKeys: Set<String> { [] }

    /// Direct children, parameters and buffers, in declaration order (one reflection pass).
    public func directEntries() -> [(key: String, entry: ModuleEntry)] {
        var out: [(String, ModuleEntry)] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        var levels: [Mirror] = []
        while let m = mirror { levels.append(m); mirror = m.superclassMirror }
        let overrides = keyOverrides, excluded = excludedKeys
        for m in levels.reversed() {
            for child in m.children {
                guard var label = child.label else { continue }
                if label.hasPrefix("_") { label.removeFirst() }   // property wrappers / lazy storage
                if label.hasPrefix("$__lazy_storage_$_") { continue }
                if excluded.contains(label) || label == "isTraining" { continue }
                let key = overrides[label] ?? Module.snakeCase(label)
                Module.collect(child.value, key: key, into: &out)
            }
        }
        return out
    }

    private static func collect(_ value: Any, key: String, into out: inout [(String, ModuleEntry)]) {
        switch value {
        case let t as Tensor: out.append((key, .parameter(t)))
        case let b as Buffer: out.append((key, .buffer(b)))
        case let m as Module: out.append((key, .module(m)))
        case let list as [Module]:
            // An empty key (a `Sequential`'s own list, see `keyOverrides`) numbers children "0", "1", …
            for (i, m) in list.enumerated() { out.append((key.isEmpty ? "\(i)" : "\(key).\(i)", .module(m))) }
        default:
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional, let wrapped = mirror.children.first?.value {
                collect(wrapped, key: key, into: &out)
            }
        }
    }

    /// "runningMean" → "running_mean", "clsToken" → "cls_token", "fc1" → "fc1".
    public static func snakeCase(_ name: String) -> String {
        var s = ""
        for ch in name {
            if ch.isUppercase { if !s.isEmpty { s.append("_") }; s += ch.lowercased() } else { s.append(ch) }
        }
        return s
    }

    /// Every parameter with its dotted key, depth first in declaration order.
    public func namedParameters() -> [(key: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        visit(prefix: "") { key, entry in if case let .parameter(t) = entry { out.append((key, t)) } }
        return out
    }

    /// Every buffer with its dotted key.
    public func namedBuffers() -> [(key: String, buffer: Buffer)] {
        var out: [(String, Buffer)] = []
        visit(prefix: "") { key, entry in if case let .buffer(b) = entry { out.append((key, b)) } }
        return out
    }

    /// Every sub-module (including self at key "") with its dotted key.
    public func namedModules() -> [(key: String, module: Module)] {
        var out: [(String, Module)] = [("", self)]
        visit(prefix: "") { key, entry in if case let .module(m) = entry { out.append((key, m)) } }
        return out
    }

    /// Parameters only (the optimizer's list).
    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Parameters and buffers by key, like PyTorch's `state_dict()` (tensors are shared, not copied).
    public func stateDict() -> [(key: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        visit(prefix: "") { key, entry in
            switch entry {
            case let .parameter(t): out.append((key, t))
            case let .buffer(b): out.append((key, b.value))
            case .module: break
            }
        }
        return out
    }

    private func visit(prefix: String, _ body: (String, ModuleEntry) -> Void) {
        for (key, entry) in directEntries() {
            let full = prefix.isEmpty ? key : prefix + "." + key
            body(full, entry)
            if case let .module(m) = entry { m.visit(prefix: full, body) }
        }
    }

    /// Copies tensors into this module's state by key. `strict` lists every missing key, unexpected key
    /// and shape mismatch in one error; otherwise only matching keys are loaded and the rest reported.
    @discardableResult
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true, source: String = "state dict") throws -> StateDictReport {
        let own = stateDict()
        var report = StateDictReport()
        let ownKeys = Set(own.map(\.key))
        report.unexpected = state.keys.filter { !ownKeys.contains($0) }.sorted()
        for (key, t) in own {
            guard let src = state[key] else { report.missing.append(key); continue }
            if src.shape != t.shape {
                report.mismatched.append("\(key): expected \(t.shape), found \(src.shape)")
                continue
            }
            report.loaded.append(key)
        }
        if strict && !(report.missing.isEmpty && report.unexpected.isEmpty && report.mismatched.isEmpty) {
            throw ModuleError.stateDictMismatch(source: source, report: report)
        }
        let loaded = Set(report.loaded)
        for (key, t) in own where loaded.contains(key) { t.assign(state[key]!) }
        return report
    }

    /// Puts the whole tree in training mode.
    public func train(_ on: Bool = true) {
        for (_, m) in namedModules() { m.isTraining = on }
    }

    /// Puts the whole tree in evaluation mode.
    public func eval() { train(false) }

    /// Stops (or restarts) gradients for every parameter whose key starts with `prefix` ("" = all).
    public func freeze(prefix: String = "", _ frozen: Bool = true) {
        for (key, t) in namedParameters() where prefix.isEmpty || key == prefix || key.hasPrefix(prefix + ".") {
            t.requiresGrad = !frozen
        }
    }

    /// Number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }
}

/// What a discovered property holds.
public enum ModuleEntry {
    case parameter(Tensor)
    case buffer(Buffer)
    case module(Module)
}

/// Non-trained state saved with a module (batch-norm running statistics, counters). A class so the
/// module can replace or update it in place while its key stays put.
public final class Buffer {
    public var value: Tensor
    public init(_ value: Tensor) { self.value = value }
}

/// Result of `loadStateDict`.
public struct StateDictReport: Equatable {
    public var loaded: [String] = []
    public var missing: [String] = []
    public var unexpected: [String] = []
    public var mismatched: [String] = []
}

/// Errors of modules and weight loading.
public enum ModuleError: Error, CustomStringConvertible {
    case stateDictMismatch(source: String, report: StateDictReport)

    public var description: String {
        switch self {
        case let .stateDictMismatch(source, r):
            var lines = ["weights in \(source) do not fit the model (strict loading):"]
            if !r.missing.isEmpty { lines.append("  missing keys (\(r.missing.count)): " + r.missing.prefix(20).joined(separator: ", ")) }
            if !r.unexpected.isEmpty { lines.append("  unexpected keys (\(r.unexpected.count)): " + r.unexpected.prefix(20).joined(separator: ", ")) }
            if !r.mismatched.isEmpty { lines.append("  shape mismatches (\(r.mismatched.count)): " + r.mismatched.prefix(20).joined(separator: "; ")) }
            lines.append("  check the architecture options (width, stem, patch size) or load non-strictly")
            return lines.joined(separator: "\n")
        }
    }
}

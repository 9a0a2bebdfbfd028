import PretextTensor
/// A configuration problem, naming the key (as a dotted path) or file, and what to do.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    case unknownKey(path: String, suggestion: String?, valid: [String])
    case wrongType(path: String, expected: String, found: String)
    case invalidValue(path: String, detail: String)
    case missingFile(String)
    case unreadableFile(path: String, detail: String)
    case unknownName(kind: String, name: String, suggestion: String?, valid: [String])
    /// An unknown name where plugins could provide it: says where plugins were searched and how to add one.
    case unknownPluginName(kind: String, name: String, suggestion: String?, valid: [String], searched: String)

    /// The dotted key the error is about, when it is about one.
    public var keyPath: String? {
        switch self {
        case let .unknownKey(path, _, _), let .wrongType(path, _, _), let .invalidValue(path, _): return path
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case let .unknownKey(path, suggestion, valid):
            var s = "unknown config key '\(path)'"
            if let suggestion { s += " — did you mean '\(suggestion)'?" }
            if !valid.isEmpty { s += "\n  valid keys here: " + valid.sorted().joined(separator: ", ") }
            return s
        case let .wrongType(path, expected, found):
            return "config key '\(path)' must be \(expected), found \(found)"
        case let .invalidValue(path, detail):
            return "config key '\(path)': \(detail)"
        case let .missingFile(path):
            return "config file '\(path)' does not exist (check the path given to --config)"
        case let .unreadableFile(path, detail):
            return "config file '\(path)' could not be read: \(detail)"
        case let .unknownName(kind, name, suggestion, valid):
            var s = "unknown \(kind) '\(name)'"
            if let suggestion { s += " — did you mean '\(suggestion)'?" }
            s += "\n  available \(kind)s: " + (valid.isEmpty ? "(none registered — are the plugins installed? see `ssl-run list`)" : valid.sorted().joined(separator: ", "))
            return s
        case let .unknownPluginName(kind, name, suggestion, valid, searched):
            return ConfigError.unknownName(kind: kind, name: name, suggestion: suggestion, valid: valid).description
                + "\n  plugins were searched in: \(searched)"
                + "\n  a \(kind) from your own plugin: pass --plugin PATH/libNAME.so (or a folder), or add its folder to PRETEXT_PLUGIN_PATH"
        }
    }
}

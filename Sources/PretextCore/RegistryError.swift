import PretextTensor
/// Registration problems, naming both sources where two disagree.
public enum RegistryError: Error, CustomStringConvertible {
    case duplicate(kind: ComponentKind, name: String, existingSource: String, newSource: String)
    case invalidName(kind: ComponentKind, name: String, source: String)
    case wrongFactory(kind: ComponentKind, name: String, source: String)

    public var description: String {
        switch self {
        case let .duplicate(kind, name, existing, new):
            return "\(kind.rawValue) '\(name)' is registered twice: by \(existing) and by \(new). Remove one of the two, or rename the plugin's entry."
        case let .invalidName(kind, name, source):
            return "\(source) tried to register \(kind.rawValue) '\(name)': names are lowercase letters, digits, '-' and '_'"
        case let .wrongFactory(kind, name, source):
            return "\(kind.rawValue) '\(name)' from \(source) was registered with a factory of the wrong type (rebuild the plugin against this Pretext)"
        }
    }
}

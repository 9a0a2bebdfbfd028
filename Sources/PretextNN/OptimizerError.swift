/// What went wrong in an optimizer: a bad setting, or saved state that does not fit the parameters.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    case invalidSetting(optimizer: String, detail: String)
    case stateMismatch(optimizer: String, key: String, detail: String)

    public var description: String {
        switch self {
        case let .invalidSetting(opt, detail):
            return "\(opt): \(detail)"
        case let .stateMismatch(opt, key, detail):
            return "\(opt) state '\(key)' does not fit this model: \(detail) (was the checkpoint made with another model or optimizer?)"
        }
    }
}

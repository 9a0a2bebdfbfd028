/// What went wrong in a tensor operation, with the op and the shapes involved, so the message can be
/// acted on ("matmul: inner dimensions differ: [8, 3] × [4, 5]") instead of a trap.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(op: String, lhs: [Int], rhs: [Int], detail: String)
    case invalidArgument(op: String, detail: String)
    case noGradient(detail: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, lhs, rhs, detail):
            return "\(op): shapes \(lhs) and \(rhs) do not fit: \(detail)"
        case let .invalidArgument(op, detail):
            return "\(op): \(detail)"
        case let .noGradient(detail):
            return "backward: \(detail)"
        }
    }
}

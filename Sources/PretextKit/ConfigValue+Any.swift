import PretextCore

extension ConfigValue {
    /// Plain Swift values (Int, Double, Bool, String, arrays, dictionaries) for APIs that take `[String: Any]`.
    public var anyValue: Any? {
        switch self {
        case let .string(s): return s
        case let .int(i): return i
        case let .double(d): return d
        case let .bool(b): return b
        case let .list(l): return l.compactMap(\.anyValue)
        case let .map(m): return m.compactMapValues(\.anyValue)
        case .null: return nil
        }
    }
}

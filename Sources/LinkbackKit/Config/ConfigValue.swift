/// One configuration value, as read from YAML, the environment or a key's default.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case strings([String])
    /// A list of objects (`api.tokens`, `webhooks`); each field is a `.string` or `.strings`.
    case records([[String: ConfigValue]])

    public var description: String {
        switch self {
        case .string(let value): return value
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .bool(let value): return String(value)
        case .strings(let values): return "[" + values.joined(separator: ", ") + "]"
        case .records(let records):
            return "[" + records.map { record in
                "{" + record.keys.sorted().map { "\($0): \(record[$0]!)" }.joined(separator: ", ") + "}"
            }.joined(separator: ", ") + "]"
        }
    }
}

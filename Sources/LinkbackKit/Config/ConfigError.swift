/// Why a configuration could not be loaded. ``description`` is the one line shown to the user:
/// it names the file (or environment variable), the key and what is wrong.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    /// The file path or `environment variable NAME` the bad value came from.
    public let origin: String
    /// The dotted key, when the problem is with one key.
    public let key: String?
    public let message: String

    public init(origin: String, key: String? = nil, message: String) {
        self.origin = origin
        self.key = key
        self.message = message
    }

    public var description: String {
        if let key { return "\(origin): \(key): \(message)" }
        return "\(origin): \(message)"
    }
}

import Foundation

extension Date {
    /// ISO 8601 in UTC to the second (`2026-11-26T10:00:00Z`): the one date format of Linkback's
    /// JSON, status pages and feeds.
    public var iso8601: String { formatted(Date.ISO8601FormatStyle()) }

    /// ISO 8601 as people and feeds write it: `2026-11-26T10:00:00Z`, with fractional seconds or
    /// an offset, or a plain date (midnight UTC).
    public init?(iso8601 text: String) {
        if let date = try? Date(text, strategy: .iso8601) {
            self = date
        } else if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            self = date
        } else if let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) {
            self = date
        } else {
            return nil
        }
    }
}

import Foundation

extension Date {
    /// ISO 8601 in UTC to the second (`2026-11-26T10:00:00Z`): the one date format of Linkback's
    /// JSON, status pages and feeds.
    public var iso8601: String { formatted(Date.ISO8601FormatStyle()) }
}

import Foundation

/// Which door refused a request: the word before `rejected` in the log line.
public enum RejectionEndpoint: String, Sendable, CaseIterable {
    case webmention, pingback
    /// The admin API (a failed authentication).
    case admin

    public init(_ protocol: MentionProtocol) {
        switch `protocol` {
        case .webmention: self = .webmention
        case .pingback: self = .pingback
        }
    }
}

/// One rejected request, as written to the rejection log for fail2ban.
public struct Rejection: Sendable, Equatable {
    public var endpoint: RejectionEndpoint
    /// The client address; IPv4-mapped IPv6 is logged as plain IPv4.
    public var clientIP: IPAddress
    public var reason: RejectionReason
    public var source: String?
    public var target: String?
    public var userAgent: String?
    public var date: Date

    public init(
        protocol: MentionProtocol, clientIP: IPAddress, reason: RejectionReason, source: String? = nil,
        target: String? = nil, userAgent: String? = nil, date: Date = Date()
    ) {
        self.init(
            endpoint: RejectionEndpoint(`protocol`), clientIP: clientIP, reason: reason, source: source, target: target,
            userAgent: userAgent, date: date)
    }

    public init(
        endpoint: RejectionEndpoint, clientIP: IPAddress, reason: RejectionReason, source: String? = nil,
        target: String? = nil, userAgent: String? = nil, date: Date = Date()
    ) {
        self.endpoint = endpoint
        self.clientIP = clientIP
        self.reason = reason
        self.source = source
        self.target = target
        self.userAgent = userAgent
        self.date = date
    }

    /// Longest user-controlled value written, in characters, before escaping.
    public static let maxValueLength = 256

    /// The message after the `linkback[PID]: ` prefix, e.g.
    /// `pingback rejected from 203.0.113.5 reason=malformed-xml ua="PHP/5.2.10"`.
    /// Everything a client controls comes after the address, quoted and escaped.
    public var message: String {
        var line = "\(endpoint.rawValue) rejected from \(clientIP.unmapped) reason=\(reason.rawValue)"
        if let source { line += " source=" + Self.quoted(source) }
        if let target { line += " target=" + Self.quoted(target) }
        if let userAgent { line += " ua=" + Self.quoted(userAgent) }
        return line
    }

    /// The whole log line without its newline:
    /// `2026-11-25T15:00:00Z linkback[123]: pingback rejected from 203.0.113.5 reason=malformed-xml`.
    public func line(pid: Int32) -> String {
        "\(Self.timestamp(date)) linkback[\(pid)]: \(message)"
    }

    /// Control characters removed, cut to ``maxValueLength`` characters, `"` and `\` escaped.
    static func quoted(_ value: String) -> String {
        var result = "\""
        var kept = 0
        for character in value {
            if character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { continue }
            if kept == maxValueLength { break }
            kept += 1
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        result.append("\"")
        return result
    }

    /// UTC, second precision, with `Z`.
    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}

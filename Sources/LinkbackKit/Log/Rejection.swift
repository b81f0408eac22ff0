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
        var bytes: [UInt8] = []
        appendMessage(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The whole log line without its newline:
    /// `2026-11-25T15:00:00Z linkback[123]: pingback rejected from 203.0.113.5 reason=malformed-xml`.
    public func line(pid: Int32) -> String {
        String(decoding: lineBytes(pid: pid).dropLast(), as: UTF8.self)
    }

    /// ``line(pid:)`` as UTF-8, with its newline: what the log file receives in one write.
    /// Built over bytes because it is written once per rejected request.
    package func lineBytes(pid: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160)
        Self.appendTimestamp(date, to: &bytes)
        bytes.append(contentsOf: " linkback[".utf8)
        bytes.append(contentsOf: String(pid).utf8)
        bytes.append(contentsOf: "]: ".utf8)
        appendMessage(to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private func appendMessage(to bytes: inout [UInt8]) {
        bytes.append(contentsOf: endpoint.rawValue.utf8)
        bytes.append(contentsOf: " rejected from ".utf8)
        bytes.append(contentsOf: clientIP.unmapped.description.utf8)
        bytes.append(contentsOf: " reason=".utf8)
        bytes.append(contentsOf: reason.rawValue.utf8)
        for (name, value) in [(" source=", source), (" target=", target), (" ua=", userAgent)] {
            guard let value else { continue }
            bytes.append(contentsOf: name.utf8)
            Self.appendQuoted(value, to: &bytes)
        }
    }

    /// Control characters removed, cut to ``maxValueLength`` characters, `"` and `\` escaped.
    private static func appendQuoted(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var kept = 0
        // ASCII (nearly every value) byte by byte: each byte is one character, and its only
        // control characters are C0 and DEL.
        if value.utf8.allSatisfy({ $0 < 0x80 }) {
            for byte in value.utf8 {
                if byte < 0x20 || byte == 0x7F { continue }
                if kept == maxValueLength { break }
                kept += 1
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
        } else {
            for character in value {
                if character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { continue }
                if kept == maxValueLength { break }
                kept += 1
                if character == "\"" || character == "\\" { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(contentsOf: character.utf8)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// UTC, second precision, with `Z`.
    private static func appendTimestamp(_ date: Date, to bytes: inout [UInt8]) {
        UTCTimestamp.append(seconds: Int64(date.timeIntervalSince1970.rounded(.down)), separator: UInt8(ascii: "T"), to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }
}

import Foundation

/// What the public status resource (`/webmention/status/{token}`) tells a sender about its
/// mention: the status, a fixed wording for it, and the verification reason code when the server
/// set one. A moderator's own note (`--reason`) is never part of it: it stays in the history.
public struct PublicStatus: Sendable, Equatable, Encodable {
    public var status: String
    public var source: String
    public var target: String
    public var received: String
    public var updated: String
    /// A verification outcome code (`no-link`, `timed-out`, …), or `nil`.
    public var reason: String?
    /// One fixed sentence per status.
    public var detail: String

    public init(_ mention: Mention) {
        status = mention.status.rawValue
        source = mention.source
        target = mention.target
        received = mention.received.iso8601
        updated = mention.updated.iso8601
        reason = mention.reason.flatMap { VerificationOutcome.codes.contains($0) ? $0 : nil }
        detail = mention.reverifying ? Self.reverifyingDetail : Self.detail(mention.status)
    }

    static let reverifyingDetail = "Verified and accepted; being verified again after a re-send."


    static func detail(_ status: MentionStatus) -> String {
        switch status {
        case .queued: return "Received; waiting to be verified."
        case .pending: return "Verified; waiting for the site owner's moderation."
        case .approved: return "Verified and accepted."
        case .rejected: return "Not accepted."
        case .spam: return "Not accepted."
        case .deleted: return "Removed: the source no longer links to the target, or was deleted."
        }
    }

    enum CodingKeys: String, CodingKey {
        case status, source, target, received, updated, reason, detail
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(source, forKey: .source)
        try container.encode(target, forKey: .target)
        try container.encode(received, forKey: .received)
        try container.encode(updated, forKey: .updated)
        try container.encode(reason, forKey: .reason)
        try container.encode(detail, forKey: .detail)
    }
}

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
    /// Why, in the rejection log's vocabulary (`no-link`, `invalid-url`, `source-not-found`, …; the
    /// reason codes of docs/running.md), `gone` for a source deleted with a 410, or the source's own trouble
    /// that keeps it waiting (`timed-out`, `source-server-error`, `network-error`, `rate-limited`,
    /// `source-challenged`);
    /// `nil` for none.
    public var reason: String?
    /// One fixed sentence per status.
    public var detail: String

    public init(_ mention: Mention) {
        status = mention.status.rawValue
        source = mention.source
        target = mention.target
        received = mention.received.iso8601
        updated = mention.updated.iso8601
        reason = mention.reason.flatMap(Self.publicReason)
        if mention.status == .pending, mention.reason == VerificationOutcome.challengedCode {
            detail = Self.challengedDetail
        } else {
            detail = mention.reverifying ? Self.reverifyingDetail : Self.detail(mention.status)
        }
    }

    /// A stored verification code as the rejection log says it (one vocabulary for the sender and
    /// fail2ban); a moderator's note, or anything else, is not shown.
    package static func publicReason(_ code: String) -> String? {
        switch code {
        case "no-link", "unsupported-content-type": return RejectionReason.noLink.rawValue
        case "source-not-found", "too-many-redirects": return RejectionReason.sourceNotFound.rawValue
        case "blocked-address", "invalid-source", "invalid-url": return RejectionReason.invalidURL.rawValue
        case "too-large": return RejectionReason.tooLarge.rawValue
        // A deletion's 410, and the source's own trouble that keeps a mention waiting: no rejections.
        case "gone", "timed-out", "source-server-error", "network-error", "rate-limited", VerificationOutcome.challengedCode:
            return code
        default: return nil
        }
    }

    package static let reverifyingDetail = "Verified and accepted; being verified again after a re-send."

    package static let challengedDetail =
        "Not verified: the source answered with a bot challenge instead of the page. It waits for the site owner and is tried again later."

    package static func detail(_ status: MentionStatus) -> String {
        switch status {
        case .queued: return "Received; waiting to be verified."
        case .pending: return "Verified; waiting for the site owner's moderation."
        case .approved: return "Verified and accepted."
        case .rejected: return "Not accepted."
        case .spam: return "Not accepted."
        case .deleted: return "Removed: the source no longer links to the target, or was deleted."
        }
    }

    package enum CodingKeys: String, CodingKey {
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

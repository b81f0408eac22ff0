import Foundation
import LinkbackKit

/// The documented JSON shape of a mention for moderators: the CLI's `--json` output and the admin
/// API (everything stored, with its history when asked).
public struct MentionRecord: Encodable, Sendable {
    var id: Int64
    var status: String
    var `protocol`: String
    var source: String
    var target: String
    var site: String
    var reason: String?
    var clientIP: String?
    var userAgent: String?
    var received: String
    var updated: String
    var verified: String?
    var attempts: Int
    var reverifying: Bool
    /// The checked vouch URL the sender gave, if any.
    var vouch: String?
    /// The target as sent, when `target` is its canonical URL.
    var targetAsSent: String?
    var isPrivate: Bool
    /// Why the content signals speak against it (`copy-of-target`, `copy-cluster`); empty for nothing.
    var spamReasons: [String]
    /// The spam score (0–1) and what moved it most; `nil` when none was computed.
    var spamScore: Double?
    var scoreReasons: [String]
    var statusURLToken: String
    var content: MentionContent?
    var events: [EventRecord]?

    enum CodingKeys: String, CodingKey {
        case id, status, `protocol`, source, target, site, reason, received, updated, verified, attempts, reverifying, vouch
        case content
        case isPrivate = "private"
        case targetAsSent = "target_as_sent"
        case spamReasons = "spam_reasons"
        case spamScore = "spam_score"
        case scoreReasons = "score_reasons"
        case events
        case clientIP = "client_ip"
        case userAgent = "user_agent"
        case statusURLToken = "token"
    }

    public init(_ mention: Mention, events: [MentionEvent]? = nil) {
        id = mention.id
        status = mention.status.rawValue
        `protocol` = mention.protocol.rawValue
        source = mention.source
        target = mention.target
        site = mention.site
        reason = mention.reason
        clientIP = mention.clientIP
        userAgent = mention.userAgent
        received = mention.received.iso8601
        updated = mention.updated.iso8601
        verified = mention.verified?.iso8601
        attempts = mention.attempts
        reverifying = mention.reverifying
        vouch = mention.vouch
        targetAsSent = mention.targetAsSent
        isPrivate = mention.isPrivate
        spamReasons = mention.spamReasons
        // Two decimals: what a person reads, and stable across the two stores' float round trips.
        spamScore = mention.spamScore.map { ($0.value * 100).rounded() / 100 }
        scoreReasons = mention.spamScore?.reasons ?? []
        statusURLToken = mention.token
        content = mention.content
        self.events = events?.map(EventRecord.init)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(`protocol`, forKey: .protocol)
        try container.encode(source, forKey: .source)
        try container.encode(target, forKey: .target)
        try container.encodeIfPresent(targetAsSent, forKey: .targetAsSent)
        try container.encode(site, forKey: .site)
        try container.encode(reason, forKey: .reason)
        try container.encode(clientIP, forKey: .clientIP)
        try container.encode(userAgent, forKey: .userAgent)
        try container.encode(received, forKey: .received)
        try container.encode(updated, forKey: .updated)
        try container.encode(verified, forKey: .verified)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(reverifying, forKey: .reverifying)
        try container.encode(vouch, forKey: .vouch)
        try container.encode(isPrivate, forKey: .isPrivate)
        try container.encode(spamReasons, forKey: .spamReasons)
        try container.encode(spamScore, forKey: .spamScore)
        try container.encode(scoreReasons, forKey: .scoreReasons)
        try container.encode(statusURLToken, forKey: .statusURLToken)
        try container.encode(content, forKey: .content)
        try container.encodeIfPresent(events, forKey: .events)
    }
}

/// One status change in a ``MentionRecord``'s history.
public struct EventRecord: Encodable, Sendable {
    var at: String
    var actor: String
    var from: String?
    var to: String
    var reason: String?

    public init(_ event: MentionEvent) {
        at = event.at.iso8601
        actor = event.actor.rawValue
        from = event.from?.rawValue
        to = event.to.rawValue
        reason = event.reason
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(at, forKey: .at)
        try container.encode(actor, forKey: .actor)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(reason, forKey: .reason)
    }

    enum CodingKeys: String, CodingKey { case at, actor, from, to, reason }
}


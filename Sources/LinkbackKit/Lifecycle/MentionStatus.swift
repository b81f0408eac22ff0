/// Where a mention is in its life.
///
/// `queued` → (verification) → `pending` / `approved` / `rejected`; moderators move mentions
/// between `pending`, `approved`, `rejected`, `spam` and `deleted`; a source that is gone or no
/// longer links moves a mention to `deleted`.
public enum MentionStatus: String, Codable, CaseIterable, Sendable {
    /// Received, not yet verified.
    case queued
    /// Verified, awaiting moderation.
    case pending
    /// Verified and visible.
    case approved
    /// Failed verification, or refused by a moderator.
    case rejected
    /// Marked as spam by a moderator.
    case spam
    /// The source is gone or no longer links; kept for history.
    case deleted

    /// Whether a moderator's move to this status is final: only a moderator undoes it (`restore`,
    /// `approve`), never a re-send, a verification or a re-check.
    public var isStickyDecision: Bool { self == .rejected || self == .spam || self == .deleted }
}

/// The protocol a mention arrived by.
public enum MentionProtocol: String, Codable, CaseIterable, Sendable {
    case webmention
    case pingback
}

/// What kind of response the source is, from its microformats.
public enum MentionType: String, Codable, CaseIterable, Sendable {
    case reply, like, repost, bookmark, rsvp, mention
}

/// Who changed a mention; recorded with every status change.
public enum Actor: String, Codable, CaseIterable, Sendable {
    case server
    case cli
    case adminAPI = "admin-api"
    /// A one-click moderation link from a notification.
    case link
}

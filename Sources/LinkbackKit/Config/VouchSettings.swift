/// `vouch.mode` (see ``VouchCheck``).
public enum VouchMode: String, Sendable, CaseIterable {
    /// A `vouch` parameter is accepted and ignored.
    case off
    /// A webmention from an unknown domain needs a valid vouch (449 without one).
    case requireUnknown = "require_unknown"
}

/// `vouch.pingback_unknown`: what happens to a pingback from an unknown domain under
/// `require_unknown` (pingbacks have no way to carry a vouch).
public enum VouchPingbackPolicy: String, Sendable, CaseIterable {
    /// Refused with fault 49 (access denied).
    case reject
    /// Verified, then held for a moderator whatever `moderation.auto_approve` says.
    case moderate
}

/// The fixed vocabulary of `reason=` codes in the rejection log, which fail2ban filters select on.
public enum RejectionReason: String, CaseIterable, Sendable {
    case malformedXML = "malformed-xml"
    case invalidRequest = "invalid-request"
    case invalidParams = "invalid-params"
    case unknownMethod = "unknown-method"
    case invalidURL = "invalid-url"
    case sameURL = "same-url"
    case targetNotSupported = "target-not-supported"
    case targetNotFound = "target-not-found"
    case blockedIP = "blocked-ip"
    case blockedUserAgent = "blocked-user-agent"
    case blockedSource = "blocked-source"
    case rateLimited = "rate-limited"
    case tooLarge = "too-large"
    case slowRequest = "slow-request"
    case unsupportedMediaType = "unsupported-media-type"
    case sourceNotFound = "source-not-found"
    case noLink = "no-link"
    case alreadyRegistered = "already-registered"
    case banned
    /// A webmention from an unknown domain without a vouch (449): an honest sender may retry.
    case vouchRequired = "vouch-required"
    case invalidVouch = "invalid-vouch"
    /// A Private Webmention whose code could not be exchanged (no token endpoint, or refused).
    case invalidCode = "invalid-code"
    /// A request to the admin API with a wrong bearer token.
    case badAdminToken = "bad-admin-token"
    /// A request to the admin API without any credentials (an `<img>` on someone's page, a
    /// bookmarked URL): nothing was guessed.
    case noAdminToken = "no-admin-token"
    /// A browser's request from another site (`Sec-Fetch-Site: cross-site`, or an `Origin` that is
    /// not this server's): a page can make its readers' browsers send it, so it says nothing of them.
    case crossSite = "cross-site"
    /// A target the owner closed to mentions (`policy.rules`, `action: close`).
    case targetClosed = "target-closed"
    /// A source that links to one of the owner's trap targets (`policy.traps`), never linked
    /// publicly: spam beyond doubt.
    case trap
    /// A re-send from a domain the owner asked to forget (`linkback forget`).
    case forgotten

    /// Reasons that say nothing bad about the client: they never count towards the built-in ban,
    /// and the shipped fail2ban filter's normal mode does not match them (its `_soft` list; a
    /// test holds the two together).
    /// An honest blog re-sending a pingback, a sender asked for a vouch, a burst from a bridge
    /// backfeeding a popular post, a `sites` list missing a host, a request a third-party page
    /// made a browser send, someone the owner forgot sending again.
    public var isSoft: Bool {
        switch self {
        case .alreadyRegistered, .vouchRequired, .rateLimited, .targetNotSupported, .noAdminToken, .crossSite, .targetClosed,
            .forgotten:
            return true
        default:
            return false
        }
    }
}

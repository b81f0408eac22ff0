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
    /// A request to the admin API without the right bearer token.
    case badAdminToken = "bad-admin-token"
}

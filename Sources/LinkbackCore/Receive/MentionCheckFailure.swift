import LinkbackKit

/// Why a webmention or pingback request was refused before anything was stored.
public enum MentionCheckFailure: Error, Equatable, Sendable {
    case missingParameter(String)
    case invalidSource(String)
    case invalidTarget(String)
    case sameURL
    case targetNotSupported(String)
    /// The owner closed the target to mentions (`policy.rules`, `action: close`).
    case targetClosed
    /// The target does not exist (4xx, 410).
    case targetNotFound(String)
    /// The target's own server is in trouble (5xx, timeout, unreachable): not the sender's fault.
    case targetUnavailable(String)
    case blockedSource(String)
    /// The owner asked to forget mentions from the source's domain (`linkback forget`).
    case forgotten
    /// The same pair came again too soon (`spam.pair_interval_seconds`); wait this many seconds.
    case rateLimited(Int)
    /// The mention could not be stored (a full disk, a database that went away): our trouble.
    case storeUnavailable
    /// Vouch: the source's domain is unknown here and no vouch was sent (HTTP 449, Retry With).
    case vouchRequired
    /// Vouch: the vouch sent is not acceptable (see ``VouchCheck``).
    case invalidVouch(String)
    /// Private Webmention: the source declares no token endpoint.
    case noTokenEndpoint
    /// Private Webmention: the token endpoint did not exchange the code for a token.
    case invalidCode(String)
    /// Private Webmention: the source could not be fetched with the token.
    case sourceNotFound(String)
    /// Private Webmention: the source, fetched with the token, does not link to the target.
    case noLink
    /// Too many checks that fetch while the sender waits (Private Webmention, Vouch) run already,
    /// or the server is stopping: our trouble, answered 503.
    case busy

    /// The Webmention error code in the JSON body.
    public var webmentionError: String {
        switch self {
        case .missingParameter, .sameURL: return "invalid_request"
        case .invalidSource: return "invalid_source"
        case .invalidTarget: return "invalid_target"
        case .targetNotSupported: return "target_not_supported"
        case .targetClosed: return "target_closed"
        case .targetNotFound: return "target_not_found"
        case .targetUnavailable: return "target_unavailable"
        case .blockedSource: return "blocked"
        case .forgotten: return "forgotten"
        case .rateLimited: return "rate_limited"
        case .storeUnavailable: return "temporarily_unavailable"
        case .vouchRequired: return "vouch_required"
        case .invalidVouch: return "invalid_vouch"
        case .noTokenEndpoint: return "no_token_endpoint"
        case .invalidCode: return "invalid_code"
        case .sourceNotFound: return "source_not_found"
        case .noLink: return "no_link"
        case .busy: return "temporarily_unavailable"
        }
    }

    /// Whether the client is at fault (and the refusal belongs in the rejection log).
    public var isClientFault: Bool {
        switch self {
        case .targetUnavailable, .storeUnavailable, .busy: return false
        default: return true
        }
    }

    /// The rejection-log reason.
    public var rejectionReason: RejectionReason {
        switch self {
        case .missingParameter: return .invalidRequest
        case .invalidSource, .invalidTarget: return .invalidURL
        case .sameURL: return .sameURL
        case .targetNotSupported: return .targetNotSupported
        case .targetClosed: return .targetClosed
        case .targetNotFound, .targetUnavailable: return .targetNotFound
        case .blockedSource: return .blockedSource
        case .forgotten: return .forgotten
        case .rateLimited: return .rateLimited
        case .storeUnavailable, .busy: return .invalidRequest  // never written: not the client's fault
        case .vouchRequired: return .vouchRequired
        case .invalidVouch: return .invalidVouch
        case .noTokenEndpoint, .invalidCode: return .invalidCode
        case .sourceNotFound: return .sourceNotFound
        case .noLink: return .noLink
        }
    }

    /// One sentence for the sender.
    public var message: String {
        switch self {
        case .missingParameter(let name): return "the \(name) parameter is missing"
        case .invalidSource(let why): return "source \(why)"
        case .invalidTarget(let why): return "target \(why)"
        case .sameURL: return "source and target are the same URL"
        case .targetNotSupported(let host): return "this server does not accept mentions for \(host)"
        case .targetClosed: return "the target is closed to mentions"
        case .targetNotFound(let why): return "target \(why)"
        case .targetUnavailable(let why): return "the target could not be checked (\(why)); try again later"
        case .blockedSource(let what): return "mentions from \(what) are not accepted"
        case .forgotten: return "the owner of this site asked to forget mentions from this source; none are accepted"
        case .rateLimited(let seconds): return "this source and target were sent moments ago; retry in \(seconds) s"
        case .storeUnavailable: return "the mention could not be stored just now; try again later"
        case .vouchRequired:
            return "mentions from this domain need a vouch: send it again with a vouch URL, a page on a domain this site "
                + "knows that links to your domain"
        case .invalidVouch(let why): return why
        case .noTokenEndpoint:
            return "the source declares no token endpoint (a Link header or <link> with rel=\"token_endpoint\"), "
                + "so the code cannot be exchanged"
        case .invalidCode(let why): return why
        case .sourceNotFound(let why): return "the source, fetched with the token: \(why)"
        case .noLink: return "the source does not link to the target"
        case .busy: return "too many mentions are being checked just now; try again in a minute"
        }
    }
}

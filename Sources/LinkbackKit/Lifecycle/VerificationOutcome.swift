import Foundation

/// What a verified source's page says beyond its mention: the shingles of the text it is about
/// (``MainText``), for copy detection, and traits of the page (``PageTraits``), for the spam score.
public struct SourceText: Sendable, Equatable {
    public var shingles: Shingles
    /// Feature tokens such as `generator:wordpress`, `links:dense`, `lang:de`.
    public var traits: [String]

    public init(_ shingles: Shingles = Shingles(""), traits: [String] = []) {
        self.shingles = shingles
        self.traits = traits
    }
}

/// The result of verifying one (source, target) pair.
public enum VerificationOutcome: Sendable, Equatable {
    /// The source links to the target; with what was extracted from it and what its page says
    /// beyond that (``SourceText``), for the content signals.
    case linkFound(MentionContent, text: SourceText = SourceText())
    /// The source answered 200 but does not link to the target.
    case noLink
    /// The source answered 410, or its HTML says `<meta http-equiv="Status" content="410 …">`.
    case gone
    /// Another 4xx.
    case notFound(status: Int)
    /// A 5xx.
    case serverError(status: Int)
    /// The source is, resolves to, or redirects to a non-public address.
    case blockedAddress(String)
    case tooLarge(limit: Int)
    case timedOut
    case tooManyRedirects(limit: Int)
    case unsupportedContentType(String)
    case networkError(String)
    /// The source is not a URL Linkback fetches (scheme, user info).
    case invalidSource(String)
    /// The source host's fetch allowance for this minute is used up; try later.
    case rateLimited(String)
    /// The source answered with a bot challenge (``BotChallenge``) from this service: no program
    /// can tell whether it links; the mention waits for the owner and is tried again.
    case challenged(String)

    /// A short stable code, used in logs, the CLI's JSON and status reasons.
    public var code: String {
        switch self {
        case .linkFound: return "link-found"
        case .noLink: return "no-link"
        case .gone: return "gone"
        case .notFound: return "source-not-found"
        case .serverError: return "source-server-error"
        case .blockedAddress: return "blocked-address"
        case .tooLarge: return "too-large"
        case .timedOut: return "timed-out"
        case .tooManyRedirects: return "too-many-redirects"
        case .unsupportedContentType: return "unsupported-content-type"
        case .networkError: return "network-error"
        case .invalidSource: return "invalid-source"
        case .rateLimited: return "rate-limited"
        case .challenged: return Self.challengedCode
        }
    }

    /// Every ``code`` a failure can have: the fixed vocabulary that may be shown publicly.
    public static let codes: Set<String> = [
        "no-link", "gone", "source-not-found", "source-server-error", "blocked-address", "too-large", "timed-out",
        "too-many-redirects", "unsupported-content-type", "network-error", "invalid-source", "invalid-url",
        "rate-limited", challengedCode,
    ]

    /// The code of ``challenged(_:)``, also the reason a mention held for it carries.
    public static let challengedCode = "source-challenged"

    /// One line for people.
    public var description: String {
        switch self {
        case .linkFound: return "link found"
        case .noLink: return "no link: the source does not link to the target"
        case .gone: return "gone: the source says it was deleted (410)"
        case .notFound(let status): return "source not found (HTTP \(status))"
        case .serverError(let status): return "the source's server failed (HTTP \(status))"
        case .blockedAddress(let reason): return "refused to fetch: \(reason)"
        case .tooLarge(let limit): return "the source is larger than \(limit) bytes"
        case .timedOut: return "fetching the source timed out"
        case .tooManyRedirects(let limit): return "more than \(limit) redirects"
        case .unsupportedContentType(let type): return "unsupported content type \(type)"
        case .networkError(let reason): return "network error: \(reason)"
        case .invalidSource(let reason): return "invalid source: \(reason)"
        case .rateLimited(let host): return "too many fetches from \(host) this minute; later"
        case .challenged(let provider): return "the source answered with a bot challenge (\(provider)), not the page"
        }
    }

    /// Whether the link was found (whatever the mention's content).
    public var isLinkFound: Bool {
        if case .linkFound = self { return true }
        return false
    }

    /// Only these may delete a mention that was verified before (Webmention §3.2.4): any other
    /// failure is transient or a refusal of a new mention, never a delete.
    public var allowsDelete: Bool {
        self == .noLink || self == .gone
    }

    /// Failures worth retrying later: the source's trouble, not a verdict on the mention.
    public var isTransient: Bool {
        switch self {
        case .serverError, .timedOut, .networkError, .rateLimited, .challenged: return true
        default: return false
        }
    }
}

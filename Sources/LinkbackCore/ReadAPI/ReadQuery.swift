import Foundation
import LinkbackKit
import LinkbackStore

/// Why a read API request cannot be answered: the HTTP status and webmention.io-style error.
public struct ReadQueryError: Error, Equatable, Sendable {
    /// 400, 401 or 403.
    public var status: Int
    public var error: String
    public var description: String

    static func invalid(_ description: String) -> ReadQueryError {
        ReadQueryError(status: 400, error: "invalid_input", description: description)
    }
}

/// Turns the read API's query parameters, webmention.io's (`target`, `target[]`, `wm-property`,
/// `since`, `since_id`, `per-page`/`perPage`, `page`, `sort-by`, `sort-dir`, `token`, `domain`),
/// into a ``MentionQuery`` of approved mentions. Knows nothing of HTTP.
///
/// A request names its targets (public), or carries a read token (`api.tokens`) and then sees
/// every approved mention of the token's sites, narrowed by `domain` to one of them. A token
/// never sees another site.
public struct ReadQueryParser: Sendable {
    public static let defaultPerPage = 20
    /// The largest `per-page` with a read token.
    public static let maxPerPage = 10_000

    /// `api.tokens`, replaced by a configuration reload.
    public let tokenList: Shared<[Config.API.Token]>
    public var tokens: [Config.API.Token] { tokenList.current }
    /// `api.max_targets`: more is a 400 that names the limit (each target is a term of the query).
    public let maxTargets: Int
    /// `api.max_per_page`: the largest `per-page` without a token.
    public let maxAnonymousPerPage: Int
    /// `verification.target_aliases`: a target named on an alias's origin is read on its site's.
    public let aliases: TargetAliases

    public init(
        tokens: [Config.API.Token], maxTargets: Int = 100, maxAnonymousPerPage: Int = 100, aliases: TargetAliases = TargetAliases()
    ) {
        tokenList = Shared(tokens)
        self.maxTargets = maxTargets
        self.maxAnonymousPerPage = maxAnonymousPerPage
        self.aliases = aliases
    }

    public init(config: Config) {
        self.init(
            tokens: config.api.tokens, maxTargets: config.api.maxTargets, maxAnonymousPerPage: config.api.maxPerPage,
            aliases: config.verification.targetAliases)
    }

    public func parse(_ parameters: [(name: String, value: String)]) -> Result<MentionQuery, ReadQueryError> {
        var query = MentionQuery(statuses: [.approved], limit: Self.defaultPerPage, includePrivate: false)
        query.collapseAliases = true
        var targets: [String] = []
        var types: [MentionType] = []
        var token: String?
        var domain: String?
        var page = 0
        for (name, value) in parameters {
            switch name {
            case "target", "target[]":
                guard targets.count < maxTargets else {
                    return .failure(.invalid("at most \(maxTargets) targets per request (api.max_targets)"))
                }
                guard case .success(let url) = MentionCheck.parse(value) else {
                    return .failure(.invalid("target \"\(value)\" is not an absolute http or https URL"))
                }
                targets.append(aliases.rewrite(url.absoluteString) ?? url.absoluteString)
            case "wm-property", "wm-property[]":
                guard let type = JF2Entry.type(ofProperty: value) else {
                    return .failure(.invalid(
                        "wm-property must be one of \(JF2Entry.properties.map(\.property).joined(separator: ", "))"))
                }
                types.append(type)
            case "since":
                guard let date = Self.date(value) else { return .failure(.invalid("since must be an ISO 8601 date")) }
                query.since = date
            case "since_id":
                guard let id = Int64(value), id >= 0 else { return .failure(.invalid("since_id must be a mention id")) }
                query.sinceID = id
            case "per-page", "perPage":
                guard let count = Int(value), (1...Self.maxPerPage).contains(count) else {
                    return .failure(.invalid("per-page must be a number from 1 to \(Self.maxPerPage)"))
                }
                query.limit = count
            case "page":
                guard let number = Int(value), number >= 0 else { return .failure(.invalid("page must be 0 or more")) }
                page = number
            case "sort-by":
                switch value {
                case "created": query.sort = .received
                case "updated": query.sort = .updated
                case "published": query.sort = .published
                case "rsvp": query.sort = .rsvp
                default: return .failure(.invalid("sort-by must be created, updated, published or rsvp"))
                }
            case "sort-dir":
                switch value {
                case "down": query.ascending = false
                case "up": query.ascending = true
                default: return .failure(.invalid("sort-dir must be down or up"))
                }
            case "token": token = value
            case "domain": domain = value
            case "jsonp":
                guard Self.isCallbackName(value) else {
                    return .failure(.invalid("jsonp must be a JavaScript function name (letters, digits, _, $ and dots; at most 64)"))
                }
            default: continue  // unknown parameters are ignored, as webmention.io does
            }
        }
        let (offset, overflow) = page.multipliedReportingOverflow(by: query.limit)
        guard !overflow else { return .failure(.invalid("page is too large")) }
        query.offset = offset
        if !types.isEmpty { query.types = types }
        if !targets.isEmpty { query.targets = targets }
        if let token {
            guard let granted = tokens.first(where: { Secret.equal($0.token, token) }) else {
                return .failure(ReadQueryError(status: 401, error: "invalid_token", description: "the token is not valid"))
            }
            var sites = granted.sites
            if let domain {
                guard let wanted = HostPort(domain) else { return .failure(.invalid("domain must be a host name")) }
                sites = sites.filter { $0 == wanted || ($0.host == wanted.host && wanted.port == nil) }
                guard !sites.isEmpty else {
                    return .failure(ReadQueryError(
                        status: 403, error: "forbidden", description: "the token does not cover \(wanted)"))
                }
            }
            query.sites = sites.map(\.description)
            query.includePrivate = granted.includesPrivate
        } else if targets.isEmpty {
            return .failure(.invalid("name a target, or a token (with an optional domain)"))
        } else if domain != nil {
            return .failure(.invalid("domain needs a token"))
        } else if query.limit > maxAnonymousPerPage {
            return .failure(.invalid("per-page is at most \(maxAnonymousPerPage) without a token (api.max_per_page)"))
        }
        return .success(query)
    }

    /// A JSONP callback as webmention.io takes it: a (dotted) JavaScript name, nothing that could
    /// be code.
    public static func isCallbackName(_ text: String) -> Bool {
        guard (1...64).contains(text.utf8.count), let first = text.unicodeScalars.first, first != ".",
            !CharacterSet.decimalDigits.contains(first), !text.hasSuffix("."), !text.contains("..")
        else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_$.".unicodeScalars.contains($0)) }
    }

    /// `2026-11-26T10:00:00Z`, with fractional seconds or an offset, or a plain date.
    static func date(_ text: String) -> Date? { Date(iso8601: text) }
}

import Foundation

/// Limits of one guarded fetch, from the `fetch.*` configuration keys.
public struct FetchLimits: Sendable {
    /// Whole fetch, redirects and body included.
    public var timeoutSeconds: Double
    /// Body bytes read at most.
    public var maxBytes: Int
    public var maxRedirects: Int
    /// Exact host:port pairs exempt from the public-address rule.
    public var allowHosts: [HostPort]

    public init(timeoutSeconds: Double = 10, maxBytes: Int = 1_048_576, maxRedirects: Int = 8, allowHosts: [HostPort] = []) {
        self.timeoutSeconds = timeoutSeconds
        self.maxBytes = maxBytes
        self.maxRedirects = maxRedirects
        self.allowHosts = allowHosts
    }

    public init(_ fetch: Config.Fetch) {
        self.init(
            timeoutSeconds: fetch.timeoutSeconds, maxBytes: fetch.maxBytes, maxRedirects: fetch.maxRedirects,
            allowHosts: fetch.allowHosts)
    }
}

/// A successfully fetched (2xx) resource.
public struct FetchedResource: Sendable {
    /// The URL after redirects.
    public var url: URL
    public var status: Int
    /// Lower-case media type without parameters, e.g. `text/html`.
    public var mediaType: String?
    /// Lower-case `charset` parameter of the Content-Type, if any.
    public var charset: String?
    public var body: [UInt8]

    public init(url: URL, status: Int, mediaType: String?, charset: String?, body: [UInt8]) {
        self.url = url
        self.status = status
        self.mediaType = mediaType
        self.charset = charset
        self.body = body
    }
}

/// Why a fetch produced no usable resource.
public enum FetchFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not an http/https URL with a host, or with user info.
    case invalidURL(String)
    /// The host resolves to (or is) an address that is not public, or is a numeric trick.
    case blockedAddress(String)
    /// HTTP 410.
    case gone
    /// Another 4xx.
    case notFound(status: Int)
    case serverError(status: Int)
    case tooLarge(limit: Int)
    case timedOut
    case tooManyRedirects(limit: Int)
    case networkError(String)
    /// The per-source-host fetch cap (`spam.fetches_per_source_host_per_minute`) is used up.
    case hostRateLimited(String)

    public var description: String {
        switch self {
        case .invalidURL(let reason): return "invalid URL: \(reason)"
        case .blockedAddress(let reason): return "blocked address: \(reason)"
        case .gone: return "gone (HTTP 410)"
        case .notFound(let status): return "not found (HTTP \(status))"
        case .serverError(let status): return "server error (HTTP \(status))"
        case .tooLarge(let limit): return "too large (more than \(limit) bytes)"
        case .timedOut: return "timed out"
        case .tooManyRedirects(let limit): return "too many redirects (more than \(limit))"
        case .networkError(let reason): return "network error: \(reason)"
        case .hostRateLimited(let host): return "too many fetches from \(host) this minute"
        }
    }
}

/// Fetches a URL under ``FetchLimits``; ``GuardedFetcher`` is the implementation.
public protocol SourceFetching: Sendable {
    func fetch(_ url: URL) async throws(FetchFailure) -> FetchedResource
}

public enum ContentTypeHeader {
    /// Splits a Content-Type header value into lower-case media type and charset.
    public static func parse(_ header: String?) -> (mediaType: String?, charset: String?) {
        guard let header else { return (nil, nil) }
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        let type = parts.first?.lowercased()
        var charset: String?
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "charset" {
                charset = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'")).lowercased()
            }
        }
        return (type?.isEmpty == false ? type : nil, charset)
    }
}

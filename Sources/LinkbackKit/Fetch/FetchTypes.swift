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
    /// The `Link`, `X-Pingback` and `Location` header values, by lower-case name, in order: what
    /// endpoint discovery and sending read (the rest is not kept).
    public var headers: [String: [String]]

    public init(
        url: URL, status: Int, mediaType: String?, charset: String?, body: [UInt8], headers: [String: [String]] = [:]
    ) {
        self.url = url
        self.status = status
        self.mediaType = mediaType
        self.charset = charset
        self.body = body
        self.headers = headers
    }

    /// Whether it is read as HTML: `text/html`, `application/xhtml+xml`, or no Content-Type.
    public var isHTML: Bool { ["text/html", "application/xhtml+xml"].contains(mediaType ?? "text/html") }

    /// The header names kept in ``headers``.
    package static let keptHeaders = ["link", "x-pingback", "location"]
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
    /// A bot challenge answered instead of the page (``BotChallenge``), from this service.
    case challenged(String)

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
        case .challenged(let provider): return "a bot challenge (\(provider)) instead of the page"
        }
    }
}

/// Fetches a URL under ``FetchLimits``; ``GuardedFetcher`` is the implementation.
public protocol SourceFetching: Sendable {
    func fetch(_ url: URL) async throws(FetchFailure) -> FetchedResource
}

public enum ContentTypeHeader {
    /// Splits a Content-Type header value into lower-case media type and charset.
    /// (Read on every request body, so it stays off Foundation's character sets.)
    public static func parse(_ header: String?) -> (mediaType: String?, charset: String?) {
        guard let header else { return (nil, nil) }
        var parts = header.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)[...]
        let type = parts.popFirst().map { lowercased(trimmed($0)) }
        var charset: String?
        for parameter in parts {
            let pair = parameter.split(separator: UInt8(ascii: "="), maxSplits: 1)
            guard pair.count == 2, lowercased(trimmed(pair[0])) == "charset" else { continue }
            var value = trimmed(pair[1])
            while let first = value.first, first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") { value.removeFirst() }
            while let last = value.last, last == UInt8(ascii: "\"") || last == UInt8(ascii: "'") { value.removeLast() }
            charset = lowercased(value)
        }
        return (type?.isEmpty == false ? type : nil, charset)
    }

    /// Without the spaces and tabs at either end (HTTP's optional whitespace).
    private static func trimmed(_ bytes: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        return bytes
    }

    private static func lowercased(_ bytes: Substring.UTF8View.SubSequence) -> String {
        String(decoding: bytes, as: UTF8.self).lowercased()
    }
}

extension HTMLDocument {
    /// A fetched page, with the charset its `Content-Type` named.
    public init(_ page: FetchedResource) {
        self.init(bytes: page.body, url: page.url, charset: page.charset)
    }
}

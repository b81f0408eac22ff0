import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Fetches untrusted URLs (mention sources) safely.
///
/// Only http/https without user info; numeric-trick hosts refused; every resolved address must
/// be public unless the exact host:port is in ``FetchLimits/allowHosts``; the connection goes to
/// the address that was checked (no second lookup, so no DNS rebinding); redirects are followed
/// one hop at a time, each hop checked again; the body read stops at ``FetchLimits/maxBytes``; the
/// whole fetch is bounded by ``FetchLimits/timeoutSeconds``.
public struct GuardedFetcher: SourceFetching {
    public let limits: FetchLimits
    public let userAgent: String
    /// Asked before every request, the first and each redirect hop: a failure stops the fetch.
    public var beforeEachHop: (@Sendable (URL) -> FetchFailure?)?
    public static let accept =
        "text/html,application/xhtml+xml;q=0.9,application/json;q=0.8,text/plain;q=0.7,*/*;q=0.1"

    public init(limits: FetchLimits, userAgent: String) {
        self.limits = limits
        self.userAgent = userAgent
    }

    /// `Linkback/VERSION (+BASE_URL)`.
    /// A fetcher with the `fetch.*` limits (`timeoutSeconds` in place of `fetch.timeout_seconds`
    /// when given) and this server's user agent; with `spam`, every hop counts against its
    /// per-source-host cap.
    public init(config: Config, spam: SpamGuard? = nil, timeoutSeconds: Double? = nil) {
        var limits = FetchLimits(config.fetch)
        if let timeoutSeconds { limits.timeoutSeconds = timeoutSeconds }
        self.init(limits: limits, userAgent: Self.userAgent(baseURL: config.server.baseURL))
        if let spam { beforeEachHop = spam.fetchAllowance }
    }

    public static func userAgent(baseURL: String) -> String {
        "Linkback/\(LinkbackVersion.string) (+\(baseURL))"
    }

    public func fetch(_ url: URL) async throws(FetchFailure) -> FetchedResource {
        try await fetch(url, headers: [])
    }

    /// A GET with extra request `headers`; an `Authorization` header goes only to the URL's own
    /// origin, never along a redirect to another. With `acceptingClientErrors`, a 4xx answer is
    /// returned as it is (its headers may say what the client lacks) instead of thrown.
    public func fetch(_ url: URL, headers: [(String, String)], acceptingClientErrors: Bool = false) async throws(FetchFailure)
        -> FetchedResource
    {
        do {
            guard
                let resource = try await Deadline.run(
                    seconds: limits.timeoutSeconds,
                    { try await self.follow(url, headers: headers, acceptingClientErrors: acceptingClientErrors) })
            else { throw FetchFailure.timedOut }
            return resource
        } catch let failure as FetchFailure {
            throw failure
        } catch {
            throw .networkError(String(describing: error))
        }
    }

    /// POSTs `body` to `url` under the same guard as fetches (public addresses only unless the
    /// host:port is in ``FetchLimits/allowHosts``, the checked address connected to, the whole
    /// exchange bounded by the timeout). Redirects are not followed: a webhook receiver answers
    /// itself. Succeeds on 2xx with the answer; any other answer is the failure it maps to.
    @discardableResult
    public func post(_ url: URL, body: [UInt8], headers: [(String, String)]) async throws(FetchFailure) -> FetchedResource {
        do {
            let outcome = try await Deadline.run(seconds: limits.timeoutSeconds) { () async throws -> Hop in
                if let refusal = self.beforeEachHop?(url) { throw refusal }
                let target = try await self.checkedTarget(url)
                return try await self.fetchOne(url, from: target, method: .POST, body: body, headers: headers)
            }
            switch outcome {
            case nil: throw FetchFailure.timedOut
            case .redirect?: throw FetchFailure.networkError("redirected; the URL posted to must answer itself")
            case .resource(let answer)?: return answer
            }
        } catch let failure as FetchFailure {
            throw failure
        } catch {
            throw .networkError(String(describing: error))
        }
    }

    /// Follows redirects hop by hop.
    private func follow(_ start: URL, headers: [(String, String)], acceptingClientErrors: Bool) async throws -> FetchedResource {
        var url = start
        var headers = headers
        var redirects = 0
        let origin = HostPort(endpointOf: start)
        while true {
            if let refusal = beforeEachHop?(url) { throw refusal }
            let target = try await checkedTarget(url)
            switch try await fetchOne(url, from: target, headers: headers, acceptingClientErrors: acceptingClientErrors) {
            case .resource(let resource):
                return resource
            case .redirect(let next):
                redirects += 1
                if redirects > limits.maxRedirects { throw FetchFailure.tooManyRedirects(limit: limits.maxRedirects) }
                if HostPort(endpointOf: next) != origin || next.scheme?.lowercased() != start.scheme?.lowercased() {
                    headers.removeAll { $0.0.lowercased() == "authorization" }
                }
                url = next
            }
        }
    }

    /// The host and the one checked address a request to `url` may connect to.
    package struct Target {
        package var host: String
        /// Checked addresses to try in order: the first IPv4 and the first IPv6 address (IPv4
        /// first: many servers have no IPv6 route).
        package var addresses: [IPAddress]
    }

    package func checkedTarget(_ url: URL) async throws(FetchFailure) -> Target {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw .invalidURL("only http and https URLs are fetched")
        }
        guard url.user == nil, url.password == nil else { throw .invalidURL("URLs with user info are not fetched") }
        guard let endpoint = HostPort(endpointOf: url), let port = endpoint.port else { throw .invalidURL("no host") }
        // Judged before the trailing dot is dropped: `127.0.0.1.` is a disguise too.
        if let written = url.host?.lowercased(), AddressPolicy.isNumericTrick(written) {
            throw .blockedAddress("\(written) is a numeric address in disguise")
        }
        let host = endpoint.host
        let allowed = limits.allowHosts.contains(endpoint)
        var addresses: [IPAddress]
        if let literal = IPAddress(host) {
            guard host.utf8.contains(UInt8(ascii: ":")) || AddressPolicy.isDottedQuad(host) else {
                throw .blockedAddress("\(host) is not a plain IP address")
            }
            addresses = [literal]
        } else {
            do {
                addresses = try await HostResolver.addresses(of: host, port: port)
            } catch let failure as FetchFailure {
                throw failure
            } catch {
                throw .networkError("cannot resolve \(host)")
            }
        }
        guard !addresses.isEmpty else { throw .networkError("\(host) has no addresses") }
        if !allowed {
            for address in addresses {
                if let refusal = AddressPolicy.refusal(for: address) {
                    throw .blockedAddress(refusal + "; to fetch from \(endpoint) anyway (an intranet, a test), add it to fetch.allow_hosts")
                }
            }
        }
        let candidates = [addresses.first(where: \.isIPv4), addresses.first(where: { !$0.isIPv4 })].compactMap { $0 }
        return Target(host: host, addresses: candidates)
    }

    package enum Hop {
        case resource(FetchedResource)
        case redirect(URL)
    }

    /// One request, to each checked address in turn until one connects.
    private func fetchOne(
        _ url: URL, from target: Target, method: HTTPMethod = .GET, body: [UInt8]? = nil, headers: [(String, String)] = [],
        acceptingClientErrors: Bool = false
    ) async throws -> Hop {
        var lastError: FetchFailure = .networkError("no address to connect to")
        for address in target.addresses {
            do {
                return try await fetchOne(
                    url, host: target.host, connectTo: address, method: method, body: body, headers: headers,
                    acceptingClientErrors: acceptingClientErrors)
            } catch ConnectFailure.failed(let failure) {
                lastError = failure
            }
        }
        throw lastError
    }

    /// A failure before any response arrived, worth trying another address for.
    private enum ConnectFailure: Error {
        case failed(FetchFailure)
    }

    private func fetchOne(
        _ url: URL, host: String, connectTo address: IPAddress, method: HTTPMethod, body: [UInt8]?,
        headers: [(String, String)], acceptingClientErrors: Bool
    ) async throws -> Hop {
        let connectTimeout = Int64(max(1, limits.timeoutSeconds.rounded(.up)))
        let key = FetchClients.Key(host: host, address: address, connectTimeoutSeconds: connectTimeout)
        do {
            return try await FetchClients.shared.with(key, make: { Self.client(host: host, address: address, connectTimeout: connectTimeout) }) {
                client in
                try await request(
                    url, with: client, method: method, body: body, headers: headers, acceptingClientErrors: acceptingClientErrors)
            }
        } catch let failure as ConnectFailure {
            throw failure
        } catch {
            throw Self.translate(error)
        }
    }

    /// A client that connects only to `address` for `host`.
    private static func client(host: String, address: IPAddress, connectTimeout: Int64) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.httpVersion = .http1Only
        configuration.timeout = .init(connect: .seconds(connectTimeout))
        // Kept-alive connections serve the next page from the same source, not for long; as many
        // at once as verifications may run (AsyncHTTPClient's default of 8 queued the rest).
        configuration.connectionPool = .init(idleTimeout: .seconds(5), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        // A refused connection is reported at once (and retried by the queue with its backoff),
        // not retried here until the timeout makes it look like a slow server.
        configuration.connectionPool.retryConnectionEstablishment = false
        if IPAddress(host) == nil {
            configuration.dnsOverride = [host: address.description]
        }
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    private func request(
        _ url: URL, with client: HTTPClient, method: HTTPMethod, body: [UInt8]?, headers: [(String, String)],
        acceptingClientErrors: Bool
    ) async throws -> Hop {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "User-Agent", value: userAgent)
        request.headers.add(name: "Accept", value: method == .GET ? Self.accept : "*/*")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(Int64(limits.timeoutSeconds.rounded(.up)) + 1))
        } catch is CancellationError {
            throw FetchFailure.timedOut
        } catch {
            throw ConnectFailure.failed(Self.translate(error))
        }
        let status = Int(response.status.code)
        if status >= 400, let provider = BotChallenge.provider(headers: response.headers) {
            throw FetchFailure.challenged(provider)
        }
        if BotChallenge.statuses.contains(status), !(acceptingClientErrors && status < 500) {
            // A refused page may be a challenge page that does not say so in its headers.
            var start: [UInt8] = []
            for try await chunk in response.body {
                start.append(contentsOf: chunk.readableBytesView.prefix(BotChallenge.maxBodyBytes - start.count))
                if start.count >= BotChallenge.maxBodyBytes { break }
            }
            if let provider = BotChallenge.provider(body: start) { throw FetchFailure.challenged(provider) }
        }
        switch status {
        case 301, 302, 303, 307, 308:
            guard let location = response.headers.first(name: "Location"),
                let next = URLResolver.resolve(location, against: url)
            else { throw FetchFailure.networkError("redirect (HTTP \(status)) without a usable Location") }
            return .redirect(next)
        case 400...499 where acceptingClientErrors:
            break
        case 410:
            throw FetchFailure.gone
        case 400...499:
            throw FetchFailure.notFound(status: status)
        case 500...599:
            throw FetchFailure.serverError(status: status)
        case 200...299:
            break
        default:
            throw FetchFailure.networkError("unexpected HTTP status \(status)")
        }
        let length = response.headers.first(name: "Content-Length").flatMap(Int.init)
        if let length, length > limits.maxBytes {
            throw FetchFailure.tooLarge(limit: limits.maxBytes)
        }
        var body: [UInt8] = []
        // The announced length up front: growing by doubling would hold up to twice the page.
        if let length, length > 0 { body.reserveCapacity(length) }
        for try await chunk in response.body {
            if body.count + chunk.readableBytes > limits.maxBytes { throw FetchFailure.tooLarge(limit: limits.maxBytes) }
            body.append(contentsOf: chunk.readableBytesView)
        }
        let (mediaType, charset) = ContentTypeHeader.parse(response.headers.first(name: "Content-Type"))
        LinkbackMetrics.fetched(bytes: body.count)
        var kept: [String: [String]] = [:]
        for name in FetchedResource.keptHeaders {
            let values = response.headers[name]
            if !values.isEmpty { kept[name] = values }
        }
        return .resource(
            FetchedResource(url: url, status: status, mediaType: mediaType, charset: charset, body: body, headers: kept))
    }

    package static func translate(_ error: any Error) -> FetchFailure {
        if let failure = error as? FetchFailure { return failure }
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return .timedOut
            case .cancelled: return .timedOut
            default: return .networkError(String(describing: client))
            }
        }
        if error is CancellationError { return .timedOut }
        if let code = errnoCode(error) {
            switch code {
            case ECONNREFUSED: return .networkError("connection refused")
            case ECONNRESET: return .networkError("connection reset")
            case EHOSTUNREACH, ENETUNREACH: return .networkError("no route to the host")
            default: break
            }
        }
        return .networkError(String(describing: error))
    }

    /// The `errno` of a failed connection attempt, looked for inside NIO's connection errors.
    private static func errnoCode(_ error: any Error) -> Int32? {
        if let io = error as? IOError { return io.errnoCode }
        if let connection = error as? NIOConnectionError {
            return connection.connectionErrors.lazy.compactMap { errnoCode($0.error) }.first
        }
        return nil
    }
}

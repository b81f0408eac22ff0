import Foundation
import LinkbackKit

/// What came of sending one mention.
public enum SendOutcome: Error, Equatable, Sendable {
    /// The Webmention endpoint accepted it (2xx), with its status URL when it gave one.
    case webmention(endpoint: URL, status: Int, location: String?)
    /// The Pingback server registered it (or had already).
    case pingback(endpoint: URL, message: String)
    /// The target declares neither endpoint.
    case noEndpoint
    /// Refused for good: the endpoint's 4xx or fault, or a target that does not exist.
    case failed(String)
    /// Worth trying again later: 429, 5xx, a timeout, the network.
    case retry(String)

    /// One line, as `linkback send` prints it and the outbox stores it. What the remote server
    /// wrote in it (a fault string, a Location) loses its control characters (an ESC or a C1 CSI
    /// would rewrite the terminal it is printed on) and is cut at 500 characters.
    public var description: String {
        let line: String =
            switch self {
            case .webmention(_, let status, let location): "webmention: \(status)" + (location.map { " Location \($0)" } ?? "")
            case .pingback(_, let message): "pingback: \(message)"
            case .noEndpoint: "no endpoint"
            case .failed(let why): "failed: \(why)"
            case .retry(let why): "will retry: \(why)"
            }
        return StoredText.capped(StoredText.cleaned(line), 500)
    }
}

/// Sends one mention: discovers the target's endpoints through the guarded fetcher, then sends a
/// webmention, or a pingback when the target only takes those.
public struct MentionSender: Sendable {
    let fetcher: GuardedFetcher
    let pool: WorkPool?

    public init(fetcher: GuardedFetcher, pool: WorkPool? = nil) {
        self.fetcher = fetcher
        self.pool = pool
    }

    /// The target's endpoints, or the outcome that ends the send without one.
    public func discover(_ target: URL) async -> Result<Endpoints, SendOutcome> {
        let page: FetchedResource
        do {
            page = try await fetcher.fetch(target)
        } catch {
            return .failure(Self.outcome(of: error, what: "the target"))
        }
        let discover: @Sendable () -> Endpoints = { Endpoints(discoveredIn: page) }
        return .success(await WorkPool.run(on: pool, discover))
    }

    /// Sends to `endpoints` (found by ``discover(_:)``): a webmention when there is a Webmention
    /// endpoint, else a pingback.
    public func send(source: URL, target: URL, to endpoints: Endpoints) async -> SendOutcome {
        if let endpoint = endpoints.webmention {
            let form = FormEncoding.body([("source", source.absoluteString), ("target", target.absoluteString)])
            do {
                let answer = try await fetcher.post(
                    endpoint, body: Array(form.utf8), headers: [("Content-Type", "application/x-www-form-urlencoded")])
                let location = answer.headers["location"]?.first.flatMap { URLResolver.resolve($0, against: endpoint) }
                return .webmention(endpoint: endpoint, status: answer.status, location: location?.absoluteString)
            } catch {
                return Self.outcome(of: error, what: "the webmention endpoint")
            }
        }
        if let endpoint = endpoints.pingback {
            let call = XMLRPCEncoder.call("pingback.ping", [.string(source.absoluteString), .string(target.absoluteString)])
            let answer: FetchedResource
            do {
                answer = try await fetcher.post(endpoint, body: Array(call.utf8), headers: [("Content-Type", "text/xml")])
            } catch {
                return Self.outcome(of: error, what: "the pingback server")
            }
            switch Result(catching: { () throws(XMLRPCFault) in try XMLRPCDecoder.decodeResponse(answer.body) }) {
            case .failure(let fault):
                return .failed("the pingback server's answer is not XML-RPC (\(fault.message))")
            case .success(.success):
                return .pingback(endpoint: endpoint, message: "registered")
            case .success(.failure(let fault)) where fault.code == PingbackService.alreadyRegistered:
                return .pingback(endpoint: endpoint, message: "already registered")
            case .success(.failure(let fault)) where fault.code == PingbackService.upstreamTrouble:
                return .retry("pingback fault \(fault.code): \(fault.message)")
            case .success(.failure(let fault)):
                return .failed("pingback fault \(fault.code): \(fault.message)")
            }
        }
        return .noEndpoint
    }

    /// A failed fetch or post, as a final failure or a reason to retry.
    static func outcome(of failure: FetchFailure, what: String) -> SendOutcome {
        switch failure {
        case .notFound(let status) where status == 429: .retry("\(what) answered HTTP 429 (too many requests)")
        case .notFound(let status): .failed("\(what) answered HTTP \(status)")
        case .gone: .failed("\(what) is gone (HTTP 410)")
        case .invalidURL, .blockedAddress, .tooLarge, .tooManyRedirects: .failed("\(what): \(failure.description)")
        case .serverError, .timedOut, .networkError, .hostRateLimited, .challenged: .retry("\(what): \(failure.description)")
        }
    }
}

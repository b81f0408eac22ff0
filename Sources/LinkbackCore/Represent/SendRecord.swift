import Foundation
import LinkbackKit

/// The documented JSON shape of one send of the blog's own post: `linkback send --json` and the
/// admin API's `POST /admin/api/send`.
public struct SendRecord: Encodable, Sendable {
    public var target: String
    /// Whether the post links to it now (`false`: a removed link, sent so the receiver deletes).
    public var linked: Bool
    public var state: String
    public var result: String?
    public var endpoint: String?
    public var attempts: Int
    public var nextAttempt: String?

    enum CodingKeys: String, CodingKey {
        case target, linked, state, result, endpoint, attempts
        case nextAttempt = "next_attempt"
    }

    public init(_ send: OutgoingSend) {
        target = send.target
        linked = send.linked
        state = send.state.rawValue
        result = send.result
        endpoint = send.endpoint
        attempts = send.attempts
        nextAttempt = send.state == .queued ? send.nextAttemptAt?.iso8601 : nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(target, forKey: .target)
        try container.encode(linked, forKey: .linked)
        try container.encode(state, forKey: .state)
        try container.encode(result, forKey: .result)
        try container.encode(endpoint, forKey: .endpoint)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(nextAttempt, forKey: .nextAttempt)
    }
}

/// What a dry run found for one link: `linkback send --dry-run --json`.
public struct DiscoveryRecord: Encodable, Sendable {
    public var target: String
    var webmention: String?
    var pingback: String?
    /// Why no endpoint could be looked for (the target does not exist, cannot be fetched).
    var error: String?

    public init(target: URL, endpoints: Result<Endpoints, SendOutcome>) {
        self.target = target.absoluteString
        switch endpoints {
        case .success(let found):
            webmention = found.webmention?.absoluteString
            pingback = found.pingback?.absoluteString
        case .failure(let outcome):
            error = outcome.description
        }
    }

    /// One line for the terminal.
    public var summary: String {
        if let error { return error }
        if let webmention { return "webmention \(webmention)" }
        if let pingback { return "pingback \(pingback)" }
        return "no endpoint"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(target, forKey: .target)
        try container.encode(webmention, forKey: .webmention)
        try container.encode(pingback, forKey: .pingback)
        try container.encode(error, forKey: .error)
    }

    enum CodingKeys: String, CodingKey { case target, webmention, pingback, error }
}

import Crypto
import Foundation
import LinkbackKit

/// The body of a webhook delivery, shaped like webmention.io's webhook: `source`, `target`,
/// `private`, `post` (the mention as a ``JF2Entry``), `deleted: true` for deletions, plus
/// Linkback's `event` and `id` (the status change's id, the same on every retry: receivers use it
/// to ignore a repeated delivery), and for `held` the spam signals' `reasons`. webmention.io puts the shared `secret` in the body too; Linkback
/// does so at send time (it is not stored in the outbox) and signs the whole body.
public struct WebhookPayload: Encodable, Sendable {
    public var event: WebhookEvent
    public var id: Int64
    public var source: String
    public var target: String
    /// The mention's privacy (a Private Webmention): webmention.io's consumers publish on it.
    public var `private`: Bool
    public var post: JF2Entry
    public var deleted: Bool?
    /// Why a spam signal held the mention (`held` only): `copy-of`, `spam-score`…
    public var reasons: [String]?

    public init(event: WebhookEvent, eventID: Int64, mention: Mention) {
        self.event = event
        id = eventID
        source = mention.source
        target = mention.target
        `private` = mention.isPrivate
        post = JF2Entry(mention)
        deleted = event == .deleted ? true : nil
        reasons = event == .held ? mention.spamReasons : nil
    }

    enum CodingKeys: String, CodingKey { case event, id, source, target, `private`, post, deleted, reasons }

    /// The stored form: JSON with sorted keys, without the secret.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    /// The body as sent to one webhook: the stored JSON object with `"secret"` as its first member.
    public static func body(stored payload: Data, secret: String) -> Data {
        let encoder = JSONEncoder()
        let quoted = (try? encoder.encode(secret)) ?? Data("\"\"".utf8)
        var body = Data("{\"secret\":".utf8) + quoted
        let rest = payload.dropFirst()
        body += rest.first == UInt8(ascii: "}") ? rest : Data(",".utf8) + rest
        return body
    }
}

/// `X-Linkback-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the webhook's secret>`.
public enum WebhookSignature {
    public static let header = "X-Linkback-Signature"

    public static func value(secret: String, body: Data) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.hexString
    }
}

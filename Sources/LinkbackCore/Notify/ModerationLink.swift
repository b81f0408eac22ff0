import Crypto
import Foundation
import LinkbackKit

/// A one-click moderation link from a notification: `/moderate/<token>`, where the token names
/// the mention, the action, when it expires and a nonce, signed with HMAC-SHA256 under a key kept
/// in the database. Its GET only shows what it would do (mail scanners and link previews fetch
/// links); its POST acts once: the nonce is spent, and the links of one mention in one message
/// share it, so after one of them is used the others are refused too.
public struct ModerationLink: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case approve, reject, spam
        /// Spam, and the source's domain blocked.
        case block

        /// The moderation it applies, and whether the source is blocked with it.
        public var moderation: (Moderation, blockSource: Bool) {
            switch self {
            case .approve: (.approve, false)
            case .reject: (.reject, false)
            case .spam: (.spam, false)
            case .block: (.spam, true)
            }
        }

        public var label: String {
            switch self {
            case .approve: "Approve"
            case .reject: "Reject"
            case .spam: "Spam"
            case .block: "Spam and block"
            }
        }
    }

    /// Why a token does not act.
    public enum Refusal: Error, Equatable {
        /// Not a token, or not signed with this server's key: 403.
        case forged
        /// Past its expiry: 410.
        case expired
        /// Already used (this link or another of the same mention in the same message): 410.
        case used
    }

    /// Longer tokens are refused before any work.
    public static let maxTokenLength = 160

    public var mentionID: Int64
    public var action: Action
    public var expires: Date
    public var nonce: String

    public init(mentionID: Int64, action: Action, expires: Date, nonce: String) {
        self.mentionID = mentionID
        self.action = action
        self.expires = expires
        self.nonce = nonce
    }

    private var signed: String { "\(mentionID).\(action.rawValue).\(Int64(expires.timeIntervalSince1970)).\(nonce)" }

    public func token(key: [UInt8]) -> String {
        signed + "." + Self.signature(signed, key: key)
    }

    /// The link a token stands for, if this key signed it; expiry is the caller's to check.
    public static func verify(_ token: String, key: [UInt8]) -> ModerationLink? {
        guard token.utf8.count <= maxTokenLength, !key.isEmpty else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, let id = Int64(parts[0]), let action = Action(rawValue: String(parts[1])),
            let expiry = Int64(parts[2]), parts[3].count == 24, parts[3].allSatisfy(\.isHexDigit)
        else { return nil }
        let link = ModerationLink(
            mentionID: id, action: action, expires: Date(timeIntervalSince1970: TimeInterval(expiry)), nonce: String(parts[3]))
        let expected = Array(signature(link.signed, key: key).utf8)
        let given = Array(parts[4].utf8)
        // Constant time in the signature's bytes.
        guard expected.count == given.count, zip(expected, given).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        return link
    }

    private static func signature(_ text: String, key: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: key))
        return Data(code).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The absolute URL of the link on this server.
    public func url(base: String, key: [UInt8]) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/moderate/" + token(key: key)
    }
}

import Foundation
import LinkbackKit

/// A block as the admin API and `linkback blocks --json` show it.
public struct BlockRecord: Encodable, Sendable {
    public var kind: String
    public var value: String
    public var reason: String
    public var created: String
    /// Only when the block was just added: mentions it marked as spam.
    public var markedSpam: Int?
    /// The subscribed list (`spam.blocklists`) an entry comes from; `nil` for the database's own blocks.
    public var list: String?

    public init(_ block: Block) {
        kind = block.kind.rawValue
        value = block.value
        reason = block.reason ?? ""
        created = block.created.iso8601
    }

    /// An entry of a subscribed list (`kind` is `domain` or `word`), fetched at `fetched`.
    public init(kind: String, value: String, list: String, fetched: Date?) {
        self.kind = kind
        self.value = value
        reason = "on the list \(list)"
        created = fetched?.iso8601 ?? ""
        self.list = list
    }

    enum CodingKeys: String, CodingKey {
        case kind, value, reason, created, list
        case markedSpam = "marked_spam"
    }
}

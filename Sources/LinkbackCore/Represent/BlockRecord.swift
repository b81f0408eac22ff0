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

    public init(_ block: Block) {
        kind = block.kind.rawValue
        value = block.value
        reason = block.reason ?? ""
        created = block.created.iso8601
    }

    enum CodingKeys: String, CodingKey {
        case kind, value, reason, created
        case markedSpam = "marked_spam"
    }
}

import Foundation
import LinkbackKit

/// The statements of the small tables (blocks, allowed domains, settings), a mention's history
/// and the id-ordered pages `linkback migrate-store` copies, written once: SQLite (3.24 and later,
/// for `ON CONFLICT`) and PostgreSQL read them alike. How a store counts the rows a statement
/// changed stays its own.
package enum TableSQL {
    /// Adds a block; an existing one of the same kind and value is kept as it is.
    package static func addBlock(kind: Block.Kind, value: String, reason: String?, at now: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO blocks (kind, value, reason, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (kind, value) DO NOTHING",
            [.text(kind.rawValue), .text(value), .optional(reason), .date(now)])
    }

    package static func block(kind: Block.Kind, value: String) -> SQLStatement {
        SQLStatement("SELECT * FROM blocks WHERE kind = ? AND value = ?", [.text(kind.rawValue), .text(value)])
    }

    package static func removeBlock(kind: Block.Kind, value: String) -> SQLStatement {
        SQLStatement("DELETE FROM blocks WHERE kind = ? AND value = ?", [.text(kind.rawValue), .text(value)])
    }

    package static let blocks = SQLStatement("SELECT * FROM blocks ORDER BY id", [])

    package static func allowDomain(_ domain: String, at now: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO allowed_domains (domain, created_at) VALUES (?, ?) ON CONFLICT (domain) DO NOTHING",
            [.text(domain), .date(now)])
    }

    package static func disallowDomain(_ domain: String) -> SQLStatement {
        SQLStatement("DELETE FROM allowed_domains WHERE domain = ?", [.text(domain)])
    }

    package static let allowedDomains = SQLStatement("SELECT domain FROM allowed_domains ORDER BY domain", [])

    package static func setting(_ key: StoreSetting) -> SQLStatement {
        SQLStatement("SELECT value FROM settings WHERE key = ?", [.text(key.rawValue)])
    }

    package static func setSetting(_ key: StoreSetting, to value: String, at now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """,
            [.text(key.rawValue), .text(value), .date(now)])
    }

    package static let blocklists = SQLStatement("SELECT * FROM blocklists ORDER BY url", [])

    package static func saveBlocklist(_ copy: BlocklistCopy, at now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO blocklists (url, entries, fetched_at, error, updated_at) VALUES (?, ?, ?, NULL, ?)
            ON CONFLICT (url) DO UPDATE SET entries = excluded.entries, fetched_at = excluded.fetched_at, error = NULL,
                updated_at = excluded.updated_at
            """,
            [.text(copy.url), .text(copy.entries.stored), copy.fetched.map(SQLValue.date) ?? .null, .date(now)])
    }

    package static func recordBlocklistFailure(url: String, error: String, at now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO blocklists (url, entries, fetched_at, error, updated_at) VALUES (?, '', NULL, ?, ?)
            ON CONFLICT (url) DO UPDATE SET error = excluded.error, updated_at = excluded.updated_at
            """,
            [.text(url), .text(error), .date(now)])
    }

    package static func events(mentionID: Int64) -> SQLStatement {
        SQLStatement("SELECT * FROM events WHERE mention_id = ? ORDER BY id", [.integer(mentionID)])
    }

    /// The tables `migrate-store` copies page by page, in id order.
    package enum Paged: String {
        case mentions, events
        case deliveries = "webhook_deliveries"
    }

    package static func page(of table: Paged, afterID: Int64, limit: Int) -> SQLStatement {
        SQLStatement("SELECT * FROM \(table.rawValue) WHERE id > ? ORDER BY id LIMIT ?", [.integer(afterID), .integer(Int64(limit))])
    }
}

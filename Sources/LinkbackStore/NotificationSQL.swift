import Foundation
import LinkbackKit

/// The notification outbox's statements, written once for both stores (SQLite 3.35 and later for
/// `RETURNING`). How a store claims due messages stays its own.
package enum NotificationSQL {
    /// An item, unless the channel already has it (the same change) or, for a channel that hears
    /// only a post's first mention, has an item about another mention of the same target.
    package static func enqueue(_ item: NewNotificationItem, at now: Date) -> SQLStatement {
        let values: [SQLValue] = [
            .text(item.channel), .text(item.event.rawValue), .integer(item.mentionID), .integer(item.eventID), .text(item.target), .date(now),
        ]
        guard item.onlyFirstForTarget else {
            return SQLStatement(
                """
                INSERT INTO notification_items (channel, event, mention_id, event_id, target, created_at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, event_id) DO NOTHING
                """, values)
        }
        return SQLStatement(
            """
            INSERT INTO notification_items (channel, event, mention_id, event_id, target, created_at)
            SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (
                SELECT 1 FROM notification_items WHERE channel = ? AND target = ? AND mention_id != ?)
            ON CONFLICT (channel, event_id) DO NOTHING
            """, values + [.text(item.channel), .text(item.target), .integer(item.mentionID)])
    }

    package static func moveCursor(to cursor: Int64) -> SQLStatement {
        SQLStatement("UPDATE notification_cursor SET last_event_id = CASE WHEN last_event_id > ? THEN last_event_id ELSE ? END WHERE id = 1",
            [.integer(cursor), .integer(cursor)])
    }

    package static func openItems(limit: Int) -> SQLStatement {
        SQLStatement(
            "SELECT id, channel, event, event_id, mention_id, created_at FROM notification_items WHERE message_id IS NULL ORDER BY id LIMIT ?",
            [.integer(Int64(limit))])
    }

    package static func insertMessage(channel: String, body: String, at now: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO notification_messages (channel, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?) RETURNING id",
            [.text(channel), .text(body), .date(now), .date(now)])
    }

    /// Marks items as told in `message` (0: in none).
    package static func assign(_ items: [Int64], to message: Int64) -> SQLStatement? {
        guard !items.isEmpty else { return nil }
        return SQLStatement(
            "UPDATE notification_items SET message_id = ? WHERE id IN (" + Array(repeating: "?", count: items.count).joined(separator: ", ") + ")",
            [.integer(message)] + items.map(SQLValue.integer))
    }

    package static func record(id: Int64, outcome: DeliveryOutcome, at now: Date) -> SQLStatement {
        switch outcome {
        case .delivered:
            return SQLStatement(
                "UPDATE notification_messages SET attempts = attempts + 1, sent_at = ?, next_attempt_at = NULL, last_error = NULL WHERE id = ?",
                [.date(now), .integer(id)])
        case .retry(let error, let next):
            return SQLStatement(
                "UPDATE notification_messages SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
                [.date(next), .text(error), .integer(id)])
        case .gaveUp(let error):
            return SQLStatement(
                "UPDATE notification_messages SET attempts = attempts + 1, given_up_at = ?, next_attempt_at = NULL, last_error = ? WHERE id = ?",
                [.date(now), .text(error), .integer(id)])
        }
    }

    package static func messages(state: WebhookDelivery.State?, limit: Int) -> SQLStatement {
        let condition: String
        switch state {
        case nil: condition = "1 = 1"
        case .pending?: condition = "sent_at IS NULL AND given_up_at IS NULL"
        case .delivered?: condition = "sent_at IS NOT NULL"
        case .failed?: condition = "given_up_at IS NOT NULL"
        }
        return SQLStatement("SELECT * FROM notification_messages WHERE \(condition) ORDER BY id DESC LIMIT ?", [.integer(Int64(limit))])
    }

    package static func retry(ids: [Int64]?, at now: Date) -> SQLStatement {
        let which = ids.map { "id IN (" + Array(repeating: "?", count: $0.count).joined(separator: ", ") + ") AND sent_at IS NULL" }
            ?? "given_up_at IS NOT NULL"
        return SQLStatement(
            "UPDATE notification_messages SET given_up_at = NULL, next_attempt_at = ?, created_at = ? WHERE \(which)",
            [.date(now), .date(now)] + (ids ?? []).map(SQLValue.integer))
    }

    package static let counts = SQLStatement(
        """
        SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL AND given_up_at IS NULL THEN 1 ELSE 0 END), 0) AS pending,
            COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS delivered,
            COALESCE(SUM(CASE WHEN given_up_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed
        FROM notification_messages
        """, [])

    package static func spend(nonce: String, at now: Date) -> SQLStatement {
        SQLStatement("INSERT INTO used_links (nonce, used_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING", [.text(nonce), .date(now)])
    }

    /// A message body as stored (JSON text), and back.
    package static func encode(_ message: OutgoingNotification) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(message)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    package static func decode(_ text: String) -> OutgoingNotification {
        (try? JSONDecoder().decode(OutgoingNotification.self, from: Data(text.utf8)))
            ?? OutgoingNotification(subject: "(unreadable message)", text: "", html: "")
    }

    /// A fresh link key, base64.
    package static func newLinkKey() -> String {
        Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString()
    }
}

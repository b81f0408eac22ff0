import Foundation
import LinkbackKit

/// `linkback forget` in SQL, for both stores: which mentions a subject has, and the statements
/// that erase them. A forgotten mention keeps its row (its id, target and status URL) as
/// `deleted` with reason `forgotten`, so the history, the webhooks and the changes feed announce
/// it gone; everything of the person goes: the source (`forgotten:ID` instead), the content and
/// author, the client's address and user agent, the fingerprint and its bands, the post's other
/// URLs, the history's reasons, their webhook deliveries and notifications, and the moderator's
/// decision on them. A tombstone key refuses their re-sends.
package enum ForgetSQL {
    /// Ids per statement.
    static let chunk = 500

    /// The mentions of `subject`, not forgotten already.
    package static func matching(_ subject: Forgotten.Subject) -> SQLStatement {
        switch subject {
        case .domain(let domain):
            let (condition, values) = MentionQuerySQL.filter(MentionQuery(sourceDomain: domain, includePrivate: true))
            return SQLStatement("SELECT * FROM mentions WHERE " + condition + " ORDER BY id", values)
        case .author(let url):
            // The key is canonical without a trailing slash on the root; a page may write either
            // scheme, and the slash.
            let bare = url.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
            let spellings = ["http://", "https://"].flatMap { [$0 + bare, $0 + bare + "/"] }
            return SQLStatement(
                "SELECT * FROM mentions WHERE author_url IN (" + MentionQuerySQL.placeholders(spellings) + ") ORDER BY id",
                spellings.map(SQLValue.text))
        }
    }

    /// Erases `ids` and records `subject`'s tombstone.
    package static func erase(_ ids: [Int64], subject: Forgotten.Subject, actor: Actor, at now: Date) -> [SQLStatement] {
        var statements: [SQLStatement] = []
        for part in stride(from: 0, to: ids.count, by: chunk).map({ Array(ids[$0..<min($0 + chunk, ids.count)]) }) {
            let marks = MentionQuerySQL.placeholders(part)
            let values = part.map(SQLValue.integer)
            statements += [
                // Said in the history first (as it was), so the outboxes announce what was visible as deleted.
                SQLStatement(
                    """
                    INSERT INTO events (mention_id, at, actor, from_status, to_status, reason)
                    SELECT id, ?, ?, status, 'deleted', 'forgotten' FROM mentions WHERE id IN (\(marks)) AND status <> 'deleted'
                    """, [.date(now), .text(actor.rawValue)] + values),
                SQLStatement(
                    "UPDATE events SET reason = NULL WHERE mention_id IN (\(marks)) AND reason IS NOT NULL AND reason <> 'forgotten'",
                    values),
                SQLStatement(
                    """
                    UPDATE mentions SET status = 'deleted', reason = 'forgotten', source = 'forgotten:' || id,
                        client_ip = NULL, user_agent = NULL, rsvp = NULL, title = NULL, excerpt = NULL, content_html = NULL,
                        content_text = NULL, author_name = NULL, author_url = NULL, author_photo = NULL, published = NULL,
                        vouch = NULL, children = NULL, decision = NULL, spam_reasons = NULL, fingerprint = NULL,
                        score_reasons = NULL, score_tokens = NULL, in_reply_to = NULL, same_as = NULL, alias_of = NULL,
                        claimed_at = NULL, next_attempt_at = NULL, reverify = FALSE, updated_at = ?, revision = revision + 1
                    WHERE id IN (\(marks))
                    """, [.date(now)] + values),
                SQLStatement("UPDATE mentions SET alias_of = NULL WHERE alias_of IN (\(marks))", values),
                SQLStatement("DELETE FROM mention_urls WHERE mention_id IN (\(marks))", values),
                SQLStatement("DELETE FROM fingerprint_bands WHERE mention_id IN (\(marks))", values),
                SQLStatement("DELETE FROM webhook_deliveries WHERE mention_id IN (\(marks))", values),
                SQLStatement(
                    "DELETE FROM notification_messages WHERE id IN (SELECT message_id FROM notification_items WHERE mention_id IN (\(marks)))",
                    values),
                SQLStatement("DELETE FROM notification_items WHERE mention_id IN (\(marks))", values),
            ]
        }
        let kind = if case .domain = subject { "domain" } else { "author" }
        return statements + [
            SQLStatement(
                "INSERT INTO forgotten (key, kind, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                [.text(subject.key), .text(kind), .date(now)])
        ]
    }

    /// `storage.forget_client_after_days`: the client address and user agent of every mention that
    /// last arrived before `cutoff`. A background job: it reads the table once a run.
    package static func clients(before cutoff: Date) -> SQLStatement {
        SQLStatement(
            """
            UPDATE mentions SET client_ip = NULL, user_agent = NULL
            WHERE (client_ip IS NOT NULL OR user_agent IS NOT NULL) AND COALESCE(last_received_at, received_at) < ?
            """, [.date(cutoff)])
    }

    /// The stored author photos and nested comments that name a photo kept here (`/avatars/`; the
    /// comments are JSON, where it is written `\/avatars\/`).
    package static let avatarReferences = """
        SELECT author_photo, children FROM mentions WHERE author_photo LIKE '%/avatars/%' OR children LIKE '%avatars%'
        """

    /// Every tombstone's key.
    package static let keys = "SELECT key FROM forgotten"
}

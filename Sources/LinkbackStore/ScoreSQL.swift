import Foundation
import LinkbackKit

/// How both stores learn the spam score from what is stored (``SpamModel``): the owner's
/// decisions and the mentions left approved. Learning follows the event history from a cursor
/// (`score_cursor`), a batch of events per transaction: each mention an event names is learnt
/// again from its row as it is now, its old tokens and label leaving the counts and the new ones
/// joining them, so learning twice changes nothing and any process may catch up (the CLI after a
/// decision, the server on schedule).
package enum ScoreSQL {
    /// Events read per transaction: short transactions, so learning never holds the single
    /// SQLite writer long while receipts wait (a mention brings up to ~200 token updates).
    package static let batch = 200

    /// A mention's row as learning reads it.
    package struct LearningRow: Sendable {
        package var mention: Mention
        /// The label and tokens the model holds for it (`score_label`, `score_learnt`).
        package var label: String?
        package var learnt: String?

        package init(mention: Mention, label: String?, learnt: String?) {
            self.mention = mention
            self.label = label
            self.learnt = learnt
        }
    }

    package static func events(after cursor: Int64) -> SQLStatement {
        SQLStatement("SELECT id, mention_id, at FROM events WHERE id > ? ORDER BY id LIMIT ?", [.integer(cursor), .integer(Int64(batch))])
    }

    /// Every mention after `id`, in id order (a rebuild).
    package static func mentions(after id: Int64) -> SQLStatement {
        SQLStatement("SELECT * FROM mentions WHERE id > ? ORDER BY id LIMIT ?", [.integer(id), .integer(Int64(batch))])
    }

    /// The counts of `tokens` and of the mentions learnt (``SpamModel/documentsKey``).
    package static func counts(_ tokens: [String]) -> SQLStatement {
        let keys = Array(Set(tokens + [SpamModel.documentsKey]))
        return SQLStatement(
            "SELECT token, good, bad FROM score_tokens WHERE token IN (" + MentionQuerySQL.placeholders(keys) + ")",
            keys.map(SQLValue.text))
    }

    /// Forgets everything learnt, for a rebuild.
    package static let reset = [
        SQLStatement("DELETE FROM score_tokens", []),
        SQLStatement("UPDATE mentions SET score_label = NULL, score_learnt = NULL WHERE score_label IS NOT NULL", []),
    ]

    package static let lastEvent = SQLStatement("SELECT COALESCE(MAX(id), 0) FROM events", [])

    /// The writes that learn `rows` as they are now, and how many mentions they change.
    package static func learn(_ rows: [LearningRow]) -> (statements: [SQLStatement], changed: Int) {
        var changes: [(from: SpamModel.Learnt, to: SpamModel.Learnt)] = []
        var statements: [SQLStatement] = []
        for row in rows {
            let mention = row.mention
            let from = SpamModel.Learnt(
                tokens: SpamSignals.scoreTokens(stored: row.learnt), label: row.label.flatMap(SpamModel.Label.init(rawValue:)))
            var to = SpamModel.Learnt(tokens: [], label: nil)
            if let label = SpamModel.label(status: mention.status, decision: mention.decision) {
                let tokens = SpamFeatures.tokens(of: mention)
                if !tokens.isEmpty { to = SpamModel.Learnt(tokens: tokens, label: label) }
            }
            guard from != to else { continue }
            changes.append((from, to))
            statements.append(
                SQLStatement(
                    "UPDATE mentions SET score_label = ?, score_learnt = ? WHERE id = ?",
                    [.optional(to.label?.rawValue), .optional(SpamSignals(scoreTokens: to.tokens).storedScoreTokens), .integer(mention.id)]))
        }
        let deltas = SpamModel.deltas(changes).sorted { $0.key < $1.key }
        // One statement per 300 tokens; each token once per statement (PostgreSQL refuses to
        // change a row twice in one INSERT … ON CONFLICT).
        var start = 0
        while start < deltas.count {
            let chunk = deltas[start..<min(start + 300, deltas.count)]
            statements.insert(
                SQLStatement(
                    "INSERT INTO score_tokens (token, good, bad) VALUES "
                        + chunk.map { _ in "(?, ?, ?)" }.joined(separator: ", ")
                        + " ON CONFLICT (token) DO UPDATE SET good = score_tokens.good + excluded.good, bad = score_tokens.bad + excluded.bad",
                    chunk.flatMap { [SQLValue.text($0.key), .integer(Int64($0.value.good)), .integer(Int64($0.value.bad))] }),
                at: 0)
            start += 300
        }
        return (statements, changes.count)
    }
}

import Crypto
import Foundation
import LinkbackKit

/// A statement with `?` placeholders and the values bound to them, for either store to run:
/// SQLite binds them as they are, PostgreSQL numbers the placeholders first
/// (``MentionQuerySQL/numbered(_:from:)``).
package struct SQLStatement: Sendable, Equatable {
    package let sql: String
    package let values: [SQLValue]

    package init(_ sql: String, _ values: [SQLValue]) {
        self.sql = sql
        self.values = values
    }
}

/// The writes both stores make to a mention once they hold its row, each written once in the SQL
/// both dialects read alike (`TRUE`/`FALSE`, `?` placeholders, no upserts): which rows to lock and
/// how a new row's id comes back stay each store's own. What status a write takes is
/// ``MentionLifecycle``'s to say; these only write it.
package enum MentionWriteSQL {
    /// A re-send of `existing`: back in the queue (or verified again in place, when visible), as
    /// ``MentionLifecycle/resend(_:)`` says, with the new sender's details; privacy never lifted.
    package static func resend(_ existing: Mention, _ incoming: IncomingMention, actor: Actor, at now: Date) -> [SQLStatement] {
        let resend = MentionLifecycle.resend(existing)
        return [
            SQLStatement(
                """
                UPDATE mentions SET status = ?, previous_status = ?, reverify = ?, reason = NULL, client_ip = ?,
                    user_agent = ?, protocol = ?, updated_at = ?, attempts = 0, revision = revision + 1,
                    claimed_at = NULL, next_attempt_at = NULL, last_received_at = ?, vouch = COALESCE(?, vouch),
                    is_private = (is_private OR ?), target_as_sent = ?
                WHERE id = ?
                """,
                [
                    .text(resend.status.rawValue), .optional(resend.previousStatus?.rawValue), .bool(resend.reverifying),
                    .optional(incoming.clientIP), .optional(incoming.userAgent), .text(incoming.protocol.rawValue), .date(now),
                    .date(now), .optional(incoming.vouch), .bool(incoming.isPrivate), .optional(incoming.targetAsSent),
                    .integer(existing.id),
                ]),
            event(existing.id, actor: actor, from: existing.status, to: resend.status, reason: MentionEvent.resendReason, at: now),
        ]
    }

    /// A mention verified while its sender waited (or imported), written to row `id`: `previous`
    /// is the pair's row before (`nil` when `id` was just inserted).
    package static func storeVerified(
        id: Int64, previous: Mention?, _ incoming: IncomingMention, status: MentionStatus, content: MentionContent,
        signals: SpamSignals = .none, actor: Actor, at now: Date
    ) -> [SQLStatement] {
        var statements: [SQLStatement] = []
        if let previous {
            statements.append(
                SQLStatement(
                    """
                    UPDATE mentions SET protocol = ?, client_ip = ?, user_agent = ?, revision = revision + 1,
                        previous_status = ?, claimed_at = NULL, next_attempt_at = NULL, last_received_at = ?,
                        is_private = (is_private OR ?), target_as_sent = ?
                    WHERE id = ?
                    """,
                    [
                        .text(incoming.protocol.rawValue), .optional(incoming.clientIP), .optional(incoming.userAgent),
                        .text(previous.status.rawValue), .date(now), .bool(incoming.isPrivate), .optional(incoming.targetAsSent),
                        .integer(id),
                    ]))
        }
        if status == .queued {
            // Stored unverified, for the queue to verify (an import of a mention exported while queued).
            if let previous, previous.status != .queued {
                statements.append(
                    SQLStatement("UPDATE mentions SET status = 'queued', updated_at = ? WHERE id = ?", [.date(now), .integer(id)]))
                statements.append(event(id, actor: actor, from: previous.status, to: .queued, reason: nil, at: now))
            }
        } else {
            statements += saveVerified(
                id: id, source: incoming.source, target: incoming.target, status: status, content: content, signals: signals, at: now)
            statements.append(
                event(
                    id, actor: actor, from: previous?.status ?? .queued, to: status,
                    reason: verifiedReason(status, signals, unchanged: false), at: now))
        }
        return statements
    }

    /// Whether the row of a claimed mention is still as claimed (one row, a boolean; no row when it
    /// is gone): the same revision (no re-send, re-check or forget since, each of which bumps it),
    /// the same status and still awaiting verification (no moderator's decision, no other
    /// instance's result). Then every column ``complete(claimed:with:actor:at:)`` and the queue
    /// read is as claimed, so the result is written without reading the whole row back.
    /// `placeholders` are the id's, the revision's and the status's, numbered (`?1`… or `$1`…):
    /// the SQL names them out of order.
    package static func stillClaimedSQL(_ placeholders: [String]) -> String {
        """
        SELECT revision = \(placeholders[1]) AND status = \(placeholders[2]) AND (status = 'queued' OR reverify)
        FROM mentions WHERE id = \(placeholders[0])
        """
    }

    /// The queue's result for a claimed mention whose row is still as claimed (``stillClaimedSQL(_:)``).
    package static func complete(claimed current: Mention, with result: VerificationResult, actor: Actor, at now: Date)
        -> [SQLStatement]
    {
        switch result {
        case .verified(let status, let content, let signals):
            let unchanged = current.status == status && current.content == content
            return saveVerified(
                id: current.id, source: current.source, target: current.target, status: status, content: content, signals: signals,
                at: now) + [
                event(
                    current.id, actor: actor, from: current.status, to: status,
                    reason: verifiedReason(status, signals, unchanged: unchanged), at: now)
            ]
        case .failed(let status, let reason):
            return [
                SQLStatement(
                    """
                    UPDATE mentions SET status = ?, reason = ?, updated_at = ?, attempts = attempts + 1,
                        claimed_at = NULL, next_attempt_at = NULL, reverify = FALSE
                    WHERE id = ?
                    """,
                    [.text(status.rawValue), .text(reason), .date(now), .integer(current.id)]),
                event(current.id, actor: actor, from: current.status, to: status, reason: reason, at: now),
            ]
        case .dropped:
            // Its events, fingerprint bands and webhook deliveries go with it (ON DELETE CASCADE).
            return [SQLStatement("DELETE FROM mentions WHERE id = ?", [.integer(current.id)])]
        case .aggregated(let type):
            return [
                SQLStatement("DELETE FROM mentions WHERE id = ?", [.integer(current.id)]),
                count(source: current.source, target: current.target, site: current.site, type: type, at: now),
            ]
        case .held(let reason, let nextAttempt):
            // Tried again as a re-check is (reverify), at its time; the history says it once.
            let update = SQLStatement(
                """
                UPDATE mentions SET status = 'pending', reason = ?, updated_at = ?, attempts = attempts + 1,
                    claimed_at = NULL, next_attempt_at = ?, reverify = ?
                WHERE id = ?
                """,
                [.text(reason), .date(now), nextAttempt.map(SQLValue.date) ?? .null, .bool(nextAttempt != nil), .integer(current.id)])
            guard current.status != .pending else { return [update] }
            return [update, event(current.id, actor: actor, from: current.status, to: .pending, reason: reason, at: now)]
        case .retry(let nextAttempt, let reason):
            return [
                SQLStatement(
                    """
                    UPDATE mentions SET reason = ?, updated_at = ?, attempts = attempts + 1, claimed_at = NULL,
                        next_attempt_at = ?
                    WHERE id = ?
                    """,
                    [.text(reason), .date(now), .date(nextAttempt), .integer(current.id)])
            ]
        }
    }

    /// A mention of `incoming`'s pair, verified while its sender waited, that the owner's policy
    /// only counts: a row the pair had that was judged as new (queued, or rejected by the server)
    /// goes, and the mention is counted.
    package static func aggregate(_ incoming: IncomingMention, type: MentionType, at now: Date) -> [SQLStatement] {
        [
            SQLStatement(
                """
                DELETE FROM mentions WHERE source = ? AND target = ? AND decision IS NULL
                    AND ((status = 'queued' AND previous_status IS NULL) OR status = 'rejected')
                """,
                [.text(incoming.source), .text(incoming.target)]),
            count(source: incoming.source, target: incoming.target, site: incoming.site, type: type, at: now),
        ]
    }

    /// One counted mention (`aggregate`): its target, site and type, and a one-way hash of its
    /// source and target pair so a re-send is not counted twice; nothing that names the sender.
    package static func count(source: String, target: String, site: String, type: MentionType, at now: Date) -> SQLStatement {
        let pair = SHA256.hash(data: Data((source + "\n" + target).utf8)).hexString
        return count(CountedMention(pair: pair, target: target, site: site, type: type, at: now))
    }

    /// A counted mention as it is stored (and copied by `migrate-store`); a pair counted before stays as it was.
    package static func count(_ counted: CountedMention) -> SQLStatement {
        SQLStatement(
            "INSERT INTO aggregated (pair, target, site, type, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (pair) DO NOTHING",
            [.text(counted.pair), .text(counted.target), .text(counted.site), .text(counted.type.rawValue), .date(counted.at)])
    }

    /// A move to `status` (a moderator's `decision`, kept as such, or the server's); a decision made
    /// while an approved mention is verified again ends that verification.
    package static func transition(
        _ mention: Mention, to status: MentionStatus, actor: Actor, reason: String?, decision: Bool, at now: Date
    ) -> [SQLStatement] {
        [
            SQLStatement(
                """
                UPDATE mentions SET status = ?, reason = ?, updated_at = ?, reverify = FALSE,
                    decision = CASE WHEN ? THEN ? ELSE decision END
                WHERE id = ?
                """,
                [.text(status.rawValue), .optional(reason), .date(now), .bool(decision), .text(status.rawValue), .integer(mention.id)]),
            event(mention.id, actor: actor, from: mention.status, to: status, reason: reason, at: now),
        ]
    }

    /// A verified status, its extracted content and what the spam signals found (the text's
    /// fingerprint with its bands, replacing earlier ones); any claim released.
    package static func saveVerified(
        id: Int64, source: String, target: String, status: MentionStatus, content: MentionContent, signals: SpamSignals,
        at now: Date
    ) -> [SQLStatement] {
        [
            SQLStatement(
                """
                UPDATE mentions SET status = ?, reason = NULL, updated_at = ?, verified_at = ?,
                    attempts = attempts + 1, claimed_at = NULL, next_attempt_at = NULL, reverify = FALSE, type = ?, rsvp = ?,
                    title = ?, excerpt = ?, content_html = ?, content_text = ?, author_name = ?,
                    author_url = ?, author_photo = ?, published = ?, children = ?, in_reply_to = ?, same_as = ?, spam_reasons = ?,
                    fingerprint = ?,
                    spam_score = ?, score_reasons = ?, score_tokens = ?
                WHERE id = ?
                """,
                [
                    .text(status.rawValue), .date(now), .date(now), .text(content.type.rawValue), .optional(content.rsvp),
                    .optional(content.title), .optional(content.excerpt), .optional(content.contentHTML),
                    .optional(content.contentText), .optional(content.authorName), .optional(content.authorURL),
                    .optional(content.authorPhoto), .optional(content.published), .optional(MentionChild.stored(content.children)),
                    .optional(MentionContent.storedURLs(content.inReplyTo)), .optional(MentionContent.storedURLs(content.sameAs)),
                    .optional(signals.storedReasons), .optional(signals.fingerprint?.stored),
                    signals.score.map { .double($0.value) } ?? .null, .optional(signals.storedScoreReasons),
                    .optional(signals.storedScoreTokens), .integer(id),
                ]),
        ] + replaceBands(id: id, signals.fingerprint, at: now)
            + sameInteraction(id: id, source: source, sameAs: content.sameAs, target: target, type: content.type)
    }

    /// A mention's URLs, each once: its source and the post's other URLs (``MentionContent/sameAs``).
    private static func urls(source: String, sameAs: [String]?) -> [String] {
        Array(Set([source] + (sameAs ?? [])))
    }

    /// The URLs a mention is looked up by (``sameInteraction(id:source:sameAs:target:type:)``):
    /// its source and the post's other URLs, in place of any it had.
    package static func replaceURLs(id: Int64, source: String, sameAs: [String]?) -> [SQLStatement] {
        let unique = urls(source: source, sameAs: sameAs)
        return [
            SQLStatement("DELETE FROM mention_urls WHERE mention_id = ?", [.integer(id)]),
            SQLStatement(
                "INSERT INTO mention_urls (url, mention_id) VALUES " + unique.map { _ in "(?, ?)" }.joined(separator: ", "),
                unique.flatMap { [SQLValue.text($0), .integer(id)] }),
        ]
    }

    /// A mention's URLs (its source and the post's other URLs, ``MentionContent/sameAs``) in place
    /// of any it had, and whether it is another copy of an older approved (or pending) mention
    /// of the same target and type, from another source, whose URLs share one (`alias_of`): one
    /// interaction, listed and counted once while that one is approved
    /// (``MentionQuerySQL/filter(_:)`` with `collapseAliases`), so a moderator approving the
    /// older one later merges them. One source's mentions of a post and of a part of it
    /// (`#comment-1`) stay two. The few rows of the URLs are read first and their mentions by key
    /// (`CROSS JOIN` keeps SQLite to that order): driven from the target, every verification of
    /// a popular post read all its earlier mentions.
    package static func sameInteraction(
        id: Int64, source: String, sameAs: [String]?, target: String, type: MentionType
    ) -> [SQLStatement] {
        let unique = urls(source: source, sameAs: sameAs)
        let marks = MentionQuerySQL.placeholders(unique)
        return replaceURLs(id: id, source: source, sameAs: sameAs) + [
            SQLStatement(
                """
                UPDATE mentions SET alias_of = (SELECT m.id FROM mention_urls AS u CROSS JOIN mentions AS m
                    WHERE m.id = u.mention_id AND u.url IN (\(marks)) AND m.id < ? AND m.status IN ('approved', 'pending')
                        AND m.alias_of IS NULL AND m.type = ?
                        AND m.target = ? AND m.source <> ?
                    ORDER BY m.id LIMIT 1)
                WHERE id = ?
                """,
                unique.map(SQLValue.text) + [.integer(id), .text(type.rawValue), .text(target), .text(source), .integer(id)]),
        ]
    }

    /// The band keys of a mention's fingerprint, which ``MentionQuerySQL/textsLike(_:since:excluding:limit:)``
    /// looks up, in place of any it had.
    package static func replaceBands(id: Int64, _ fingerprint: TextFingerprint?, at now: Date) -> [SQLStatement] {
        let delete = SQLStatement("DELETE FROM fingerprint_bands WHERE mention_id = ?", [.integer(id)])
        guard let bands = fingerprint?.bands else { return [delete] }
        return [
            delete,
            SQLStatement(
                "INSERT INTO fingerprint_bands (band, mention_id, at) VALUES "
                    + Array(repeating: "(?, ?, ?)", count: bands.count).joined(separator: ", "),
                bands.flatMap { [SQLValue.integer($0), .integer(id), .date(now)] }),
        ]
    }

    /// The history's reason for a verification: why it was held when the signals held it,
    /// otherwise whether anything changed.
    private static func verifiedReason(_ status: MentionStatus, _ signals: SpamSignals, unchanged: Bool) -> String {
        if status == .pending, !signals.reasons.isEmpty { return MentionEvent.heldPrefix + signals.reasons.joined(separator: ", ") }
        if status == .spam, signals.isSpam { return "spam: " + SpamSignals.spamScore }
        return unchanged ? MentionEvent.unchangedReason : MentionEvent.verifiedReason
    }

    /// The same line of history for several mentions, in one statement (a batch of receipts).
    package static func events(
        _ mentions: [(id: Int64, actor: Actor)], from: MentionStatus?, to: MentionStatus, reason: String?, at: Date
    ) -> SQLStatement {
        SQLStatement(
            "INSERT INTO events (mention_id, at, actor, from_status, to_status, reason) VALUES "
                + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: mentions.count).joined(separator: ", "),
            mentions.flatMap { mention -> [SQLValue] in
                [.integer(mention.id), .date(at), .text(mention.actor.rawValue), .optional(from?.rawValue), .text(to.rawValue),
                    .optional(reason)]
            })
    }

    /// A new `queued` row numbered `id` for an import (``IncomingMention/importedID``), written
    /// only if no row has that id; the store then finds the pair's row, or numbers it as usual.
    package static func insertImported(id: Int64, token: String, _ incoming: IncomingMention, at now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO mentions (id, token, source, target, site, protocol, status, client_ip, user_agent, received_at,
                updated_at, last_received_at, vouch, is_private, target_as_sent)
            SELECT ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM mentions WHERE id = ?)
            """,
            [
                .integer(id), .text(token), .text(incoming.source), .text(incoming.target), .text(incoming.site),
                .text(incoming.protocol.rawValue), .optional(incoming.clientIP), .optional(incoming.userAgent), .date(now),
                .date(now), .date(now), .optional(incoming.vouch), .bool(incoming.isPrivate), .optional(incoming.targetAsSent),
                .integer(id),
            ])
    }

    /// One line of a mention's status history.
    package static func event(
        _ mentionID: Int64, actor: Actor, from: MentionStatus?, to: MentionStatus, reason: String?, at: Date
    ) -> SQLStatement {
        SQLStatement(
            "INSERT INTO events (mention_id, at, actor, from_status, to_status, reason) VALUES (?, ?, ?, ?, ?, ?)",
            [.integer(mentionID), .date(at), .text(actor.rawValue), .optional(from?.rawValue), .text(to.rawValue), .optional(reason)])
    }
}

import LinkbackKit

/// The migration that gives every stored mention its moderator's ``Mention/decision``: the status
/// of its last change by a moderator (CLI or admin API), read from its history. Changes those
/// doors made that were no decision — `linkback reverify` storing what it found, or deleting a
/// source that is gone — are left out by their reasons. The same SQL runs on SQLite and PostgreSQL.
package enum MentionDecisionBackfill {
    package static let sql = """
        UPDATE mentions SET decision = (
            SELECT e.to_status FROM events e
            WHERE e.mention_id = mentions.id AND e.actor <> 'server' AND e.from_status IS NOT NULL
                AND (e.reason IS NULL OR e.reason NOT IN (\(notDecisions.map { "'\($0)'" }.joined(separator: ", "))))
            ORDER BY e.id DESC LIMIT 1)
        """

    /// Reasons of changes that a moderator's door records but that are verification's.
    package static let notDecisions = [
        MentionEvent.verifiedReason, MentionEvent.unchangedReason, MentionEvent.resendReason,
        VerificationOutcome.gone.code, VerificationOutcome.noLink.code,
    ]
}

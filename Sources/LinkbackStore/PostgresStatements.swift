import Foundation
import LinkbackKit
import PostgresNIO

/// The statements on ``PostgresMentionStore``'s hot paths (receipts, claims, verification results),
/// prepared once per connection: an unprepared query makes the server parse and describe it every
/// time, which took ~40 % of its time under a stream of accepts.
package enum PostgresStatements {
    /// A statement whose rows are whole mentions (`SELECT *`, `RETURNING *`).
    package protocol MentionRows: PostgresPreparedStatement where Row == Mention {}

    /// A statement of one row, a count: how a function returning `void` is called, because
    /// postgres-nio's `execute` for rows of `()` fails unless every row was read.
    package protocol CountRow: PostgresPreparedStatement where Row == Int64 {}
    /// The receipts of a batch as one `jsonb` array (arrays of optional text cannot be bound), in
    /// the order their pairs are locked and inserted.
    package static func batch(_ receipts: [Receipt]) throws -> String {
        struct Item: Encodable {
            var n: Int
            var token, source, target, site, `protocol`, actor: String
            var client_ip, user_agent, vouch, target_as_sent: String?
            var is_private: Bool
        }
        let items = receipts.enumerated().map { n, receipt in
            let incoming = receipt.incoming
            return Item(
                n: n, token: receipt.token, source: incoming.source, target: incoming.target, site: incoming.site,
                protocol: incoming.protocol.rawValue, actor: receipt.actor.rawValue, client_ip: incoming.clientIP,
                user_agent: incoming.userAgent, vouch: incoming.vouch, target_as_sent: incoming.targetAsSent,
                is_private: incoming.isPrivate)
        }
        return String(decoding: try JSONEncoder().encode(items), as: UTF8.self)
    }

    /// Every pair of a ``batch(_:)``, locked in its order until the transaction ends (the key
    /// ``PairLock`` takes for one pair).
    package struct LockPairs: CountRow {
        package static let name = "linkback_lock_pairs"
        package static let sql = """
            SELECT count(pg_advisory_xact_lock(hashtextextended(source || chr(1) || target, 0)))
            FROM (SELECT source, target FROM jsonb_to_recordset($1::jsonb) AS t(n bigint, source text, target text)
                ORDER BY n) AS pairs
            """
        var batch: String
        package func makeBindings() throws -> PostgresBindings { try .of(batch) }
    }

    /// The new pairs of a ``batch(_:)``, each a queued mention with its `received` event, in one
    /// statement; a pair already stored (or earlier in the batch) is left alone and not returned.
    package struct InsertNewPairs: MentionRows {
        package static let name = "linkback_insert_new_pairs"
        package static let sql = """
            WITH incoming AS (
                SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(n bigint, token text, source text, target text,
                    site text, protocol text, actor text, client_ip text, user_agent text, vouch text, is_private boolean,
                    target_as_sent text)),
            inserted AS (
                INSERT INTO mentions (token, source, target, site, protocol, status, client_ip, user_agent, received_at,
                    updated_at, last_received_at, vouch, is_private, target_as_sent)
                SELECT token, source, target, site, protocol, 'queued', client_ip, user_agent, $2, $2, $2, vouch, is_private,
                    target_as_sent
                FROM incoming ORDER BY n
                ON CONFLICT (source, target) DO NOTHING
                RETURNING *),
            event AS (
                INSERT INTO events (mention_id, at, actor, from_status, to_status, reason)
                SELECT inserted.id, $2, incoming.actor, NULL, 'queued', 'received'
                FROM inserted JOIN incoming USING (token) ORDER BY inserted.id)
            SELECT * FROM inserted
            """
        var batch: String
        var now: Date
        package func makeBindings() throws -> PostgresBindings { try .of(batch, now) }
    }

    /// One pair, locked until the transaction ends (see ``LockPairs``).
    package struct PairLock: CountRow {
        package static let name = "linkback_lock_pair"
        package static let sql = "SELECT count(pg_advisory_xact_lock(hashtextextended($1 || chr(1) || $2, 0)))"
        var source: String
        var target: String
        package func makeBindings() throws -> PostgresBindings { try .of(source, target) }
    }

    /// A pair's row, locked for update.
    package struct PairForUpdate: MentionRows {
        package static let name = "linkback_pair_for_update"
        package static let sql = "SELECT * FROM mentions WHERE source = $1 AND target = $2 FOR UPDATE"
        var source: String
        var target: String
        package func makeBindings() throws -> PostgresBindings { try .of(source, target) }
    }

    /// A mention by id, as it is now.
    package struct ByID: MentionRows {
        package static let name = "linkback_mention_by_id"
        package static let sql = "SELECT * FROM mentions WHERE id = $1"
        var id: Int64
        package func makeBindings() throws -> PostgresBindings { try .of(id) }
    }

    /// A mention by id, locked for update.
    package struct ByIDForUpdate: MentionRows {
        package static let name = "linkback_mention_by_id_for_update"
        package static let sql = "SELECT * FROM mentions WHERE id = $1 FOR UPDATE"
        var id: Int64
        package func makeBindings() throws -> PostgresBindings { try .of(id) }
    }

    /// Whether a claimed mention's row is still as claimed (``MentionWriteSQL/stillClaimedSQL(_:)``),
    /// locked for its result's write; no row when it is gone.
    package struct StillClaimed: PostgresPreparedStatement {
        package static let name = "linkback_still_claimed"
        package static let sql = MentionWriteSQL.stillClaimedSQL(["$1", "$2", "$3"]) + " FOR UPDATE"
        package typealias Row = Bool
        var id: Int64
        var revision: Int
        var status: String
        package func makeBindings() throws -> PostgresBindings { try .of(id, revision, status) }
        package func decodeRow(_ row: PostgresRow) throws -> Bool { try row.decode(Bool.self) }
    }

    /// Whether any approved mention's source is on a host (the ranges of ``SourceHostRanges``).
    package struct ApprovedFromHost: PostgresPreparedStatement {
        package static let name = "linkback_approved_from_host"
        package static let sql =
            "SELECT " + SourceHostRanges.approvedExistsSQL(placeholders: (1...8).map { "$\($0)" }, indexedBy: false)
        package typealias Row = Bool
        var host: String
        package func makeBindings() throws -> PostgresBindings {
            let r = SourceHostRanges.of(host)
            return try .of(r[0].lower, r[0].upper, r[1].lower, r[1].upper, r[2].lower, r[2].upper, r[3].lower, r[3].upper)
        }
        package func decodeRow(_ row: PostgresRow) throws -> Bool { try row.decode(Bool.self) }
    }

    /// Wakes the instances listening on the queue channel (once per transaction, on commit).
    package struct NotifyQueue: CountRow {
        package static let name = "linkback_notify_queue"
        package static let sql = "SELECT count(pg_notify($1, ''))"
        package func makeBindings() throws -> PostgresBindings { try .of(PostgresMentionStore.queueChannel) }
    }

    /// Claims up to `limit` mentions due for verification: unclaimed, or claimed by an instance
    /// whose lease ran out; rows another instance is claiming right now are skipped, not waited
    /// for. Two branches, each walking its own index in reception order and stopping at the limit:
    /// an OR of the two conditions would scan and sort the whole table on every claim. The ids
    /// are an array, not `IN (subquery)`: the prepared statement's generic plan guessed hundreds
    /// of them and hash-joined a sequential scan of the table (4 ms a claim at 16,000 rows). The
    /// queued branch walks `mentions_status (status, received_at, id)`, in its exact order, so no
    /// estimate can make sorting every queued row look cheaper; its other conditions are checks
    /// (`IS TRUE`), or a stale estimate picks a bitmap of every queued row on `mentions_queue`.
    package struct ClaimQueued: MentionRows {
        package static let name = "linkback_claim_queued"
        package static let sql = """
            UPDATE mentions SET claimed_at = $1
            WHERE id IN (
                SELECT id FROM mentions
                WHERE id = ANY (ARRAY(
                    (SELECT id FROM mentions
                        WHERE status = 'queued' AND ((claimed_at IS NULL OR claimed_at <= $2)
                            AND (next_attempt_at IS NULL OR next_attempt_at <= $1)) IS TRUE
                        ORDER BY received_at, id LIMIT $3)
                    UNION ALL
                    (SELECT id FROM mentions
                        WHERE reverify AND status <> 'queued' AND (claimed_at IS NULL OR claimed_at <= $2)
                            AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
                        ORDER BY received_at, id LIMIT $3)))
                    -- Stated again where the rows are locked: a row another instance claimed and
                    -- committed meanwhile is re-read at its new version and no longer matches.
                    -- IS TRUE keeps it a check (the columns are never NULL): as an index
                    -- condition, a stale estimate of few queued rows read all of them instead.
                    AND ((status = 'queued' OR reverify) AND (claimed_at IS NULL OR claimed_at <= $2)
                        AND (next_attempt_at IS NULL OR next_attempt_at <= $1)) IS TRUE
                ORDER BY received_at, id LIMIT $3
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """
        var now: Date
        var expired: Date
        var limit: Int
        package func makeBindings() throws -> PostgresBindings { try .of(now, expired, limit) }
    }
}

extension PostgresStatements.MentionRows {
    package func decodeRow(_ row: PostgresRow) throws -> Mention { try PostgresMentionStore.mention(from: row) }
}

extension PostgresStatements.CountRow {
    package func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}

extension PostgresBindings {
    /// The bindings of `values`, in order.
    static func of<each Value: PostgresEncodable>(_ values: repeat each Value) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        repeat try bindings.append(each values)
        return bindings
    }
}

import Foundation
import GRDB
import LinkbackKit

/// The embedded mention store: one SQLite file in WAL mode, shared safely by `linkback serve` and
/// the CLI (busy timeout, short transactions).
public final class SQLiteMentionStore: MentionStore {
    private let pool: DatabasePool
    public let path: String
    /// Receipts and verification results, each committed in groups (see ``GroupCommit``); a
    /// result's status with the time it was written at (the band map records that same time).
    private let receipts: GroupCommit<Receipt, ReceiveResult>
    private let completions: GroupCommit<Completion, (status: MentionStatus?, at: Date)>
    /// Copy detection's band index in memory (``SQLiteBandMap``), kept by this store's writes;
    /// `nil` when opened with `keepsBandMap: false`.
    let bandMap: SQLiteBandMap?
    private let synchronous: Synchronous
    /// The dates this store writes and compares (receipts, pair intervals, bans, settings).
    package let clock: any WallClock

    /// `database.sqlite_synchronous` (see ``SQLiteSynchronous``).
    public typealias Synchronous = SQLiteSynchronous

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    /// A database migrated by a newer Linkback is refused, never downgraded. `keepsBandMap: false`
    /// answers copy detection's look-ups from the table alone (``SQLiteBandMap``).
    public init(
        path: String, busyTimeout: TimeInterval = 5, synchronous: Synchronous = .full, clock: any WallClock = SystemClock(),
        keepsBandMap: Bool = true
    ) throws(StoreError) {
        self.path = path
        bandMap = keepsBandMap ? SQLiteBandMap() : nil
        self.clock = clock
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .cannotOpen(path: path, reason: "cannot create directory \(directory)")
            }
        } else if !isDirectory.boolValue {
            throw .cannotOpen(path: path, reason: "\(directory) is not a directory")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.label = "linkback"
        // What is deleted is overwritten, not left in free space: a mention counted without being
        // kept (`aggregate`) or dropped leaves no name in the file once checkpointed.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB opens WAL databases with NORMAL; only the writing connection's setting matters.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue)") }
        } catch {
            throw .cannotOpen(path: path, reason: Self.explain(error))
        }
        self.pool = pool
        self.synchronous = synchronous
        receipts = GroupCommit()
        completions = GroupCommit()
        let migrator = SQLiteMigrations.migrator
        do {
            let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded {
                try? pool.close()
                throw StoreError.newerSchema(path: path)
            }
            try migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch {
            try? pool.close()
            throw .cannotOpen(path: path, reason: Self.explain(error))
        }
    }

    /// Where the schema of the database at `path` stands, read without creating or migrating it.
    public static func schemaState(path: String) throws(StoreError) -> SchemaState {
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            let migrator = SQLiteMigrations.migrator
            return try queue.read { db in
                if try migrator.hasBeenSuperseded(db) { return .newer }
                let applied = try migrator.appliedIdentifiers(db)
                let pending = migrator.migrations.filter { !applied.contains($0) }
                return pending.isEmpty ? .current(migrator.migrations.last ?? "") : .behind(pending: pending)
            }
        } catch {
            throw .cannotOpen(path: path, reason: explain(error))
        }
    }

    public func receive(_ incoming: IncomingMention, actor: Actor) async throws -> ReceiveResult {
        let pool = pool
        let clock = clock
        // Prepared before the writer holds anything: the token and the argument list.
        let receipt = Receipt(incoming: incoming, actor: actor, token: Token.make())
        return try await receipts.submit(receipt) { receipts in
            try await pool.write { db in try Self.receive(db, receipts, now: Self.stored(clock.now())) }
        }
    }

    /// A batch of receipts in one transaction, the writer's work per receipt kept small: a new pair
    /// (the common case) is one `INSERT … ON CONFLICT DO NOTHING`, its mention made from what was
    /// written rather than read back, and the creation events of the batch one multi-row insert. A
    /// known pair takes the full path (read, ``MentionLifecycle``, update), in a savepoint of its own.
    private static func receive(_ db: Database, _ receipts: [Receipt], now: Date) throws -> [Result<ReceiveResult, any Error>] {
        var results: [Result<ReceiveResult, any Error>] = []
        results.reserveCapacity(receipts.count)
        var created: [(id: Int64, actor: Actor)] = []
        let at = SQLiteDateText.value(now)  // written once for the batch
        for receipt in receipts {
            let incoming = receipt.incoming
            do {
                try db.cachedExecute(
                    sql: """
                        INSERT INTO mentions (token, source, target, site, protocol, status, client_ip, user_agent,
                            received_at, updated_at, last_received_at, vouch, is_private, target_as_sent)
                        VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, target) DO NOTHING
                        """,
                    arguments: [
                        receipt.token, incoming.source, incoming.target, incoming.site, incoming.protocol.rawValue,
                        incoming.clientIP, incoming.userAgent, at, at, at, incoming.vouch, incoming.isPrivate,
                        incoming.targetAsSent,
                    ])
            } catch {
                // One statement failed and SQLite undid it alone, unless the failure ended the
                // transaction (a full disk, an I/O error): then nothing of the batch stands.
                guard db.isInsideTransaction else { throw error }
                results.append(.failure(error))
                continue
            }
            if db.changesCount == 1 {
                let id = db.lastInsertedRowID
                created.append((id, receipt.actor))
                results.append(.success(ReceiveResult(mention: queuedMention(id: id, token: receipt.token, incoming, at: now), isNew: true)))
                continue
            }
            // A known pair: its history must read in order, so the creation events so far go first
            // (the pair may have been created earlier in this very batch).
            try insertCreationEvents(db, created, at: now)
            created.removeAll()
            results.append(
                Result {
                    var output: ReceiveResult?
                    try db.inSavepoint {
                        output = try resend(db, incoming, actor: receipt.actor, now: now)
                        return .commit
                    }
                    return output!  // set: the savepoint ran its body and committed
                })
        }
        try insertCreationEvents(db, created, at: now)
        return results
    }

    /// A re-send of a pair already stored: refused within the pair interval, otherwise back to the
    /// queue as the life-cycle says.
    private static func resend(_ db: Database, _ incoming: IncomingMention, actor: Actor, now: Date) throws -> ReceiveResult {
        guard let existing = try Self.fetchOne(db, "source = ? AND target = ?", [incoming.source, incoming.target]) else {
            throw StoreError.notFound(id: 0)
        }
        if let wait = existing.pairWait(interval: incoming.pairInterval, now: now) {
            throw StoreError.tooSoon(id: existing.id, seconds: wait)
        }
        try Self.execute(db, MentionWriteSQL.resend(existing, incoming, actor: actor, at: now))
        guard let updated = try Self.fetchOne(db, "id = ?", [existing.id]) else {
            throw StoreError.notFound(id: existing.id)
        }
        return ReceiveResult(mention: updated, isNew: false)
    }

    /// The `received` events of mentions just created, in one statement.
    private static func insertCreationEvents(_ db: Database, _ created: [(id: Int64, actor: Actor)], at now: Date) throws {
        guard !created.isEmpty else { return }
        let statement = MentionWriteSQL.events(created.map { ($0.id, $0.actor) }, from: nil, to: .queued, reason: "received", at: now)
        try db.cachedExecute(sql: statement.sql, arguments: arguments(statement.values))
    }

    /// `date` as the store keeps it (milliseconds), so a mention made from what was written equals
    /// the one read back.
    private static func stored(_ date: Date) -> Date {
        Date.fromDatabaseValue(date.databaseValue) ?? date
    }

    public func storeVerified(
        _ incoming: IncomingMention, status: MentionStatus, content: MentionContent, signals: SpamSignals, actor: Actor,
        received: Date?, expecting: Mention?
    ) async throws -> Mention {
        let now = clock.now()
        return try await pool.write { db in
            let previous = try Self.fetchOne(db, "source = ? AND target = ?", [incoming.source, incoming.target])
            if let expecting, let changed = StoreError.changedSince(expecting, previous) { throw changed }
            if let previous, let wait = previous.pairWait(interval: incoming.pairInterval, now: now) {
                throw StoreError.tooSoon(id: previous.id, seconds: wait)
            }
            let id = try previous?.id ?? Self.insertQueued(db, incoming, actor: actor, at: received ?? now)
            try Self.execute(
                db,
                MentionWriteSQL.storeVerified(
                    id: id, previous: previous, incoming, status: status, content: content, signals: signals, actor: actor,
                    at: now))
            guard let stored = try Self.fetchOne(db, "id = ?", [id]) else { throw StoreError.notFound(id: id) }
            return stored
        }
    }

    public func claimQueued(limit: Int, now: Date) async throws -> [Mention] {
        try await writeRepeatable { db in
            // Two branches, each walking its own index in reception order and stopping at the
            // limit: an OR of the two conditions would scan the whole table on every claim.
            let claimed = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                    SELECT * FROM (SELECT * FROM mentions WHERE status = 'queued' AND claimed_at IS NULL
                        AND (next_attempt_at IS NULL OR next_attempt_at <= ?1) ORDER BY received_at, id LIMIT ?2)
                    UNION ALL
                    SELECT * FROM (SELECT * FROM mentions WHERE reverify = 1 AND status != 'queued' AND claimed_at IS NULL
                        AND (next_attempt_at IS NULL OR next_attempt_at <= ?1) ORDER BY received_at, id LIMIT ?2)
                    ORDER BY received_at, id LIMIT ?2
                    """),
                arguments: [now, limit]
            ).map(Self.mention(from:))
            for mention in claimed {
                try db.cachedExecute(sql: "UPDATE mentions SET claimed_at = ? WHERE id = ?", arguments: [now, mention.id])
            }
            return claimed
        }
    }

    public func complete(_ claimed: Mention, with result: VerificationResult, actor: Actor) async throws -> MentionStatus? {
        let clock = clock
        let (status, at) = try await completions.submit(Completion(claimed: claimed, result: result, actor: actor)) { completions in
            try await self.writeRepeatable { db in
                Self.each(db, completions) { completion in
                    let now = clock.now()
                    return (try Self.complete(db, completion.claimed, with: completion.result, actor: completion.actor, now: now), now)
                }
            }
        }
        // Written and committed: its bands replaced (saveVerified) at `at`, as the map must know.
        if status != nil, case .verified(_, _, let signals) = result {
            bandMap?.record(id: claimed.id, source: claimed.source, bands: signals.fingerprint?.bands, at: at)
        }
        return status
    }

    /// One transaction whose loss in a power cut only repeats work: a claim, or verification
    /// results (a mention whose result is lost is still queued, and is verified again). With
    /// `synchronous: full` it commits without its own sync of the write-ahead log (SQLite's
    /// NORMAL); the log is written in order, so the next full commit (a receipt before its 201)
    /// syncs it too. Linkback being killed loses nothing either way.
    private func writeRepeatable<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard synchronous == .full else { return try await pool.write(body) }
        return try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            var output: T?
            let outcome = Result { try db.inTransaction { output = try body(db); return .commit } }
            // Restored before anything else can write on this connection (GRDB's writer is serial).
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try outcome.get()
            return output!  // set when the transaction committed
        }
    }

    /// The writing connection's `synchronous` level as SQLite reports it (0 off, 1 normal, 2 full).
    package func writerSynchronousLevel() async throws -> Int {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    private static func complete(
        _ db: Database, _ claimed: Mention, with result: VerificationResult, actor: Actor, now: Date
    ) throws -> MentionStatus? {
        // A primary-key look-up of three columns: decoding the whole row before and after the
        // write was most of a completion's cost on the single writer.
        guard
            let stillClaimed = try Bool.fetchOne(
                db.cachedStatement(sql: MentionWriteSQL.stillClaimedSQL(["?1", "?2", "?3"])),
                arguments: [claimed.id, claimed.revision, claimed.status.rawValue])
        else { throw StoreError.notFound(id: claimed.id) }
        guard stillClaimed else { return nil }
        try Self.execute(db, MentionWriteSQL.complete(claimed: claimed, with: result, actor: actor, at: now))
        return result.status(after: claimed.status)
    }

    public func recordBans(_ bans: [Ban]) async throws {
        let now = clock.now()
        guard !bans.isEmpty else { return }
        try await pool.write { db in
            for ban in bans {
                try db.cachedExecute(
                    sql: """
                        INSERT INTO bans (address, until) VALUES (?, ?)
                        ON CONFLICT (address) DO UPDATE SET until = MAX(until, excluded.until)
                        """,
                    arguments: [ban.address, ban.until])
            }
            // Ended bans are of no use to anyone.
            try db.cachedExecute(sql: "DELETE FROM bans WHERE until < ?", arguments: [now])
        }
    }

    public func activeBans(now: Date) async throws -> [Ban] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT address, until FROM bans WHERE until > ? ORDER BY address", arguments: [now])
                .map { Ban(address: $0["address"], until: $0["until"]) }
        }
    }

    public func allowDomain(_ domain: String) async throws -> Bool {
        let now = clock.now()
        return try await pool.write { db in
            try Self.execute(db, [TableSQL.allowDomain(domain, at: now)])
            return db.changesCount > 0
        }
    }

    public func disallowDomain(_ domain: String) async throws -> Bool {
        try await pool.write { db in
            try Self.execute(db, [TableSQL.disallowDomain(domain)])
            return db.changesCount > 0
        }
    }

    public func hasApprovedMention(fromHost host: String) async throws -> Bool {
        try await pool.read { db in try Self.hasApprovedMention(db, fromHost: host) }
    }

    private static func hasApprovedMention(_ db: Database, fromHost host: String) throws -> Bool {
        let ranges = SourceHostRanges.of(host)
        return try Bool.fetchOne(
            db.cachedStatement(
                sql: "SELECT " + SourceHostRanges.approvedExistsSQL(placeholders: Array(repeating: "?", count: 8), indexedBy: true)),
            arguments: StatementArguments(ranges.flatMap { [$0.lower, $0.upper] })) ?? false
    }

    public func markForRecheck(verifiedBefore: Date, limit: Int, at now: Date) async throws -> [Int64] {
        try await pool.write { db in
            // A mention approved without a verification (an import, a moderator) counts from its receipt.
            let ids = try Int64.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id FROM mentions WHERE status = 'approved' AND reverify = 0 AND NOT is_private
                            AND COALESCE(verified_at, received_at) < ? ORDER BY COALESCE(verified_at, received_at), id LIMIT ?
                        """),
                arguments: [verifiedBefore, limit])
            for id in ids {
                try db.cachedExecute(
                    sql: """
                        UPDATE mentions SET reverify = 1, previous_status = 'approved', attempts = 0, claimed_at = NULL,
                            next_attempt_at = NULL, revision = revision + 1
                        WHERE id = ?
                        """,
                    arguments: [id])
            }
            return ids
        }
    }

    public func planSends(source: String, targets: [String], at now: Date) async throws -> [OutgoingSend] {
        try await pool.write { db in
            // Targets linked at the last send are due again, as unlinked until found below.
            try db.cachedExecute(
                sql: """
                    UPDATE sends SET linked = 0, state = 'queued', attempts = 0, next_attempt_at = ?, claimed_until = NULL,
                        updated_at = ?
                    WHERE source = ? AND linked = 1
                    """,
                arguments: [now, now, source])
            for target in targets {
                try db.cachedExecute(
                    sql: """
                        INSERT INTO sends (source, target, linked, state, next_attempt_at, updated_at)
                        VALUES (?, ?, 1, 'queued', ?, ?)
                        ON CONFLICT (source, target) DO UPDATE SET linked = 1, state = 'queued', attempts = 0,
                            next_attempt_at = excluded.next_attempt_at, claimed_until = NULL, updated_at = excluded.updated_at
                        """,
                    arguments: [source, target, now, now])
            }
            return try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM sends WHERE source = ? ORDER BY target"), arguments: [source])
                .map(Self.send(from:))
        }
    }

    public func claimDueSends(source: String?, now: Date, lease: TimeInterval, limit: Int) async throws -> [OutgoingSend] {
        try await pool.write { db in
            let due = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM sends WHERE state = 'queued' AND next_attempt_at <= ?1
                            AND (claimed_until IS NULL OR claimed_until <= ?1) AND (?2 IS NULL OR source = ?2)
                        ORDER BY next_attempt_at, id LIMIT ?3
                        """),
                arguments: [now, source, limit]
            ).map(Self.send(from:))
            for send in due {
                try db.cachedExecute(
                    sql: "UPDATE sends SET claimed_until = ? WHERE id = ?", arguments: [now.addingTimeInterval(lease), send.id])
            }
            return due
        }
    }

    public func recordSend(
        id: Int64, state: OutgoingSend.State, result: String, endpoint: String?, nextAttemptAt: Date?, attempted: Bool,
        at now: Date
    ) async throws {
        try await pool.write { db in
            try db.cachedExecute(
                sql: """
                    UPDATE sends SET state = ?, result = ?, endpoint = COALESCE(?, endpoint), attempts = attempts + ?,
                        next_attempt_at = ?, claimed_until = NULL, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [state.rawValue, result, endpoint, attempted ? 1 : 0, nextAttemptAt, now, id])
        }
    }

    public func sends(source: String?, limit: Int) async throws -> [OutgoingSend] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT * FROM sends WHERE ?1 IS NULL OR source = ?1 ORDER BY updated_at DESC, id DESC LIMIT ?2"),
                arguments: [source, limit]
            ).map(Self.send(from:))
        }
    }

    private static func send(from row: Row) -> OutgoingSend {
        OutgoingSend(
            id: row["id"], source: row["source"], target: row["target"], linked: row["linked"],
            state: OutgoingSend.State(rawValue: row["state"]) ?? .failed, result: row["result"], endpoint: row["endpoint"],
            attempts: row["attempts"], nextAttemptAt: row["next_attempt_at"], updated: row["updated_at"])
    }

    public func allowedDomains() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, Self.statement(TableSQL.allowedDomains)) }
    }

    public func forget(_ subject: Forgotten.Subject, actor: Actor, dryRun: Bool) async throws -> [Mention] {
        let now = clock.now()
        let found = try await pool.write { db in
            let found = try Row.fetchAll(db, Self.statement(ForgetSQL.matching(subject))).map(Self.mention(from:))
            if !dryRun { try Self.execute(db, ForgetSQL.erase(found.map(\.id), subject: subject, actor: actor, at: now)) }
            return found
        }
        guard !dryRun else { return found }
        // What the spam score learnt of them leaves its counts.
        _ = try await learnScore()
        // The file rewritten without their rows' old pages, and the log that still holds them emptied.
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return found
    }

    public func forgetClients(before cutoff: Date) async throws -> Int {
        try await pool.write { db in
            try Self.execute(db, [ForgetSQL.clients(before: cutoff)])
            return db.changesCount
        }
    }

    public func avatarReferences() async throws -> [String] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: ForgetSQL.avatarReferences).flatMap { row -> [String] in
                [row["author_photo"] as String?, row["children"] as String?].compactMap { $0 }
            }
        }
    }

    public func forgottenKeys() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: ForgetSQL.keys) }
    }

    public func statistics() async throws -> StoreStatistics {
        let since = StoreStatistics.firstDay(clock.now())
        return try await pool.read { db in
            func counts(_ sql: String) throws -> [String: Int] {
                var result: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: sql) {
                    result[(row["k"] as String?) ?? "-"] = row["n"]
                }
                return result
            }
            return StoreStatistics(
                byStatus: try counts("SELECT status AS k, COUNT(*) AS n FROM mentions GROUP BY status"),
                byProtocol: try counts("SELECT protocol AS k, COUNT(*) AS n FROM mentions GROUP BY protocol"),
                byType: try counts("SELECT type AS k, COUNT(*) AS n FROM mentions WHERE type IS NOT NULL GROUP BY type"),
                bySite: try counts("SELECT site AS k, COUNT(*) AS n FROM mentions GROUP BY site"),
                byDayAndType: try Row.fetchAll(
                    db,
                    // Dates are stored as `YYYY-MM-DD HH:MM:SS.SSS` in UTC.
                    sql: """
                        SELECT substr(received_at, 1, 10) AS day, type, COUNT(*) AS n FROM mentions
                        WHERE received_at >= ? AND type IS NOT NULL AND status IN ('approved', 'pending')
                        GROUP BY day, type
                        """,
                    arguments: [since]
                ).reduce(into: [:]) { result, row in result[row["day"], default: [:]][row["type"]] = row["n"] })
        }
    }

    public func setting(_ key: StoreSetting) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, Self.statement(TableSQL.setting(key)))
        }
    }

    public func setSetting(_ key: StoreSetting, to value: String) async throws {
        let now = clock.now()
        try await pool.write { db in
            try Self.execute(db, [TableSQL.setSetting(key, to: value, at: now)])
        }
    }

    /// Only this process writes to the queue: the receiver wakes it directly.
    public func queueWakeUps() -> AsyncStream<Void>? { nil }

    public func releaseClaims() async throws {
        try await pool.write { db in try db.cachedExecute(sql: "UPDATE mentions SET claimed_at = NULL WHERE claimed_at IS NOT NULL") }
    }

    public func mention(id: Int64) async throws -> Mention? {
        try await pool.read { db in try Self.fetchOne(db, "id = ?", [id]) }
    }

    public func mention(token: String) async throws -> Mention? {
        try await pool.read { db in try Self.fetchOne(db, "token = ?", [token]) }
    }

    public func mention(source: String, target: String) async throws -> Mention? {
        try await pool.read { db in try Self.fetchOne(db, "source = ? AND target = ?", [source, target]) }
    }

    @discardableResult
    public func transition(
        id: Int64, to status: MentionStatus, allowedFrom: Set<MentionStatus>?, actor: Actor, reason: String?,
        decision: Bool
    ) async throws -> Mention {
        let now = clock.now()
        return try await pool.write { db in
            guard var mention = try Self.fetchOne(db, "id = ?", [id]) else { throw StoreError.notFound(id: id) }
            if let allowedFrom, !allowedFrom.contains(mention.status) {
                throw StoreError.conflict(id: id, status: mention.status)
            }
            try Self.execute(
                db, MentionWriteSQL.transition(mention, to: status, actor: actor, reason: reason, decision: decision, at: now))
            if decision { mention.decision = status }
            mention.reverifying = false
            mention.status = status
            mention.reason = reason
            mention.updated = now
            return mention
        }
    }

    public func list(_ query: MentionQuery) async throws -> [Mention] {
        let (sql, values) = MentionQuerySQL.list(query)
        let arguments = Self.arguments(values)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.mention(from:))
        }
    }

    public func approvedAliases(of ids: [Int64], includePrivate: Bool) async throws -> [Mention] {
        try await mentions(ids) { MentionQuerySQL.approvedAliases(of: $0, includePrivate: includePrivate) }
    }

    public func approvedMentions(fromSources sources: [String], includePrivate: Bool) async throws -> [Mention] {
        try await mentions(Array(Set(sources))) { MentionQuerySQL.approved(fromSources: $0, includePrivate: includePrivate) }
    }

    /// The mentions a statement selects for `keys`, 500 keys a statement, so no listing reaches
    /// SQLite's limit on placeholders.
    private func mentions<Key: Sendable>(_ keys: [Key], _ statement: @escaping @Sendable ([Key]) -> SQLStatement) async throws -> [Mention] {
        guard !keys.isEmpty else { return [] }
        return try await pool.read { db in
            try stride(from: 0, to: keys.count, by: 500).flatMap { start in
                try Row.fetchAll(db, Self.statement(statement(Array(keys[start..<min(start + 500, keys.count)])))).map(Self.mention(from:))
            }
        }
    }

    public func canonicalTargets(_ spellings: [String]) async throws -> [String: String] {
        guard !spellings.isEmpty else { return [:] }
        return try await pool.read { db in
            var found: [String: String] = [:]
            for row in try Row.fetchAll(db, Self.statement(MentionQuerySQL.canonicalTargets(spellings))) {
                found[row["spelling"]] = row["canonical"]
            }
            return found
        }
    }

    public func recordSpelling(_ spelling: String, canonical: String) async throws {
        let now = clock.now()
        try await pool.write { db in try Self.execute(db, [MentionQuerySQL.recordSpelling(spelling, canonical: canonical, at: now)]) }
    }

    public func changes(after eventID: Int64, scope: MentionQuery, scan: Int) async throws -> ChangeWindow {
        try await pool.read { db in
            let window = try Row.fetchAll(db, Self.statement(MentionQuerySQL.eventWindow(after: eventID, scan: scan))).map { $0["id"] as Int64 }
            let through = window.prefix(scan).last ?? eventID
            let rows = try Row.fetchAll(db, Self.statement(MentionQuerySQL.changes(after: eventID, through: through, scope: scope)))
            let ids = Set(rows.map { $0["mention_id"] as Int64 })
            var mentions: [Int64: Mention] = [:]
            if !ids.isEmpty {
                for row in try Row.fetchAll(db, Self.statement(MentionQuerySQL.byIDs(ids))) {
                    let mention = Self.mention(from: row)
                    mentions[mention.id] = mention
                }
            }
            let candidates = rows.compactMap { row -> OutboxCandidate? in
                let event = Self.event(from: row)
                guard let mention = mentions[event.mentionID] else { return nil }
                return OutboxCandidate(
                    event: event, mention: mention,
                    previousSettled: (row["previous_settled"] as String?).flatMap(MentionStatus.init(rawValue:)))
            }
            return ChangeWindow(candidates: candidates, through: through, more: window.count > scan)
        }
    }

    public func textsLike(_ fingerprint: TextFingerprint, since: Date, excluding: Int64?, limit: Int, otherThanHost: String?)
        async throws -> [TextMatch]
    {
        // The copy detector's look-ups (a recent window, a few candidates) from the map in memory;
        // its candidates' rows by key, those on `otherThanHost` not read. Anything the map cannot
        // answer exactly from the table.
        if let bandMap, limit <= SQLiteBandMap.perBand, bandMap.beginFill() {
            do {
                let rows = try await pool.read { db in
                    try Row.fetchAll(db, sql: SQLiteBandMap.rowsSQL, arguments: [since, bandMap.rowLimit]).map {
                        (band: $0[0] as Int64, id: $0[1] as Int64, at: $0[2] as Date, source: $0[3] as String)
                    }
                }
                bandMap.fill(rows, since: since)
            } catch {
                bandMap.fillFailed()
                throw error
            }
        }
        let statement: SQLStatement
        let fromMap = bandMap?.candidates(
            bands: fingerprint.bands, since: since, excluding: excluding, limit: limit, otherThanHost: otherThanHost)
        if let ids = fromMap {
            guard !ids.isEmpty else { return [] }
            statement = MentionQuerySQL.texts(ids: ids, indexedBy: true)
        } else {
            let (sql, values) = MentionQuerySQL.textsLike(fingerprint, since: since, excluding: excluding, limit: limit, indexedBy: true)
            statement = SQLStatement(sql, values)
        }
        let (sql, arguments) = (statement.sql, Self.arguments(statement.values))
        return try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
                TextMatch(
                    id: row[0], source: row[1], decision: (row[2] as String?).flatMap(MentionStatus.init(rawValue:)),
                    storedFingerprint: row[3])
            }
        }.otherThan(host: fromMap == nil ? otherThanHost : nil)  // the map's answer is without them already
    }

    public func countByType(_ query: MentionQuery) async throws -> [MentionType: Int] {
        try await countsByType(MentionQuerySQL.countByType(query))
    }

    public func aggregatedByType(_ query: MentionQuery) async throws -> [MentionType: Int] {
        guard let statement = MentionQuerySQL.aggregatedByType(query) else { return [:] }
        return try await countsByType(statement)
    }

    private func countsByType(_ statement: (sql: String, values: [SQLValue])) async throws -> [MentionType: Int] {
        let arguments = Self.arguments(statement.values)
        return try await pool.read { db in
            var counts: [MentionType: Int] = [:]
            for row in try Row.fetchAll(db, sql: statement.sql, arguments: arguments) {
                if let type = MentionType(rawValue: row["type"]) { counts[type, default: 0] += row["n"] as Int }
            }
            return counts
        }
    }

    public func scoreCounts(_ tokens: [String], sourceHost: String?) async throws
        -> (counts: [String: SpamModel.Counts], hostApproved: Bool)
    {
        let statement = ScoreSQL.counts(tokens)
        return try await pool.read { db in
            var counts: [String: SpamModel.Counts] = [:]
            // Cached: one statement per count of tokens, and a mention has at most a few hundred.
            for row in try Row.fetchAll(db.cachedStatement(sql: statement.sql), arguments: Self.arguments(statement.values)) {
                counts[row["token"]] = SpamModel.Counts(good: row["good"], bad: row["bad"])
            }
            return (counts, try sourceHost.map { try Self.hasApprovedMention(db, fromHost: $0) } ?? false)
        }
    }

    public func learnScore() async throws -> Int {
        let now = clock.now()
        var learnt = 0
        while true {
            let (changed, more) = try await pool.write { db -> (Int, Bool) in
                let cursor = Int64(try String.fetchOne(db, Self.statement(TableSQL.setting(.scoreCursor))) ?? "") ?? 0
                let events = try Row.fetchAll(db, Self.statement(ScoreSQL.events(after: cursor)))
                guard let last: Int64 = events.last?["id"] else { return (0, false) }
                let changed = try Self.learn(db, ids: Set(events.map { $0["mention_id"] as Int64 }))
                try Self.execute(db, [TableSQL.setSetting(.scoreCursor, to: String(last), at: now)])
                return (changed, events.count == ScoreSQL.batch)
            }
            learnt += changed
            if !more { return learnt }
        }
    }

    public func retrainScore() async throws -> Int {
        let now = clock.now()
        let lastEvent = try await pool.write { db -> Int64 in
            try Self.execute(db, ScoreSQL.reset)
            return try Int64.fetchOne(db, Self.statement(ScoreSQL.lastEvent)) ?? 0
        }
        var learnt = 0
        var after: Int64 = 0
        while true {
            let page = ScoreSQL.mentions(after: after)
            let (changed, last) = try await pool.write { db -> (Int, Int64?) in
                let ids = try Row.fetchAll(db, Self.statement(page)).map { $0["id"] as Int64 }
                return (try Self.learn(db, ids: ids), ids.last)
            }
            learnt += changed
            guard let last else { break }
            after = last
        }
        try await pool.write { db in try Self.execute(db, [TableSQL.setSetting(.scoreCursor, to: String(lastEvent), at: now)]) }
        return learnt
    }

    /// Learns the mentions `ids` as their rows are now (``ScoreSQL/learn(_:)``).
    private static func learn(_ db: Database, ids: some Collection<Int64>) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let rows = try Row.fetchAll(db, statement(MentionQuerySQL.byIDs(ids))).map {
            ScoreSQL.LearningRow(mention: mention(from: $0), label: $0["score_label"], learnt: $0["score_learnt"])
        }
        let (statements, changed) = ScoreSQL.learn(rows)
        try execute(db, statements)
        return changed
    }

    public func aggregate(_ incoming: IncomingMention, type: MentionType) async throws {
        let now = clock.now()
        try await pool.write { db in try Self.execute(db, MentionWriteSQL.aggregate(incoming, type: type, at: now)) }
    }

    static func arguments(_ values: [SQLValue]) -> StatementArguments {
        // GRDB's initializer for concrete values maps them through a key path built at run time
        // on every call (3.8 % of a small-page drain); the one for optional existentials does not.
        StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
            switch value {
            case .text(let text): return text.databaseValue
            case .integer(let integer): return integer.databaseValue
            case .double(let double): return double.databaseValue
            case .date(let date): return SQLiteDateText.value(date).databaseValue
            case .bool(let bool): return bool.databaseValue
            case .null: return DatabaseValue.null
            }
        })
    }

    /// Runs shared statements (``MentionWriteSQL``, ``TableSQL``) in order.
    private static func execute(_ db: Database, _ statements: [SQLStatement]) throws {
        for statement in statements { try db.cachedExecute(sql: statement.sql, arguments: arguments(statement.values)) }
    }

    /// A shared query, prepared once per connection.
    private static func statement(_ query: SQLStatement) -> SQLRequest<Row> {
        SQLRequest(sql: query.sql, arguments: arguments(query.values), cached: true)
    }

    public func countByStatus() async throws -> [MentionStatus: Int] {
        try await pool.read { db in
            var counts = Dictionary(uniqueKeysWithValues: MentionStatus.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM mentions GROUP BY status") {
                if let status = MentionStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    public func events(mentionID: Int64) async throws -> [MentionEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, Self.statement(TableSQL.events(mentionID: mentionID))).map(Self.event(from:))
        }
    }

    @discardableResult
    public func addBlock(kind: Block.Kind, value: String, reason: String?) async throws -> Block {
        let now = clock.now()
        return try await pool.write { db in
            try Self.execute(db, [TableSQL.addBlock(kind: kind, value: value, reason: reason, at: now)])
            let row = try Row.fetchOne(db, Self.statement(TableSQL.block(kind: kind, value: value)))
            guard let row else { throw StoreError.failed("block was not stored") }
            return Self.block(from: row)
        }
    }

    @discardableResult
    public func removeBlock(kind: Block.Kind, value: String) async throws -> Bool {
        try await pool.write { db in
            try Self.execute(db, [TableSQL.removeBlock(kind: kind, value: value)])
            return db.changesCount > 0
        }
    }

    public func blocks() async throws -> [Block] {
        try await pool.read { db in
            try Row.fetchAll(db, Self.statement(TableSQL.blocks)).map(Self.block(from:))
        }
    }

    // MARK: Blocklists

    public func blocklistCopies() async throws -> [BlocklistCopy] {
        try await pool.read { db in
            try Row.fetchAll(db, Self.statement(TableSQL.blocklists)).map { row in
                BlocklistCopy(
                    url: row["url"], entries: BlocklistEntries(stored: row["entries"]), fetched: row["fetched_at"],
                    error: row["error"])
            }
        }
    }

    public func saveBlocklist(_ copy: BlocklistCopy) async throws {
        let now = clock.now()
        try await pool.write { db in try Self.execute(db, [TableSQL.saveBlocklist(copy, at: now)]) }
    }

    public func recordBlocklistFailure(url: String, error: String, at: Date) async throws {
        try await pool.write { db in try Self.execute(db, [TableSQL.recordBlocklistFailure(url: url, error: error, at: at)]) }
    }

    // MARK: Notification outbox

    public func notificationBacklog(limit: Int) async throws -> (candidates: [OutboxCandidate], cursor: Int64) {
        try await pool.write { db in try Self.backlog(db, cursorTable: "notification_cursor", limit: limit) }
    }

    public func enqueueNotifications(_ items: [NewNotificationItem], cursor: Int64) async throws {
        let now = clock.now()
        try await pool.write { db in
            try Self.execute(db, items.map { NotificationSQL.enqueue($0, at: now) } + [NotificationSQL.moveCursor(to: cursor)])
        }
    }

    public func openNotifications(limit: Int) async throws -> [NotificationItem] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, Self.statement(NotificationSQL.openItems(limit: limit)))
            let ids = Set(rows.map { $0["mention_id"] as Int64 })
            var mentions: [Int64: Mention] = [:]
            for id in ids { mentions[id] = try Self.fetchOne(db, "id = ?", [id]) }
            return rows.compactMap { row in
                guard let mention = mentions[row["mention_id"]], let event = WebhookEvent(rawValue: row["event"]) else { return nil }
                return NotificationItem(
                    id: row["id"], channel: row["channel"], event: event, eventID: row["event_id"], created: row["created_at"], mention: mention)
            }
        }
    }

    public func composeNotification(
        channel: String, message: OutgoingNotification?, included: [Int64], leftOut: [Int64], at now: Date
    ) async throws {
        try await pool.write { db in
            if let message {
                let id = try Int64.fetchOne(db, Self.statement(NotificationSQL.insertMessage(
                    channel: channel, body: NotificationSQL.encode(message), at: now))) ?? 0
                try Self.execute(db, [NotificationSQL.assign(included, to: id)].compactMap { $0 })
            }
            try Self.execute(db, [NotificationSQL.assign(leftOut, to: 0)].compactMap { $0 })
        }
    }

    public func dueNotifications(now: Date) async throws -> [NotificationMessage] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT m.* FROM (SELECT MIN(id) AS id FROM notification_messages
                            WHERE sent_at IS NULL AND given_up_at IS NULL GROUP BY channel) AS o
                        JOIN notification_messages AS m ON m.id = o.id
                    WHERE m.next_attempt_at <= ? ORDER BY m.id
                    """,
                arguments: [now]
            ).map(Self.notification(from:))
        }
    }

    public func recordNotification(id: Int64, outcome: DeliveryOutcome, at now: Date) async throws {
        try await pool.write { db in try Self.execute(db, [NotificationSQL.record(id: id, outcome: outcome, at: now)]) }
    }

    public func notifications(state: WebhookDelivery.State?, limit: Int) async throws -> [NotificationMessage] {
        try await pool.read { db in
            try Row.fetchAll(db, Self.statement(NotificationSQL.messages(state: state, limit: limit))).map(Self.notification(from:))
        }
    }

    public func notificationCounts() async throws -> [WebhookDelivery.State: Int] {
        try await pool.read { db in
            let row = try Row.fetchOne(db, Self.statement(NotificationSQL.counts))
            return [.pending: row?["pending"] ?? 0, .delivered: row?["delivered"] ?? 0, .failed: row?["failed"] ?? 0]
        }
    }

    public func retryNotifications(ids: [Int64]?, at now: Date) async throws -> Int {
        if ids?.isEmpty == true { return 0 }
        return try await pool.write { db in
            try Self.execute(db, [NotificationSQL.retry(ids: ids, at: now)])
            return db.changesCount
        }
    }

    public func linkKey() async throws -> [UInt8] {
        let now = clock.now()
        let stored = try await pool.write { db -> String in
            if let key = try String.fetchOne(db, Self.statement(TableSQL.setting(.linkKey))) { return key }
            let key = NotificationSQL.newLinkKey()
            try Self.execute(db, [TableSQL.setSetting(.linkKey, to: key, at: now)])
            return key
        }
        return Array(Data(base64Encoded: stored) ?? Data())
    }

    public func spendLink(nonce: String, at now: Date) async throws -> Bool {
        try await pool.write { db in
            try Self.execute(db, [NotificationSQL.spend(nonce: nonce, at: now)])
            return db.changesCount == 1
        }
    }

    private static func notification(from row: Row) -> NotificationMessage {
        NotificationMessage(
            id: row["id"], channel: row["channel"], body: NotificationSQL.decode(row["body"]), created: row["created_at"],
            attempts: row["attempts"], sentAt: row["sent_at"], givenUpAt: row["given_up_at"], lastError: row["last_error"])
    }

    // MARK: Webhook outbox

    public func webhookBacklog(limit: Int) async throws -> (candidates: [OutboxCandidate], cursor: Int64) {
        try await pool.write { db in try Self.backlog(db, cursorTable: "webhook_cursor", limit: limit) }
    }

    /// The status changes after an outbox's cursor, with what classifying them needs; the first
    /// time, the cursor is set at the newest event (what came before is not announced).
    private static func backlog(_ db: Database, cursorTable: String, limit: Int) throws -> (candidates: [OutboxCandidate], cursor: Int64) {
        let newest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM events") ?? 0
        guard let cursor = try Int64.fetchOne(db, sql: "SELECT last_event_id FROM \(cursorTable) WHERE id = 1") else {
            try db.cachedExecute(sql: "INSERT INTO \(cursorTable) (id, last_event_id) VALUES (1, ?)", arguments: [newest])
            return ([], newest)
        }
        let events = try Row.fetchAll(
            db, sql: "SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", arguments: [cursor, limit]
        ).map(Self.event(from:))
        var candidates: [OutboxCandidate] = []
        for event in events {
            guard let mention = try Self.fetchOne(db, "id = ?", [event.mentionID]) else { continue }
            let settled = try String.fetchOne(
                db,
                sql: """
                    SELECT to_status FROM events WHERE mention_id = ? AND id < ? AND to_status != 'queued'
                    ORDER BY id DESC LIMIT 1
                    """,
                arguments: [event.mentionID, event.id])
            candidates.append(OutboxCandidate(
                event: event, mention: mention, previousSettled: settled.flatMap(MentionStatus.init(rawValue:))))
        }
        return (candidates, events.last?.id ?? cursor)
    }

    public func enqueueDeliveries(_ deliveries: [NewWebhookDelivery], cursor: Int64) async throws {
        let now = clock.now()
        try await pool.write { db in
            for delivery in deliveries {
                try db.cachedExecute(
                    sql: """
                        INSERT OR IGNORE INTO webhook_deliveries (url, event, mention_id, event_id, payload, created_at,
                            next_attempt_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        delivery.url, delivery.event.rawValue, delivery.mentionID, delivery.eventID, delivery.payload, now, now,
                    ])
            }
            try db.cachedExecute(sql: "UPDATE webhook_cursor SET last_event_id = MAX(last_event_id, ?) WHERE id = 1", arguments: [cursor])
        }
    }

    public func dueDeliveries(now: Date) async throws -> [WebhookDelivery] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                // The pending URLs, then one seek per URL on the pending index (a correlated MIN per
                // row was quadratic: 1.5 s for 3,000 pending deliveries).
                sql: """
                    SELECT d.* FROM (SELECT DISTINCT url FROM webhook_deliveries
                            WHERE delivered_at IS NULL AND given_up_at IS NULL) AS u
                        JOIN webhook_deliveries AS d ON d.id = (
                            SELECT o.id FROM webhook_deliveries AS o
                            WHERE o.url = u.url AND o.delivered_at IS NULL AND o.given_up_at IS NULL AND o.next_attempt_at <= ?
                            ORDER BY o.id LIMIT 1)
                    ORDER BY d.id
                    """,
                arguments: [now]
            ).map(Self.delivery(from:))
        }
    }

    public func recordDelivery(id: Int64, outcome: DeliveryOutcome, at now: Date) async throws {
        try await pool.write { db in
            switch outcome {
            case .delivered:
                try db.cachedExecute(
                    sql: """
                        UPDATE webhook_deliveries SET attempts = attempts + 1, delivered_at = ?, next_attempt_at = NULL,
                            last_error = NULL WHERE id = ?
                        """,
                    arguments: [now, id])
            case .retry(let error, let next):
                try db.cachedExecute(
                    sql: "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
                    arguments: [next, error, id])
            case .gaveUp(let error):
                try db.cachedExecute(
                    sql: """
                        UPDATE webhook_deliveries SET attempts = attempts + 1, given_up_at = ?, next_attempt_at = NULL,
                            last_error = ? WHERE id = ?
                        """,
                    arguments: [now, error, id])
            }
        }
    }

    public func deliveries(state: WebhookDelivery.State?, limit: Int) async throws -> [WebhookDelivery] {
        let condition: String
        switch state {
        case nil: condition = "1"
        case .pending?: condition = "delivered_at IS NULL AND given_up_at IS NULL"
        case .delivered?: condition = "delivered_at IS NOT NULL"
        case .failed?: condition = "given_up_at IS NOT NULL"
        }
        return try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM webhook_deliveries WHERE \(condition) ORDER BY id DESC LIMIT ?", arguments: [limit]
            ).map(Self.delivery(from:))
        }
    }

    public func retryDeliveries(ids: [Int64]?, at now: Date) async throws -> Int {
        try await pool.write { db in
            if let ids {
                for id in ids {
                    try db.cachedExecute(
                        sql: """
                            UPDATE webhook_deliveries SET given_up_at = NULL, next_attempt_at = ?, created_at = ?
                            WHERE id = ? AND delivered_at IS NULL
                            """,
                        arguments: [now, now, id])
                }
            } else {
                try db.cachedExecute(
                    sql: """
                        UPDATE webhook_deliveries SET given_up_at = NULL, next_attempt_at = ?, created_at = ?
                        WHERE given_up_at IS NOT NULL
                        """,
                    arguments: [now, now])
            }
            return db.changesCount
        }
    }

    public func deliveryCounts() async throws -> [WebhookDelivery.State: Int] {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT SUM(delivered_at IS NULL AND given_up_at IS NULL) AS pending,
                        SUM(delivered_at IS NOT NULL) AS delivered, SUM(given_up_at IS NOT NULL) AS failed
                    FROM webhook_deliveries
                    """)
            return [
                .pending: row?["pending"] ?? 0, .delivered: row?["delivered"] ?? 0, .failed: row?["failed"] ?? 0,
            ]
        }
    }

    public func close() async throws {
        try pool.close()
    }

    /// Folds the write-ahead log into the database file and empties it (a TRUNCATE checkpoint), so
    /// that the `.sqlite` file alone holds every commit: the server does it as it stops. It waits
    /// up to the busy timeout for other connections (a CLI command) to finish reading.
    public func checkpoint() async throws {
        _ = try await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    /// Copies the database to a new file at `destination` through SQLite's online backup, from one
    /// read snapshot: consistent while the server goes on writing, and holding every commit made
    /// before it started. Written beside the destination and renamed into place, so a failed
    /// backup leaves no half-copy under its name; an existing file is never overwritten.
    /// Returns how many mentions the copy holds.
    public func backup(to destination: String) async throws -> Int {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError.failed("\(destination) exists already; choose a new name")
        }
        let partial = destination + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let copy = try DatabaseQueue(path: partial)
            try pool.backup(to: copy)
            let mentions = try await copy.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM mentions") ?? 0 }
            try copy.close()
            try FileManager.default.moveItem(atPath: partial, toPath: destination)
            return mentions
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw StoreError.failed("cannot back up to \(destination): \(Self.explain(error))")
        }
    }

    // MARK: Copying between stores

    public func exportMentions(afterID: Int64, limit: Int) async throws -> [Mention] {
        try await pool.read { db in
            try Row.fetchAll(db, Self.statement(TableSQL.page(of: .mentions, afterID: afterID, limit: limit))).map(Self.mention(from:))
        }
    }

    public func exportEvents(afterID: Int64, limit: Int) async throws -> [MentionEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, Self.statement(TableSQL.page(of: .events, afterID: afterID, limit: limit))).map(Self.event(from:))
        }
    }

    public func exportDeliveries(afterID: Int64, limit: Int) async throws -> [WebhookDelivery] {
        try await pool.read { db in
            try Row.fetchAll(db, Self.statement(TableSQL.page(of: .deliveries, afterID: afterID, limit: limit)))
                .map(Self.delivery(from:))
        }
    }

    public func exportState() async throws -> StoreRows {
        try await pool.read { db in
            var settings: [StoreSetting: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM settings") {
                // The score's cursor is the store's own bookkeeping: a copy learns afresh.
                if let key = StoreSetting(rawValue: row["key"]), key != .scoreCursor { settings[key] = row["value"] }
            }
            return StoreRows(
                blocks: try Row.fetchAll(db, sql: "SELECT * FROM blocks ORDER BY id").map(Self.block(from:)),
                allowedDomains: try String.fetchAll(db, sql: "SELECT domain FROM allowed_domains ORDER BY domain"),
                webhookCursor: try Int64.fetchOne(db, sql: "SELECT last_event_id FROM webhook_cursor WHERE id = 1"),
                settings: settings, sends: try Row.fetchAll(db, sql: "SELECT * FROM sends ORDER BY id").map(Self.send(from:)),
                counted: try Row.fetchAll(db, sql: "SELECT * FROM aggregated ORDER BY pair").compactMap { row in
                    MentionType(rawValue: row["type"]).map {
                        CountedMention(pair: row["pair"], target: row["target"], site: row["site"], type: $0, at: row["at"])
                    }
                },
                spellings: try Row.fetchAll(db, sql: MentionQuerySQL.allSpellings).map {
                    TargetSpelling(spelling: $0["spelling"], canonical: $0["canonical"], seen: $0["seen_at"])
                })
        }
    }

    public func importRows(_ rows: StoreRows) async throws {
        let now = clock.now()
        let banded = try await pool.write { db in
            var banded: [(id: Int64, source: String, bands: [Int64], at: Date)] = []
            for mention in rows.mentions {
                let content = mention.content
                try db.cachedExecute(
                    sql: """
                        INSERT OR IGNORE INTO mentions (id, token, source, target, site, protocol, status, reason, client_ip,
                            user_agent, received_at, updated_at, verified_at, attempts, type, rsvp, title, excerpt,
                            content_html, content_text, author_name, author_url, author_photo, published, previous_status,
                            revision, next_attempt_at, reverify, last_received_at, vouch, children, is_private, decision,
                            spam_reasons, fingerprint, spam_score, score_reasons, score_tokens, target_as_sent, in_reply_to,
                            same_as, alias_of)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                            ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        mention.id, mention.token, mention.source, mention.target, mention.site, mention.protocol.rawValue,
                        mention.status.rawValue, mention.reason, mention.clientIP, mention.userAgent, mention.received,
                        mention.updated, mention.verified, mention.attempts, content?.type.rawValue, content?.rsvp,
                        content?.title, content?.excerpt, content?.contentHTML, content?.contentText, content?.authorName,
                        content?.authorURL, content?.authorPhoto, content?.published, mention.previousStatus?.rawValue,
                        mention.revision, mention.nextAttemptAt, mention.reverifying, mention.lastReceived, mention.vouch,
                        MentionChild.stored(content?.children), mention.isPrivate, mention.decision?.rawValue,
                        SpamSignals(reasons: mention.spamReasons).storedReasons, mention.fingerprint?.stored,
                        mention.spamScore?.value, SpamSignals(score: mention.spamScore).storedScoreReasons,
                        SpamSignals(scoreTokens: mention.scoreTokens).storedScoreTokens, mention.targetAsSent,
                        MentionContent.storedURLs(content?.inReplyTo), MentionContent.storedURLs(content?.sameAs),
                        mention.aliasOf,
                    ])
                if db.changesCount > 0 {
                    try Self.execute(db, MentionWriteSQL.replaceURLs(id: mention.id, source: mention.source, sameAs: content?.sameAs))
                }
                if db.changesCount > 0, let fingerprint = mention.fingerprint {
                    let at = mention.verified ?? now
                    try Self.execute(db, MentionWriteSQL.replaceBands(id: mention.id, fingerprint, at: at))
                    banded.append((mention.id, mention.source, fingerprint.bands, at))
                }
            }
            for event in rows.events {
                try db.cachedExecute(
                    sql: """
                        INSERT OR IGNORE INTO events (id, mention_id, at, actor, from_status, to_status, reason)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        event.id, event.mentionID, event.at, event.actor.rawValue, event.from?.rawValue, event.to.rawValue,
                        event.reason,
                    ])
            }
            for delivery in rows.deliveries {
                try db.cachedExecute(
                    sql: """
                        INSERT OR IGNORE INTO webhook_deliveries (id, url, event, mention_id, event_id, payload, created_at,
                            attempts, next_attempt_at, delivered_at, given_up_at, last_error)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        delivery.id, delivery.url, delivery.event.rawValue, delivery.mentionID, delivery.eventID, delivery.payload,
                        delivery.created, delivery.attempts, delivery.nextAttemptAt, delivery.deliveredAt, delivery.givenUpAt,
                        delivery.lastError,
                    ])
            }
            for block in rows.blocks {
                try db.cachedExecute(
                    sql: "INSERT OR IGNORE INTO blocks (id, kind, value, reason, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [block.id, block.kind.rawValue, block.value, block.reason, block.created])
            }
            for domain in rows.allowedDomains {
                try db.cachedExecute(
                    sql: "INSERT OR IGNORE INTO allowed_domains (domain, created_at) VALUES (?, ?)", arguments: [domain, now])
            }
            for send in rows.sends {
                try db.cachedExecute(
                    sql: """
                        INSERT OR IGNORE INTO sends (source, target, linked, state, result, endpoint, attempts, next_attempt_at,
                            updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        send.source, send.target, send.linked, send.state.rawValue, send.result, send.endpoint, send.attempts,
                        send.nextAttemptAt, send.updated,
                    ])
            }
            for counted in rows.counted { try Self.execute(db, [MentionWriteSQL.count(counted)]) }
            try Self.execute(db, rows.spellings.map { MentionQuerySQL.recordSpelling($0.spelling, canonical: $0.canonical, at: $0.seen) })
            if let cursor = rows.webhookCursor {
                try db.cachedExecute(
                    sql: """
                        INSERT INTO webhook_cursor (id, last_event_id) VALUES (1, ?)
                        ON CONFLICT (id) DO UPDATE SET last_event_id = MAX(last_event_id, excluded.last_event_id)
                        """,
                    arguments: [cursor])
            }
            for (key, value) in rows.settings {
                try db.cachedExecute(
                    sql: "INSERT OR IGNORE INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                    arguments: [key.rawValue, value, now])
            }
            return banded
        }
        for mention in banded { bandMap?.record(id: mention.id, source: mention.source, bands: mention.bands, at: mention.at) }
    }

    public func rowCounts() async throws -> StoreRowCounts {
        try await pool.read { db in
            func count(_ table: String) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
            return StoreRowCounts(
                mentions: try count("mentions"), events: try count("events"), deliveries: try count("webhook_deliveries"),
                blocks: try count("blocks"), allowedDomains: try count("allowed_domains"))
        }
    }

    // MARK: - Rows

    /// `body` for each item in a savepoint of its own: an item that fails is undone alone.
    private static func each<Item, Output>(_ db: Database, _ items: [Item], _ body: (Item) throws -> Output)
        -> [Result<Output, any Error>]
    {
        items.map { item in
            Result {
                var output: Output?
                try db.inSavepoint {
                    output = try body(item)
                    return .commit
                }
                return output!  // set: the savepoint ran its body and committed
            }
        }
    }

    private static func fetchOne(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws
        -> Mention?
    {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mentions WHERE \(condition)"), arguments: arguments)
            .map(mention(from:))
    }

    /// Inserts a new `queued` mention with a fresh token and its creation event.
    private static func insertQueued(_ db: Database, _ incoming: IncomingMention, actor: Actor, at now: Date) throws -> Int64 {
        if let wanted = incoming.importedID {
            // AUTOINCREMENT numbers later rows above the largest id ever written.
            try execute(db, [MentionWriteSQL.insertImported(id: wanted, token: Token.make(), incoming, at: now)])
            if try Int64.fetchOne(db, sql: "SELECT id FROM mentions WHERE id = ? AND source = ? AND target = ?",
                arguments: [wanted, incoming.source, incoming.target]) != nil
            {
                try execute(db, [MentionWriteSQL.event(wanted, actor: actor, from: nil, to: .queued, reason: "received", at: now)])
                return wanted
            }
        }
        try db.cachedExecute(
            sql: """
                INSERT INTO mentions (token, source, target, site, protocol, status, client_ip, user_agent,
                    received_at, updated_at, last_received_at, vouch, is_private, target_as_sent)
                VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                Token.make(), incoming.source, incoming.target, incoming.site, incoming.protocol.rawValue,
                incoming.clientIP, incoming.userAgent, now, now, now, incoming.vouch, incoming.isPrivate, incoming.targetAsSent,
            ])
        let id = db.lastInsertedRowID
        try execute(db, [MentionWriteSQL.event(id, actor: actor, from: nil, to: .queued, reason: "received", at: now)])
        return id
    }

    /// The row a receipt's insert writes, as ``mention(from:)`` would read it back.
    private static func queuedMention(id: Int64, token: String, _ incoming: IncomingMention, at now: Date) -> Mention {
        Mention(
            id: id, token: token, source: incoming.source, target: incoming.target, site: incoming.site,
            protocol: incoming.protocol, status: .queued, clientIP: incoming.clientIP, userAgent: incoming.userAgent,
            received: now, updated: now, lastReceived: now, vouch: incoming.vouch, isPrivate: incoming.isPrivate,
            targetAsSent: incoming.targetAsSent)
    }

    private static func mention(from row: Row) -> Mention {
        let at = ColumnPositions(row)
        var content: MentionContent?
        if let type = (row[at["type"]] as String?).flatMap(MentionType.init(rawValue:)) {
            content = MentionContent(
                type: type, rsvp: row[at["rsvp"]], title: row[at["title"]], excerpt: row[at["excerpt"]],
                contentHTML: row[at["content_html"]], contentText: row[at["content_text"]], authorName: row[at["author_name"]],
                authorURL: row[at["author_url"]], authorPhoto: row[at["author_photo"]], published: row[at["published"]],
                children: MentionChild.fromStored(row[at["children"]]), inReplyTo: MentionContent.urls(stored: row[at["in_reply_to"]]),
                sameAs: MentionContent.urls(stored: row[at["same_as"]]))
        }
        return Mention(
            id: row[at["id"]], token: row[at["token"]], source: row[at["source"]], target: row[at["target"]], site: row[at["site"]],
            protocol: MentionProtocol(rawValue: row[at["protocol"]]) ?? .webmention,
            status: MentionStatus(rawValue: row[at["status"]]) ?? .queued, reason: row[at["reason"]],
            clientIP: row[at["client_ip"]], userAgent: row[at["user_agent"]], received: row[at["received_at"]],
            updated: row[at["updated_at"]], verified: row[at["verified_at"]], attempts: row[at["attempts"]], content: content,
            previousStatus: (row[at["previous_status"]] as String?).flatMap(MentionStatus.init(rawValue:)),
            revision: row[at["revision"]], nextAttemptAt: row[at["next_attempt_at"]], reverifying: row[at["reverify"]],
            lastReceived: row[at["last_received_at"]], vouch: row[at["vouch"]], isPrivate: row[at["is_private"]],
            decision: (row[at["decision"]] as String?).flatMap(MentionStatus.init(rawValue:)),
            spamReasons: SpamSignals.reasons(stored: row[at["spam_reasons"]]),
            fingerprint: (row[at["fingerprint"]] as String?).flatMap(TextFingerprint.init(stored:)),
            spamScore: SpamSignals.score(stored: row[at["spam_score"]], reasons: row[at["score_reasons"]]),
            scoreTokens: SpamSignals.scoreTokens(stored: row[at["score_tokens"]]), targetAsSent: row[at["target_as_sent"]],
            aliasOf: row[at["alias_of"]])
    }

    /// Where each column of a row is, found in one pass. A row GRDB copies out of a statement
    /// finds a column by name by lower-casing every column's name until one matches: for the 30
    /// columns of a mention that was 4 % of the single writer thread's time in `String.lowercased`.
    private struct ColumnPositions {
        private let row: Row
        private let positions: [String: Int]

        /// The last layout seen: nearly every row is a whole `mentions` row, so its positions are
        /// found once rather than hashed into a new dictionary per row (4 % of a small-page drain).
        private static let last = Locked<(names: [String], positions: [String: Int])?>(nil)

        init(_ row: Row) {
            self.row = row
            let names = Array(row.columnNames)
            if let last = Self.last.withLock({ $0 }), last.names == names {
                positions = last.positions
                return
            }
            var positions: [String: Int] = [:]
            for (position, name) in names.enumerated() where positions[name] == nil { positions[name] = position }
            self.positions = positions
            Self.last.withLock { $0 = (names, positions) }
        }

        subscript(_ name: String) -> Int {
            // Names are declared in lower case; a differently spelt one still resolves, slowly.
            positions[name] ?? Array(row.columnNames).firstIndex { $0.lowercased() == name.lowercased() } ?? -1
        }
    }

    private static func event(from row: Row) -> MentionEvent {
        MentionEvent(
            id: row["id"], mentionID: row["mention_id"], at: row["at"], actor: Actor(rawValue: row["actor"]) ?? .server,
            from: (row["from_status"] as String?).flatMap(MentionStatus.init(rawValue:)),
            to: MentionStatus(rawValue: row["to_status"]) ?? .queued, reason: row["reason"])
    }

    private static func delivery(from row: Row) -> WebhookDelivery {
        WebhookDelivery(
            id: row["id"], url: row["url"], event: WebhookEvent(rawValue: row["event"]) ?? .approved,
            mentionID: row["mention_id"], eventID: row["event_id"], payload: row["payload"], created: row["created_at"],
            attempts: row["attempts"], nextAttemptAt: row["next_attempt_at"], deliveredAt: row["delivered_at"],
            givenUpAt: row["given_up_at"], lastError: row["last_error"])
    }

    private static func block(from row: Row) -> Block {
        Block(
            id: row["id"], kind: Block.Kind(rawValue: row["kind"]) ?? .domain, value: row["value"],
            reason: row["reason"], created: row["created_at"])
    }

    private static func explain(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "\(error.resultCode)"
        }
        return String(describing: error)
    }
}

extension Database {
    /// Executes one statement through GRDB's statement cache: compiled once per connection rather
    /// than per call. Compiling runs SQLite's authorizer callbacks, which were most of the writer's
    /// time when every receipt compiled its statements afresh.
    fileprivate func cachedExecute(sql: String, arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

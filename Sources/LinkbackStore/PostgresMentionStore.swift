import Foundation
import LinkbackKit
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// The mention store for several Linkback instances: one PostgreSQL database they all share.
///
/// It keeps ``SQLiteMentionStore``'s semantics exactly (the store conformance tests run against
/// both) and adds what sharing needs:
/// - schema migrations run in one transaction under an advisory lock, so instances starting
///   together migrate once; a schema from a newer Linkback is refused;
/// - writes to one (source, target) pair are serialised across instances by a transaction-level
///   advisory lock on the pair; status changes lock the row (`FOR UPDATE`);
/// - the verification queue claims with `FOR UPDATE SKIP LOCKED`, and a claim is a lease: after
///   ``claimLease`` another instance may take it over (an instance that died never holds work);
/// - a webhook delivery is claimed the same way, so each is sent by one instance at a time.
public final class PostgresMentionStore: MentionStore {
    public let location: PostgresLocation
    /// How long a claim (a verification or a webhook delivery in progress) holds before another
    /// instance may take the work over (`verification.claim_lease_seconds`).
    public let claimLease: TimeInterval
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    /// Receipts and verification results, each committed in groups (see ``GroupCommit``).
    /// Up to 16 batches at once, each on its own connection: one batch at a time waited on round
    /// trips and halved the accept rate.
    private let receipts = GroupCommit<Receipt, ReceiveResult>(concurrentBatches: 16)
    private let completions = GroupCommit<Completion, MentionStatus?>(concurrentBatches: 16)
    private let logger: Logger
    /// The dates this store writes and compares (receipts, pair intervals, leases, bans, settings).
    package let clock: any WallClock

    /// Connects, and migrates the schema (once, whichever instance gets there first); with
    /// `migrate: false` only connects (see ``schemaState()``).
    public init(
        location: PostgresLocation, claimLease: TimeInterval = 60, migrate: Bool = true,
        logger: Logger = Logger(label: "linkback.postgres"), clock: any WallClock = SystemClock()
    ) async throws(StoreError) {
        self.clock = clock
        self.location = location
        self.claimLease = claimLease
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database,
            tls: {
                switch location.tls {
                case .disable: return .disable
                case .prefer: return .prefer(.makeClientConfiguration())
                case .require: return .require(.makeClientConfiguration())
                }
            }())
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.maximumConnections = 32
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        do {
            // One direct connection first: a refused connection or a wrong password is reported
            // at once (the pool would keep retrying in the background).
            try await Self.probe(location, logger: logger)
            if migrate {
                try await self.migrate()
            } else {
                try await client.query("SELECT 1", logger: logger)
            }
        } catch let error as StoreError {
            runner.cancel()
            throw error
        } catch {
            runner.cancel()
            throw .cannotOpen(path: location.description, reason: Self.explain(error))
        }
    }

    private static func probe(_ location: PostgresLocation, logger: Logger) async throws {
        let tls: PostgresConnection.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        try await connection.close()
    }

    /// Where the schema of the database stands (for `doctor`), without migrating it.
    public func schemaState() async throws -> SchemaState {
        let applied = try await appliedMigrations(client.query("SELECT to_regclass('linkback_migrations') IS NOT NULL"))
        let known = PostgresMigrations.all.map(\.name)
        if applied.contains(where: { !known.contains($0) }) { return .newer }
        let pending = known.filter { !applied.contains($0) }
        return pending.isEmpty ? .current(known.last ?? "") : .behind(pending: pending)
    }

    private func appliedMigrations(_ exists: PostgresRowSequence) async throws -> [String] {
        guard try await exists.collect().first?.decode(Bool.self) == true else { return [] }
        return try await rows("SELECT name FROM linkback_migrations ORDER BY name") { try $0.decode(String.self) }
    }

    private func migrate() async throws {
        let location = location
        try await transaction { connection in
            // Instances starting together wait here for the first one's migration.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: self.logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS linkback_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)",
                logger: self.logger)
            let applied = Set(
                try await self.rows("SELECT name FROM linkback_migrations", on: connection) { try $0.decode(String.self) })
            let known = Set(PostgresMigrations.all.map(\.name))
            guard applied.isSubset(of: known) else { throw StoreError.newerSchema(path: location.description) }
            for migration in PostgresMigrations.all where !applied.contains(migration.name) {
                for statement in Self.statements(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await connection.query(
                    "INSERT INTO linkback_migrations (name, applied_at) VALUES (\(migration.name), \(self.clock.now()))", logger: self.logger)
            }
        }
    }

    /// The advisory lock key that serialises migrations.
    private static let migrationLock: Int64 = 0x6c69_6e6b_6261_636b  // "linkback"
    /// The advisory lock key that serialises webhook delivery claims.
    private static let deliveryLock: Int64 = 0x6c69_6e6b_686f_6f6b  // "linkhook"

    /// A migration's statements (each ends a line with `;`; no literal in them contains one).
    package static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") { continue }
            current += line + "\n"
            if trimmed.hasSuffix(";") {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    public func close() async throws {
        runner.cancel()
        _ = await runner.value
    }

    // MARK: Transactions

    private func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            // The closure's own error, when there is one, is what went wrong.
            if let closureError = error.closureError { throw closureError }
            throw StoreError.failed(Self.explain(error))
        }
    }

    /// Serialises writes to one (source, target) pair across instances, until the transaction ends.
    private func lockPair(_ connection: PostgresConnection, source: String, target: String) async throws {
        _ = try await rows(PostgresStatements.PairLock(source: source, target: target), on: connection)
    }

    /// A pair's row, locked for update.
    private func pairForUpdate(_ connection: PostgresConnection, source: String, target: String) async throws -> Mention? {
        try await rows(PostgresStatements.PairForUpdate(source: source, target: target), on: connection).first
    }

    /// A mention as it is now in the transaction on `connection`, locked for update if asked.
    private func mention(_ connection: PostgresConnection, id: Int64, forUpdate: Bool = false) async throws -> Mention? {
        if forUpdate {
            return try await rows(PostgresStatements.ByIDForUpdate(id: id), on: connection).first
        }
        return try await rows(PostgresStatements.ByID(id: id), on: connection).first
    }

    /// Every row of a prepared `statement` (in the transaction on `connection`, if any).
    private func rows<Statement: PostgresPreparedStatement>(
        _ statement: Statement, on connection: PostgresConnection? = nil
    ) async throws -> [Statement.Row] {
        var rows: [Statement.Row] = []
        if let connection {
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
        } else {
            for try await row in try await client.execute(statement, logger: logger) { rows.append(row) }
        }
        return rows
    }

    /// Every row of `query` (in the transaction on `connection`, if any), made into a value.
    private func rows<Value>(
        _ query: PostgresQuery, on connection: PostgresConnection? = nil, _ value: (PostgresRow) throws -> Value
    ) async throws -> [Value] {
        let sequence: PostgresRowSequence
        if let connection {
            sequence = try await connection.query(query, logger: logger)
        } else {
            sequence = try await client.query(query, logger: logger)
        }
        return try await sequence.collect().map(value)
    }

    private func fetchAll(_ query: PostgresQuery) async throws -> [Mention] {
        try await rows(query, Self.mention(from:))
    }

    // MARK: Receiving

    public func receive(_ incoming: IncomingMention, actor: Actor) async throws -> ReceiveResult {
        try await receipts.submit(Receipt(incoming: incoming, actor: actor)) { batch in try await self.receive(batch) }
    }

    /// Receipts submitted together, in one transaction (one commit, one queue notification), the
    /// work per receipt kept small: every pair locked in one statement, every new pair (the common
    /// case) inserted with its event in one more, both prepared; a known pair takes the full path
    /// (read, ``MentionLifecycle``, update). A receipt refused as too soon changed nothing and fails
    /// alone; any other error fails the batch.
    private func receive(_ batch: [Receipt]) async throws -> [Result<ReceiveResult, any Error>] {
        // Pairs are locked in (source, target) order, as verification results lock them, so
        // batches (on one instance or several) never wait for each other in a cycle.
        let order = batch.indices.sorted { Self.pair(batch[$0]) < Self.pair(batch[$1]) }
        let json = try PostgresStatements.batch(order.map { batch[$0] })
        return try await transaction { connection in
            _ = try await self.rows(PostgresStatements.LockPairs(batch: json), on: connection)
            let now = self.clock.now()
            var created: [String: Mention] = [:]
            for mention in try await self.rows(PostgresStatements.InsertNewPairs(batch: json, now: now), on: connection) {
                created[mention.token] = mention
            }
            var results = [Result<ReceiveResult, any Error>?](repeating: nil, count: batch.count)
            for index in order {
                if let mention = created[batch[index].token] {
                    results[index] = .success(ReceiveResult(mention: mention, isNew: true))
                    continue
                }
                do {
                    results[index] = .success(try await self.resend(connection, batch[index], at: now))
                } catch StoreError.tooSoon(let id, let seconds) {
                    results[index] = .failure(StoreError.tooSoon(id: id, seconds: seconds))
                }
            }
            if results.contains(where: { if case .success = $0 { true } else { false } }) {
                try await self.notifyQueue(connection)
            }
            return results.map { $0! }  // every index is in `order`
        }
    }

    private static func pair(_ receipt: Receipt) -> (String, String) { (receipt.incoming.source, receipt.incoming.target) }

    /// Runs `body` on each item of `batch` in one transaction, in (source, target) order: receipts
    /// and verification results lock pairs in the same order, so batches (on one instance or
    /// several) never wait for each other in a cycle. An error `failsAlone` accepts (one thrown
    /// before anything was written) fails only its item; any other fails the batch. (Receipts
    /// keep the same order in ``receive(_:)``, which writes its new pairs in one statement.)
    private func inPairOrder<Item, Output: Sendable>(
        _ batch: [Item], pair: (Item) -> (String, String), failsAlone: (any Error) -> Bool,
        _ body: (PostgresConnection, Item) async throws -> Output
    ) async throws -> [Result<Output, any Error>] {
        let order = batch.indices.sorted { pair(batch[$0]) < pair(batch[$1]) }
        return try await transaction { connection in
            var results = [Result<Output, any Error>?](repeating: nil, count: batch.count)
            for index in order {
                do {
                    results[index] = .success(try await body(connection, batch[index]))
                } catch where failsAlone(error) {
                    results[index] = .failure(error)
                }
            }
            return results.map { $0! }  // every index is in `order`
        }
    }

    /// A re-send of a pair already stored (and locked): refused within the pair interval,
    /// otherwise back to the queue as the life-cycle says.
    private func resend(_ connection: PostgresConnection, _ receipt: Receipt, at now: Date) async throws -> ReceiveResult {
        let (incoming, actor) = (receipt.incoming, receipt.actor)
        guard let existing = try await pairForUpdate(connection, source: incoming.source, target: incoming.target) else {
            throw StoreError.notFound(id: 0)
        }
        if let wait = existing.pairWait(interval: incoming.pairInterval, now: now) {
            throw StoreError.tooSoon(id: existing.id, seconds: wait)
        }
        try await execute(connection, MentionWriteSQL.resend(existing, incoming, actor: actor, at: now))
        guard let updated = try await mention(connection, id: existing.id) else { throw StoreError.notFound(id: existing.id) }
        return ReceiveResult(mention: updated, isNew: false)
    }

    public func storeVerified(
        _ incoming: IncomingMention, status: MentionStatus, content: MentionContent, signals: SpamSignals, actor: Actor,
        received: Date?, expecting: Mention?
    ) async throws -> Mention {
        try await transaction { connection in
            try await self.lockPair(connection, source: incoming.source, target: incoming.target)
            let now = self.clock.now()
            let previous = try await self.pairForUpdate(connection, source: incoming.source, target: incoming.target)
            if let expecting, let changed = StoreError.changedSince(expecting, previous) { throw changed }
            if let previous, let wait = previous.pairWait(interval: incoming.pairInterval, now: now) {
                throw StoreError.tooSoon(id: previous.id, seconds: wait)
            }
            let id: Int64
            if let previous {
                id = previous.id
            } else {
                id = try await self.insertQueued(connection, incoming, actor: actor, at: received ?? now).id
            }
            if status == .queued { try await self.notifyQueue(connection) }
            try await self.execute(
                connection,
                MentionWriteSQL.storeVerified(
                    id: id, previous: previous, incoming, status: status, content: content, signals: signals, actor: actor,
                    at: now))
            guard let stored = try await self.mention(connection, id: id) else {
                throw StoreError.notFound(id: id)
            }
            return stored
        }
    }

    // MARK: Reading

    public func mention(id: Int64) async throws -> Mention? {
        try await rows(PostgresStatements.ByID(id: id)).first
    }

    public func mention(token: String) async throws -> Mention? {
        try await fetchAll("SELECT * FROM mentions WHERE token = \(token)").first
    }

    public func mention(source: String, target: String) async throws -> Mention? {
        try await fetchAll("SELECT * FROM mentions WHERE source = \(source) AND target = \(target)").first
    }

    public func list(_ query: MentionQuery) async throws -> [Mention] {
        let (sql, values) = MentionQuerySQL.list(query)
        return try await fetchAll(Self.query(sql, values))
    }

    public func approvedAliases(of ids: [Int64], includePrivate: Bool) async throws -> [Mention] {
        try await mentions(ids) { MentionQuerySQL.approvedAliases(of: $0, includePrivate: includePrivate) }
    }

    public func approvedMentions(fromSources sources: [String], includePrivate: Bool) async throws -> [Mention] {
        try await mentions(Array(Set(sources))) { MentionQuerySQL.approved(fromSources: $0, includePrivate: includePrivate) }
    }

    /// The mentions a statement selects for `keys`, 500 keys a statement.
    private func mentions<Key>(_ keys: [Key], _ statement: ([Key]) -> SQLStatement) async throws -> [Mention] {
        var found: [Mention] = []
        for start in stride(from: 0, to: keys.count, by: 500) {
            found += try await fetchAll(Self.query(statement(Array(keys[start..<min(start + 500, keys.count)]))))
        }
        return found
    }

    public func canonicalTargets(_ spellings: [String]) async throws -> [String: String] {
        guard !spellings.isEmpty else { return [:] }
        let pairs = try await rows(Self.query(MentionQuerySQL.canonicalTargets(spellings))) { try $0.decode((String, String).self) }
        return Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    public func recordSpelling(_ spelling: String, canonical: String) async throws {
        try await client.query(Self.query(MentionQuerySQL.recordSpelling(spelling, canonical: canonical, at: clock.now())), logger: logger)
    }

    public func changes(after eventID: Int64, scope: MentionQuery, scan: Int) async throws -> ChangeWindow {
        // Three reads, no transaction: the events are read by id range, and the mentions as they
        // are now, which is what a change shows.
        let window = try await rows(Self.query(MentionQuerySQL.eventWindow(after: eventID, scan: scan))) {
            try $0.decode((Int64, Date).self)
        }
        let scanned = window.prefix(scan).map { (id: $0.0, at: $0.1) }
        // Up to the first gap that may still be an open transaction (then nothing more at once).
        let through = EventHorizon.end(of: scanned, after: eventID, now: clock.now())
        let more = window.count > scan && through == scanned.last?.id
        let events = try await rows(Self.query(MentionQuerySQL.changes(after: eventID, through: through, scope: scope))) { row in
            (event: try Self.event(from: row),
             settled: try row.makeRandomAccess()["previous_settled"].decode(String?.self).flatMap(MentionStatus.init(rawValue:)))
        }
        let ids = Set(events.map(\.event.mentionID))
        var mentions: [Int64: Mention] = [:]
        if !ids.isEmpty {
            for mention in try await fetchAll(Self.query(MentionQuerySQL.byIDs(ids))) { mentions[mention.id] = mention }
        }
        let candidates = events.compactMap { item -> OutboxCandidate? in
            guard let mention = mentions[item.event.mentionID] else { return nil }
            return OutboxCandidate(event: item.event, mention: mention, previousSettled: item.settled)
        }
        return ChangeWindow(candidates: candidates, through: through, more: more)
    }

    public func textsLike(_ fingerprint: TextFingerprint, since: Date, excluding: Int64?, limit: Int, otherThanHost: String?)
        async throws -> [TextMatch]
    {
        let (sql, values) = MentionQuerySQL.textsLike(fingerprint, since: since, excluding: excluding, limit: limit)
        return try await rows(Self.query(sql, values)) { postgresRow in
            let row = postgresRow.makeRandomAccess()
            return TextMatch(
                id: try row["id"].decode(Int64.self), source: try row["source"].decode(String.self),
                decision: try row["decision"].decode(String?.self).flatMap(MentionStatus.init(rawValue:)),
                storedFingerprint: try row["fingerprint"].decode(String?.self))
        }.otherThan(host: otherThanHost)
    }

    public func countByType(_ query: MentionQuery) async throws -> [MentionType: Int] {
        try await countsByType(MentionQuerySQL.countByType(query))
    }

    public func aggregatedByType(_ query: MentionQuery) async throws -> [MentionType: Int] {
        guard let statement = MentionQuerySQL.aggregatedByType(query) else { return [:] }
        return try await countsByType(statement)
    }

    public func scoreCounts(_ tokens: [String], sourceHost: String?) async throws
        -> (counts: [String: SpamModel.Counts], hostApproved: Bool)
    {
        var counts: [String: SpamModel.Counts] = [:]
        for (token, good, bad) in try await rows(Self.query(ScoreSQL.counts(tokens)), { try $0.decode((String, Int, Int).self) }) {
            counts[token] = SpamModel.Counts(good: good, bad: bad)
        }
        guard let sourceHost else { return (counts, false) }
        return (counts, try await hasApprovedMention(fromHost: sourceHost))
    }

    public func learnScore() async throws -> Int {
        var learnt = 0
        while true {
            let (changed, more) = try await transaction { connection -> (Int, Bool) in
                // One learner at a time: two would learn the same events twice.
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.scoreLock))", logger: self.logger)
                let cursor = Int64(
                    try await self.rows(Self.query(TableSQL.setting(.scoreCursor)), on: connection) { try $0.decode(String.self) }
                        .first ?? "") ?? 0
                let read = try await self.rows(Self.query(ScoreSQL.events(after: cursor)), on: connection) {
                    try $0.decode((Int64, Int64, Date).self)
                }
                // Never past a decision that may still commit (``EventHorizon``).
                let end = EventHorizon.end(of: read.lazy.map { (id: $0.0, at: $0.2) }, after: cursor, now: self.clock.now())
                let events = read.filter { $0.0 <= end }
                guard let last = events.last?.0 else { return (0, false) }
                let changed = try await self.learn(connection, ids: Set(events.map(\.1)))
                try await self.execute(connection, [TableSQL.setSetting(.scoreCursor, to: String(last), at: self.clock.now())])
                return (changed, read.count == ScoreSQL.batch && events.count == read.count)
            }
            learnt += changed
            if !more { return learnt }
        }
    }

    public func retrainScore() async throws -> Int {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.scoreLock))", logger: self.logger)
            try await self.execute(connection, ScoreSQL.reset)
            let lastEvent = try await self.rows(Self.query(ScoreSQL.lastEvent), on: connection) { try $0.decode(Int64.self) }.first ?? 0
            var learnt = 0
            var after: Int64 = 0
            while true {
                let ids = try await self.rows(Self.query(ScoreSQL.mentions(after: after)), on: connection) {
                    try $0.makeRandomAccess()["id"].decode(Int64.self)
                }
                guard let last = ids.last else { break }
                learnt += try await self.learn(connection, ids: ids)
                after = last
            }
            try await self.execute(connection, [TableSQL.setSetting(.scoreCursor, to: String(lastEvent), at: self.clock.now())])
            return learnt
        }
    }

    /// The advisory lock that keeps learners apart.
    private static let scoreLock: Int64 = 0x6c62_5f73_636f_7265  // "lb_score"

    /// Learns the mentions `ids` as their rows are now (``ScoreSQL/learn(_:)``).
    private func learn(_ connection: PostgresConnection, ids: some Collection<Int64>) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let rows = try await self.rows(Self.query(MentionQuerySQL.byIDs(ids)), on: connection) { postgresRow in
            let row = postgresRow.makeRandomAccess()
            return ScoreSQL.LearningRow(
                mention: try Self.mention(from: postgresRow), label: try row["score_label"].decode(String?.self),
                learnt: try row["score_learnt"].decode(String?.self))
        }
        let (statements, changed) = ScoreSQL.learn(rows)
        try await execute(connection, statements)
        return changed
    }

    public func aggregate(_ incoming: IncomingMention, type: MentionType) async throws {
        try await transaction { connection in
            try await self.lockPair(connection, source: incoming.source, target: incoming.target)
            try await self.execute(connection, MentionWriteSQL.aggregate(incoming, type: type, at: self.clock.now()))
        }
    }

    private func countsByType(_ statement: (sql: String, values: [SQLValue])) async throws -> [MentionType: Int] {
        let (sql, values) = statement
        var counts: [MentionType: Int] = [:]
        for (type, count) in try await rows(Self.query(sql, values), { try $0.decode((String, Int).self) }) {
            if let type = MentionType(rawValue: type) { counts[type, default: 0] += count }
        }
        return counts
    }

    public func countByStatus() async throws -> [MentionStatus: Int] {
        var result = Dictionary(uniqueKeysWithValues: MentionStatus.allCases.map { ($0, 0) })
        for (status, count) in try await counts("SELECT status, COUNT(*) FROM mentions GROUP BY status") {
            if let status = MentionStatus(rawValue: status) { result[status] = count }
        }
        return result
    }

    public func events(mentionID: Int64) async throws -> [MentionEvent] {
        try await rows(Self.query(TableSQL.events(mentionID: mentionID)), Self.event(from:))
    }

    public func statistics() async throws -> StoreStatistics {
        let daily: [(String, String, Int)] = try await rows(
            """
            SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, type, COUNT(*) FROM mentions
            WHERE received_at >= \(StoreStatistics.firstDay(clock.now())) AND type IS NOT NULL
                AND status IN ('approved', 'pending')
            GROUP BY day, type
            """
        ) { row in try row.decode((String, String, Int).self) }
        return StoreStatistics(
            byStatus: try await counts("SELECT status, COUNT(*) FROM mentions GROUP BY status"),
            byProtocol: try await counts("SELECT protocol, COUNT(*) FROM mentions GROUP BY protocol"),
            byType: try await counts("SELECT type, COUNT(*) FROM mentions WHERE type IS NOT NULL GROUP BY type"),
            bySite: try await counts("SELECT site, COUNT(*) FROM mentions GROUP BY site"),
            byDayAndType: daily.reduce(into: [:]) { result, row in result[row.0, default: [:]][row.1] = row.2 })
    }

    private func counts(_ query: PostgresQuery) async throws -> [String: Int] {
        var result: [String: Int] = [:]
        for (key, count) in try await rows(query, { try $0.decode((String?, Int).self) }) {
            result[key ?? "-"] = count
        }
        return result
    }

    // MARK: Moderation

    @discardableResult
    public func transition(
        id: Int64, to status: MentionStatus, allowedFrom: Set<MentionStatus>?, actor: Actor, reason: String?,
        decision: Bool
    ) async throws -> Mention {
        try await transaction { connection in
            guard var mention = try await self.mention(connection, id: id, forUpdate: true) else {
                throw StoreError.notFound(id: id)
            }
            if let allowedFrom, !allowedFrom.contains(mention.status) {
                throw StoreError.conflict(id: id, status: mention.status)
            }
            let now = self.clock.now()
            try await self.execute(
                connection, MentionWriteSQL.transition(mention, to: status, actor: actor, reason: reason, decision: decision, at: now))
            if decision { mention.decision = status }
            mention.reverifying = false
            mention.status = status
            mention.reason = reason
            mention.updated = Self.rounded(now)
            return mention
        }
    }

    @discardableResult
    public func addBlock(kind: Block.Kind, value: String, reason: String?) async throws -> Block {
        try await client.query(Self.query(TableSQL.addBlock(kind: kind, value: value, reason: reason, at: clock.now())), logger: logger)
        guard let block = try await rows(Self.query(TableSQL.block(kind: kind, value: value)), Self.block(from:)).first
        else { throw StoreError.failed("block was not stored") }
        return block
    }

    @discardableResult
    public func removeBlock(kind: Block.Kind, value: String) async throws -> Bool {
        try await changed(TableSQL.removeBlock(kind: kind, value: value)) > 0
    }

    public func blocks() async throws -> [Block] {
        try await rows(Self.query(TableSQL.blocks), Self.block(from:))
    }

    public func blocklistCopies() async throws -> [BlocklistCopy] {
        try await rows(Self.query(TableSQL.blocklists)) { postgresRow in
            let row = postgresRow.makeRandomAccess()
            return BlocklistCopy(
                url: try row["url"].decode(String.self), entries: BlocklistEntries(stored: try row["entries"].decode(String.self)),
                fetched: try row["fetched_at"].decode(Date?.self), error: try row["error"].decode(String?.self))
        }
    }

    public func saveBlocklist(_ copy: BlocklistCopy) async throws {
        _ = try await changed(TableSQL.saveBlocklist(copy, at: clock.now()))
    }

    public func recordBlocklistFailure(url: String, error: String, at: Date) async throws {
        _ = try await changed(TableSQL.recordBlocklistFailure(url: url, error: error, at: at))
    }

    public func recordBans(_ bans: [Ban]) async throws {
        guard !bans.isEmpty else { return }
        try await transaction { connection in
            for ban in bans {
                try await connection.query(
                    """
                    INSERT INTO bans (address, until) VALUES (\(ban.address), \(ban.until))
                    ON CONFLICT (address) DO UPDATE SET until = GREATEST(bans.until, excluded.until)
                    """, logger: self.logger)
            }
            try await connection.query("DELETE FROM bans WHERE until < \(self.clock.now())", logger: self.logger)
        }
    }

    public func activeBans(now: Date) async throws -> [Ban] {
        try await rows("SELECT address, until FROM bans WHERE until > \(now) ORDER BY address") { row in
            let (address, until) = try row.decode((String, Date).self)
            return Ban(address: address, until: until)
        }
    }

    public func allowDomain(_ domain: String) async throws -> Bool {
        try await changed(TableSQL.allowDomain(domain, at: clock.now())) > 0
    }

    public func disallowDomain(_ domain: String) async throws -> Bool {
        try await changed(TableSQL.disallowDomain(domain)) > 0
    }

    public func markForRecheck(verifiedBefore: Date, limit: Int, at now: Date) async throws -> [Int64] {
        // A mention approved without a verification (an import, a moderator) counts from its
        // receipt; rows another instance is changing are skipped.
        let ids = try await rows(
            """
            UPDATE mentions SET reverify = TRUE, previous_status = 'approved', attempts = 0, claimed_at = NULL,
                next_attempt_at = NULL, revision = revision + 1
            WHERE id IN (
                SELECT id FROM mentions WHERE status = 'approved' AND NOT reverify AND NOT is_private
                    AND COALESCE(verified_at, received_at) < \(verifiedBefore)
                ORDER BY COALESCE(verified_at, received_at), id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            RETURNING id
            """
        ) { try $0.decode(Int64.self) }
        if !ids.isEmpty { try await client.query("SELECT pg_notify(\(Self.queueChannel), '')", logger: logger) }
        return ids.sorted()
    }

    public func planSends(source: String, targets: [String], at now: Date) async throws -> [OutgoingSend] {
        try await transaction { connection in
            // Targets linked at the last send are due again, as unlinked until found below.
            try await connection.query(
                """
                UPDATE sends SET linked = FALSE, state = 'queued', attempts = 0, next_attempt_at = \(now),
                    claimed_until = NULL, updated_at = \(now)
                WHERE source = \(source) AND linked
                """, logger: self.logger)
            for target in targets {
                try await connection.query(
                    """
                    INSERT INTO sends (source, target, linked, state, next_attempt_at, updated_at)
                    VALUES (\(source), \(target), TRUE, 'queued', \(now), \(now))
                    ON CONFLICT (source, target) DO UPDATE SET linked = TRUE, state = 'queued', attempts = 0,
                        next_attempt_at = excluded.next_attempt_at, claimed_until = NULL, updated_at = excluded.updated_at
                    """, logger: self.logger)
            }
            return try await self.rows(
                "SELECT * FROM sends WHERE source = \(source) ORDER BY target", on: connection, Self.send(from:))
        }
    }

    public func claimDueSends(source: String?, now: Date, lease: TimeInterval, limit: Int) async throws -> [OutgoingSend] {
        // Rows another instance is claiming right now are skipped, not waited for.
        try await rows(
            """
            UPDATE sends SET claimed_until = \(now.addingTimeInterval(lease))
            WHERE id IN (
                SELECT id FROM sends
                WHERE state = 'queued' AND next_attempt_at <= \(now) AND (claimed_until IS NULL OR claimed_until <= \(now))
                    AND (\(source)::text IS NULL OR source = \(source))
                ORDER BY next_attempt_at, id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """, Self.send(from:)
        ).sorted { ($0.nextAttemptAt ?? now, $0.id) < ($1.nextAttemptAt ?? now, $1.id) }
    }

    public func recordSend(
        id: Int64, state: OutgoingSend.State, result: String, endpoint: String?, nextAttemptAt: Date?, attempted: Bool,
        at now: Date
    ) async throws {
        try await client.query(
            """
            UPDATE sends SET state = \(state.rawValue), result = \(result), endpoint = COALESCE(\(endpoint), endpoint),
                attempts = attempts + \(attempted ? 1 : 0), next_attempt_at = \(nextAttemptAt), claimed_until = NULL, updated_at = \(now)
            WHERE id = \(id)
            """, logger: logger)
    }

    public func sends(source: String?, limit: Int) async throws -> [OutgoingSend] {
        try await rows(
            """
            SELECT * FROM sends WHERE \(source)::text IS NULL OR source = \(source)
            ORDER BY updated_at DESC, id DESC LIMIT \(limit)
            """, Self.send(from:))
    }

    private static func send(from postgresRow: PostgresRow) throws -> OutgoingSend {
        let row = postgresRow.makeRandomAccess()
        return OutgoingSend(
            id: try row["id"].decode(Int64.self), source: try row["source"].decode(String.self),
            target: try row["target"].decode(String.self), linked: try row["linked"].decode(Bool.self),
            state: OutgoingSend.State(rawValue: try row["state"].decode(String.self)) ?? .failed,
            result: try row["result"].decode(String?.self), endpoint: try row["endpoint"].decode(String?.self),
            attempts: try row["attempts"].decode(Int.self), nextAttemptAt: try row["next_attempt_at"].decode(Date?.self),
            updated: try row["updated_at"].decode(Date.self))
    }

    public func allowedDomains() async throws -> [String] {
        try await rows(Self.query(TableSQL.allowedDomains)) { try $0.decode(String.self) }
    }

    public func forget(_ subject: Forgotten.Subject, actor: Actor, dryRun: Bool) async throws -> [Mention] {
        let now = clock.now()
        let found = try await transaction { connection in
            let found = try await self.rows(Self.query(ForgetSQL.matching(subject)), on: connection, Self.mention(from:))
            if !dryRun { try await self.execute(connection, ForgetSQL.erase(found.map(\.id), subject: subject, actor: actor, at: now)) }
            return found
        }
        // What the spam score learnt of them leaves its counts.
        if !dryRun { _ = try await learnScore() }
        return found
    }

    public func forgetClients(before cutoff: Date) async throws -> Int {
        try await changed(ForgetSQL.clients(before: cutoff))
    }

    public func avatarReferences() async throws -> [String] {
        try await rows(PostgresQuery(unsafeSQL: ForgetSQL.avatarReferences)) { try $0.decode((String?, String?).self) }
            .flatMap { [$0.0, $0.1].compactMap { $0 } }
    }

    public func forgottenKeys() async throws -> [String] {
        try await rows(PostgresQuery(unsafeSQL: ForgetSQL.keys)) { try $0.decode(String.self) }
    }

    public func hasApprovedMention(fromHost host: String) async throws -> Bool {
        try await rows(PostgresStatements.ApprovedFromHost(host: host)).first ?? false
    }

    /// Runs a statement with a `RETURNING` clause; returns how many rows it returned.
    private func changed(_ query: PostgresQuery) async throws -> Int {
        try await client.query(query, logger: logger).collect().count
    }

    /// How many rows a shared statement (an INSERT or DELETE of ``TableSQL``) changed.
    private func changed(_ statement: SQLStatement) async throws -> Int {
        try await changed(Self.query(SQLStatement(statement.sql + " RETURNING 1", statement.values)))
    }

    // MARK: Verification queue

    public func claimQueued(limit: Int, now: Date) async throws -> [Mention] {
        let claim = PostgresStatements.ClaimQueued(now: now, expired: now.addingTimeInterval(-claimLease), limit: limit)
        return try await rows(claim).sorted { ($0.received, $0.id) < ($1.received, $1.id) }
    }

    public func complete(_ claimed: Mention, with result: VerificationResult, actor: Actor) async throws -> MentionStatus? {
        try await completions.submit(Completion(claimed: claimed, result: result, actor: actor)) { batch in
            try await self.complete(batch)
        }
    }

    /// Verification results submitted together, in one transaction (see ``inPairOrder``). A
    /// mention deleted meanwhile fails alone (nothing was written for it).
    private func complete(_ batch: [Completion]) async throws -> [Result<MentionStatus?, any Error>] {
        try await inPairOrder(
            batch, pair: { ($0.claimed.source, $0.claimed.target) },
            failsAlone: { if case StoreError.notFound = $0 { true } else { false } },
            { connection, completion in try await self.complete(connection, completion) })
    }

    private func complete(_ connection: PostgresConnection, _ completion: Completion) async throws -> MentionStatus? {
        let (claimed, result, actor) = (completion.claimed, completion.result, completion.actor)
        // The row locked and checked in one round trip; nothing read back after the write.
        let check = PostgresStatements.StillClaimed(id: claimed.id, revision: claimed.revision, status: claimed.status.rawValue)
        guard let stillClaimed = try await rows(check, on: connection).first else { throw StoreError.notFound(id: claimed.id) }
        guard stillClaimed else { return nil }
        let now = self.clock.now()
        try await execute(connection, MentionWriteSQL.complete(claimed: claimed, with: result, actor: actor, at: now))
        return result.status(after: claimed.status)
    }

    /// The channel `receive` notifies (on commit) when it queues work.
    package static let queueChannel = "linkback_queue"

    private func notifyQueue(_ connection: PostgresConnection) async throws {
        _ = try await rows(PostgresStatements.NotifyQueue(), on: connection)
    }

    /// One connection listens on ``queueChannel`` for as long as the stream is consumed,
    /// listening again a second after a lost connection.
    public func queueWakeUps() -> AsyncStream<Void>? {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let client = client
        let logger = logger
        let listener = Task {
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.queueChannel) { notifications in
                            for try await _ in notifications { continuation.yield() }
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("lost the queue notification channel; polling meanwhile", metadata: ["error": "\(Self.explain(error))"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in listener.cancel() }
        return stream
    }

    /// Nothing: another instance may be verifying what it claimed. Claims of an instance that
    /// died are taken over when their lease (``claimLease``) runs out.
    public func releaseClaims() async throws {}

    // MARK: Settings

    public func setting(_ key: StoreSetting) async throws -> String? {
        try await rows(Self.query(TableSQL.setting(key))) { try $0.decode(String.self) }.first
    }

    public func setSetting(_ key: StoreSetting, to value: String) async throws {
        try await client.query(Self.query(TableSQL.setSetting(key, to: value, at: clock.now())), logger: logger)
    }

    // MARK: Webhook outbox

    public func webhookBacklog(limit: Int) async throws -> (candidates: [OutboxCandidate], cursor: Int64) {
        try await backlog(cursorTable: "webhook_cursor", limit: limit)
    }

    /// The status changes after an outbox's cursor, with what classifying them needs; the first
    /// time, the cursor is set at the newest event (what came before is not announced).
    private func backlog(cursorTable: String, limit: Int) async throws -> (candidates: [OutboxCandidate], cursor: Int64) {
        try await transaction { connection in
            let newest = try await self.rows("SELECT COALESCE(MAX(id), 0) FROM events", on: connection) {
                try $0.decode(Int64.self)
            }.first ?? 0
            let stored = try await self.rows(
                "SELECT last_event_id FROM \(unescaped: cursorTable) WHERE id = 1", on: connection
            ) { try $0.decode(Int64.self) }.first
            guard let cursor = stored else {
                try await connection.query(
                    "INSERT INTO \(unescaped: cursorTable) (id, last_event_id) VALUES (1, \(newest)) ON CONFLICT (id) DO NOTHING",
                    logger: self.logger)
                return ([], newest)
            }
            var events = try await self.rows(
                "SELECT * FROM events WHERE id > \(cursor) ORDER BY id LIMIT \(limit)", on: connection, Self.event(from:))
            // Never past an event that may still commit (``EventHorizon``).
            let end = EventHorizon.end(of: events.lazy.map { (id: $0.id, at: $0.at) }, after: cursor, now: self.clock.now())
            events.removeAll { $0.id > end }
            var candidates: [OutboxCandidate] = []
            for event in events {
                guard let mention = try await self.mention(connection, id: event.mentionID)
                else { continue }
                let settled = try await self.rows(
                    """
                    SELECT to_status FROM events WHERE mention_id = \(event.mentionID) AND id < \(event.id)
                        AND to_status != 'queued'
                    ORDER BY id DESC LIMIT 1
                    """, on: connection
                ) { try $0.decode(String.self) }.first.flatMap(MentionStatus.init(rawValue:))
                candidates.append(OutboxCandidate(event: event, mention: mention, previousSettled: settled))
            }
            return (candidates, events.last?.id ?? cursor)
        }
    }

    /// The outbox's position in the event history; `nil` before webhooks first ran.
    private func webhookCursor(on connection: PostgresConnection? = nil) async throws -> Int64? {
        try await rows("SELECT last_event_id FROM webhook_cursor WHERE id = 1", on: connection) { try $0.decode(Int64.self) }.first
    }

    public func enqueueDeliveries(_ deliveries: [NewWebhookDelivery], cursor: Int64) async throws {
        try await transaction { connection in
            let now = self.clock.now()
            for delivery in deliveries {
                // Two instances may turn the same changes into deliveries: the pair (url, event) is unique.
                try await connection.query(
                    """
                    INSERT INTO webhook_deliveries (url, event, mention_id, event_id, payload, created_at, next_attempt_at)
                    VALUES (\(delivery.url), \(delivery.event.rawValue), \(delivery.mentionID), \(delivery.eventID),
                        \(delivery.payload), \(now), \(now))
                    ON CONFLICT (url, event_id) DO NOTHING
                    """, logger: self.logger)
            }
            try await connection.query(
                "UPDATE webhook_cursor SET last_event_id = GREATEST(last_event_id, \(cursor)) WHERE id = 1", logger: self.logger)
        }
    }

    public func dueDeliveries(now: Date) async throws -> [WebhookDelivery] {
        let until = now.addingTimeInterval(claimLease)
        return try await transaction { connection in
            // One instance picks at a time; what it picks is claimed for the lease, so no other
            // instance sends it (or the next one to the same URL) meanwhile.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.deliveryLock))", logger: self.logger)
            let due = try await self.rows(
                """
                SELECT * FROM webhook_deliveries AS d
                WHERE d.delivered_at IS NULL AND d.given_up_at IS NULL AND d.next_attempt_at <= \(now)
                    AND (d.claimed_until IS NULL OR d.claimed_until <= \(now))
                    AND d.id = (SELECT MIN(o.id) FROM webhook_deliveries AS o
                        WHERE o.url = d.url AND o.delivered_at IS NULL AND o.given_up_at IS NULL AND o.next_attempt_at <= \(now))
                    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS c
                        WHERE c.url = d.url AND c.delivered_at IS NULL AND c.given_up_at IS NULL AND c.claimed_until > \(now))
                ORDER BY d.id
                """, on: connection, Self.delivery(from:))
            if !due.isEmpty {
                try await connection.query(
                    "UPDATE webhook_deliveries SET claimed_until = \(until) WHERE id = ANY(\(due.map(\.id)))", logger: self.logger)
            }
            return due
        }
    }

    public func recordDelivery(id: Int64, outcome: DeliveryOutcome, at now: Date) async throws {
        switch outcome {
        case .delivered:
            try await client.query(
                """
                UPDATE webhook_deliveries SET attempts = attempts + 1, delivered_at = \(now), next_attempt_at = NULL,
                    last_error = NULL, claimed_until = NULL
                WHERE id = \(id)
                """, logger: logger)
        case .retry(let error, let next):
            try await client.query(
                """
                UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = \(next), last_error = \(error),
                    claimed_until = NULL
                WHERE id = \(id)
                """, logger: logger)
        case .gaveUp(let error):
            try await client.query(
                """
                UPDATE webhook_deliveries SET attempts = attempts + 1, given_up_at = \(now), next_attempt_at = NULL,
                    last_error = \(error), claimed_until = NULL
                WHERE id = \(id)
                """, logger: logger)
        }
    }

    public func deliveries(state: WebhookDelivery.State?, limit: Int) async throws -> [WebhookDelivery] {
        let condition: String
        switch state {
        case nil: condition = "TRUE"
        case .pending?: condition = "delivered_at IS NULL AND given_up_at IS NULL"
        case .delivered?: condition = "delivered_at IS NOT NULL"
        case .failed?: condition = "given_up_at IS NOT NULL"
        }
        return try await rows(
            "SELECT * FROM webhook_deliveries WHERE \(unescaped: condition) ORDER BY id DESC LIMIT \(limit)", Self.delivery(from:))
    }

    public func retryDeliveries(ids: [Int64]?, at now: Date) async throws -> Int {
        if let ids {
            return try await changed(
                """
                UPDATE webhook_deliveries SET given_up_at = NULL, next_attempt_at = \(now), created_at = \(now)
                WHERE id = ANY(\(ids)) AND delivered_at IS NULL
                RETURNING id
                """)
        }
        return try await changed(
            """
            UPDATE webhook_deliveries SET given_up_at = NULL, next_attempt_at = \(now), created_at = \(now)
            WHERE given_up_at IS NOT NULL
            RETURNING id
            """)
    }

    public func deliveryCounts() async throws -> [WebhookDelivery.State: Int] {
        let counts = try await rows(
            """
            SELECT COUNT(*) FILTER (WHERE delivered_at IS NULL AND given_up_at IS NULL),
                COUNT(*) FILTER (WHERE delivered_at IS NOT NULL), COUNT(*) FILTER (WHERE given_up_at IS NOT NULL)
            FROM webhook_deliveries
            """
        ) { try $0.decode((Int, Int, Int).self) }.first ?? (0, 0, 0)
        return [.pending: counts.0, .delivered: counts.1, .failed: counts.2]
    }

    // MARK: Notification outbox

    public func notificationBacklog(limit: Int) async throws -> (candidates: [OutboxCandidate], cursor: Int64) {
        try await backlog(cursorTable: "notification_cursor", limit: limit)
    }

    public func enqueueNotifications(_ items: [NewNotificationItem], cursor: Int64) async throws {
        let now = clock.now()
        try await transaction { connection in
            // Two instances may feed the same changes: (channel, event) is unique.
            try await self.execute(connection, items.map { NotificationSQL.enqueue($0, at: now) } + [NotificationSQL.moveCursor(to: cursor)])
        }
    }

    public func openNotifications(limit: Int) async throws -> [NotificationItem] {
        let items = try await rows(Self.query(NotificationSQL.openItems(limit: limit))) { postgresRow in
            let row = postgresRow.makeRandomAccess()
            return (
                id: try row["id"].decode(Int64.self), channel: try row["channel"].decode(String.self),
                event: try row["event"].decode(String.self), eventID: try row["event_id"].decode(Int64.self),
                mentionID: try row["mention_id"].decode(Int64.self), created: try row["created_at"].decode(Date.self))
        }
        let ids = Array(Set(items.map(\.mentionID)))
        var mentions: [Int64: Mention] = [:]
        if !ids.isEmpty {
            for mention in try await fetchAll("SELECT * FROM mentions WHERE id = ANY(\(ids))") { mentions[mention.id] = mention }
        }
        return items.compactMap { item in
            guard let mention = mentions[item.mentionID], let event = WebhookEvent(rawValue: item.event) else { return nil }
            return NotificationItem(id: item.id, channel: item.channel, event: event, eventID: item.eventID, created: item.created, mention: mention)
        }
    }

    public func composeNotification(
        channel: String, message: OutgoingNotification?, included: [Int64], leftOut: [Int64], at now: Date
    ) async throws {
        try await transaction { connection in
            if let message {
                let id = try await self.rows(
                    Self.query(NotificationSQL.insertMessage(channel: channel, body: NotificationSQL.encode(message), at: now)),
                    on: connection
                ) { try $0.decode(Int64.self) }.first ?? 0
                try await self.execute(connection, [NotificationSQL.assign(included, to: id)].compactMap { $0 })
            }
            try await self.execute(connection, [NotificationSQL.assign(leftOut, to: 0)].compactMap { $0 })
        }
    }

    public func dueNotifications(now: Date) async throws -> [NotificationMessage] {
        let until = now.addingTimeInterval(claimLease)
        return try await transaction { connection in
            // As webhook deliveries: one instance picks at a time and claims what it picked.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.notificationLock))", logger: self.logger)
            let due = try await self.rows(
                """
                SELECT m.* FROM (SELECT MIN(id) AS id FROM notification_messages
                        WHERE sent_at IS NULL AND given_up_at IS NULL GROUP BY channel) AS o
                    JOIN notification_messages AS m ON m.id = o.id
                WHERE m.next_attempt_at <= \(now) AND (m.claimed_until IS NULL OR m.claimed_until <= \(now))
                ORDER BY m.id
                """, on: connection, Self.notification(from:))
            if !due.isEmpty {
                try await connection.query(
                    "UPDATE notification_messages SET claimed_until = \(until) WHERE id = ANY(\(due.map(\.id)))", logger: self.logger)
            }
            return due
        }
    }

    public func recordNotification(id: Int64, outcome: DeliveryOutcome, at now: Date) async throws {
        try await transaction { connection in
            try await self.execute(connection, [
                NotificationSQL.record(id: id, outcome: outcome, at: now),
                SQLStatement("UPDATE notification_messages SET claimed_until = NULL WHERE id = ?", [.integer(id)]),
            ])
        }
    }

    public func notifications(state: WebhookDelivery.State?, limit: Int) async throws -> [NotificationMessage] {
        try await rows(Self.query(NotificationSQL.messages(state: state, limit: limit)), Self.notification(from:))
    }

    public func notificationCounts() async throws -> [WebhookDelivery.State: Int] {
        let counts = try await rows(Self.query(NotificationSQL.counts)) { try $0.decode((Int64, Int64, Int64).self) }.first ?? (Int64(0), Int64(0), Int64(0))
        return [.pending: Int(counts.0), .delivered: Int(counts.1), .failed: Int(counts.2)]
    }

    public func retryNotifications(ids: [Int64]?, at now: Date) async throws -> Int {
        if ids?.isEmpty == true { return 0 }
        return try await changed(NotificationSQL.retry(ids: ids, at: now))
    }

    public func linkKey() async throws -> [UInt8] {
        let now = clock.now()
        let stored = try await transaction { connection -> String in
            try await connection.query(
                Self.query(SQLStatement(
                    "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                    [.text(StoreSetting.linkKey.rawValue), .text(NotificationSQL.newLinkKey()), .date(now)])),
                logger: self.logger)
            return try await self.rows(Self.query(TableSQL.setting(.linkKey)), on: connection) { try $0.decode(String.self) }.first ?? ""
        }
        return Array(Data(base64Encoded: stored) ?? Data())
    }

    public func spendLink(nonce: String, at now: Date) async throws -> Bool {
        try await changed(NotificationSQL.spend(nonce: nonce, at: now)) == 1
    }

    private static let notificationLock: Int64 = 0x6c69_6e6b_6e6f_7465  // "linknote"

    private static func notification(from postgresRow: PostgresRow) throws -> NotificationMessage {
        let row = postgresRow.makeRandomAccess()
        return NotificationMessage(
            id: try row["id"].decode(Int64.self), channel: try row["channel"].decode(String.self),
            body: NotificationSQL.decode(try row["body"].decode(String.self)), created: try row["created_at"].decode(Date.self),
            attempts: Int(try row["attempts"].decode(Int64.self)), sentAt: try row["sent_at"].decode(Date?.self),
            givenUpAt: try row["given_up_at"].decode(Date?.self), lastError: try row["last_error"].decode(String?.self))
    }

    // MARK: Copying between stores

    public func exportMentions(afterID: Int64, limit: Int) async throws -> [Mention] {
        try await fetchAll(Self.query(TableSQL.page(of: .mentions, afterID: afterID, limit: limit)))
    }

    public func exportEvents(afterID: Int64, limit: Int) async throws -> [MentionEvent] {
        try await rows(Self.query(TableSQL.page(of: .events, afterID: afterID, limit: limit)), Self.event(from:))
    }

    public func exportDeliveries(afterID: Int64, limit: Int) async throws -> [WebhookDelivery] {
        try await rows(Self.query(TableSQL.page(of: .deliveries, afterID: afterID, limit: limit)), Self.delivery(from:))
    }

    public func exportState() async throws -> StoreRows {
        var settings: [StoreSetting: String] = [:]
        for (key, value) in try await rows("SELECT key, value FROM settings", { try $0.decode((String, String).self) }) {
            // The score's cursor is the store's own bookkeeping: a copy learns afresh.
            if let key = StoreSetting(rawValue: key), key != .scoreCursor { settings[key] = value }
        }
        return StoreRows(
            blocks: try await blocks(), allowedDomains: try await allowedDomains(), webhookCursor: try await webhookCursor(),
            settings: settings, sends: try await rows("SELECT * FROM sends ORDER BY id", Self.send(from:)),
            counted: try await rows("SELECT pair, target, site, type, at FROM aggregated ORDER BY pair") {
                try $0.decode((String, String, String, String, Date).self)
            }.compactMap { pair, target, site, type, at in
                MentionType(rawValue: type).map { CountedMention(pair: pair, target: target, site: site, type: $0, at: at) }
            },
            spellings: try await rows(PostgresQuery(unsafeSQL: MentionQuerySQL.allSpellings)) { try $0.decode((String, String, Date).self) }
                .map { TargetSpelling(spelling: $0.0, canonical: $0.1, seen: $0.2) })
    }

    public func importRows(_ rows: StoreRows) async throws {
        try await transaction { connection in
            for mention in rows.mentions {
                let content = mention.content
                try await connection.query(
                    """
                    INSERT INTO mentions (id, token, source, target, site, protocol, status, reason, client_ip, user_agent,
                        received_at, updated_at, verified_at, attempts, type, rsvp, title, excerpt, content_html, content_text,
                        author_name, author_url, author_photo, published, previous_status, revision, next_attempt_at, reverify,
                        last_received_at, vouch, children, is_private, decision, spam_reasons, fingerprint, spam_score,
                        score_reasons, score_tokens, target_as_sent, in_reply_to, same_as, alias_of)
                    VALUES (\(mention.id), \(mention.token), \(mention.source), \(mention.target), \(mention.site),
                        \(mention.protocol.rawValue), \(mention.status.rawValue), \(mention.reason), \(mention.clientIP),
                        \(mention.userAgent), \(mention.received), \(mention.updated), \(mention.verified), \(mention.attempts),
                        \(content?.type.rawValue), \(content?.rsvp), \(content?.title), \(content?.excerpt), \(content?.contentHTML),
                        \(content?.contentText), \(content?.authorName), \(content?.authorURL), \(content?.authorPhoto),
                        \(content?.published), \(mention.previousStatus?.rawValue), \(mention.revision), \(mention.nextAttemptAt),
                        \(mention.reverifying), \(mention.lastReceived), \(mention.vouch), \(MentionChild.stored(content?.children)),
                        \(mention.isPrivate), \(mention.decision?.rawValue),
                        \(SpamSignals(reasons: mention.spamReasons).storedReasons), \(mention.fingerprint?.stored),
                        \(mention.spamScore?.value), \(SpamSignals(score: mention.spamScore).storedScoreReasons),
                        \(SpamSignals(scoreTokens: mention.scoreTokens).storedScoreTokens), \(mention.targetAsSent),
                        \(MentionContent.storedURLs(content?.inReplyTo)), \(MentionContent.storedURLs(content?.sameAs)),
                        \(mention.aliasOf))
                    ON CONFLICT DO NOTHING
                    """, logger: self.logger)
                try await self.execute(connection, MentionWriteSQL.replaceURLs(id: mention.id, source: mention.source, sameAs: content?.sameAs))
                if let fingerprint = mention.fingerprint {
                    // The row's own bands: a copy repeated after an interruption writes the same ones.
                    try await self.execute(
                        connection, MentionWriteSQL.replaceBands(id: mention.id, fingerprint, at: mention.verified ?? self.clock.now()))
                }
            }
            for event in rows.events {
                try await connection.query(
                    """
                    INSERT INTO events (id, mention_id, at, actor, from_status, to_status, reason)
                    VALUES (\(event.id), \(event.mentionID), \(event.at), \(event.actor.rawValue), \(event.from?.rawValue),
                        \(event.to.rawValue), \(event.reason))
                    ON CONFLICT DO NOTHING
                    """, logger: self.logger)
            }
            for delivery in rows.deliveries {
                try await connection.query(
                    """
                    INSERT INTO webhook_deliveries (id, url, event, mention_id, event_id, payload, created_at, attempts,
                        next_attempt_at, delivered_at, given_up_at, last_error)
                    VALUES (\(delivery.id), \(delivery.url), \(delivery.event.rawValue), \(delivery.mentionID), \(delivery.eventID),
                        \(delivery.payload), \(delivery.created), \(delivery.attempts), \(delivery.nextAttemptAt),
                        \(delivery.deliveredAt), \(delivery.givenUpAt), \(delivery.lastError))
                    ON CONFLICT DO NOTHING
                    """, logger: self.logger)
            }
            for send in rows.sends {
                try await connection.query(
                    """
                    INSERT INTO sends (source, target, linked, state, result, endpoint, attempts, next_attempt_at, updated_at)
                    VALUES (\(send.source), \(send.target), \(send.linked), \(send.state.rawValue), \(send.result),
                        \(send.endpoint), \(send.attempts), \(send.nextAttemptAt), \(send.updated))
                    ON CONFLICT DO NOTHING
                    """, logger: self.logger)
            }
            for block in rows.blocks {
                try await connection.query(
                    """
                    INSERT INTO blocks (id, kind, value, reason, created_at)
                    VALUES (\(block.id), \(block.kind.rawValue), \(block.value), \(block.reason), \(block.created))
                    ON CONFLICT DO NOTHING
                    """, logger: self.logger)
            }
            for domain in rows.allowedDomains {
                try await connection.query(
                    "INSERT INTO allowed_domains (domain, created_at) VALUES (\(domain), \(self.clock.now())) ON CONFLICT DO NOTHING",
                    logger: self.logger)
            }
            try await self.execute(connection, rows.counted.map(MentionWriteSQL.count))
            try await self.execute(
                connection, rows.spellings.map { MentionQuerySQL.recordSpelling($0.spelling, canonical: $0.canonical, at: $0.seen) })
            if let cursor = rows.webhookCursor {
                try await connection.query(
                    """
                    INSERT INTO webhook_cursor (id, last_event_id) VALUES (1, \(cursor))
                    ON CONFLICT (id) DO UPDATE SET last_event_id = GREATEST(webhook_cursor.last_event_id, excluded.last_event_id)
                    """, logger: self.logger)
            }
            for (key, value) in rows.settings {
                try await connection.query(
                    """
                    INSERT INTO settings (key, value, updated_at) VALUES (\(key.rawValue), \(value), \(self.clock.now()))
                    ON CONFLICT DO NOTHING
                    """, logger: self.logger)
            }
            // Rows written with their ids: new rows must be numbered after them.
            for table in ["mentions", "events", "webhook_deliveries", "blocks"] {
                try await connection.query(
                    """
                    SELECT setval(pg_get_serial_sequence('\(unescaped: table)', 'id'),
                        GREATEST((SELECT COALESCE(MAX(id), 0) FROM \(unescaped: table)), 1),
                        (SELECT COUNT(*) > 0 FROM \(unescaped: table)))
                    """, logger: self.logger)
            }
        }
    }

    public func rowCounts() async throws -> StoreRowCounts {
        let counts = try await rows(
            """
            SELECT (SELECT COUNT(*) FROM mentions), (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM webhook_deliveries),
                (SELECT COUNT(*) FROM blocks), (SELECT COUNT(*) FROM allowed_domains)
            """
        ) { try $0.decode((Int, Int, Int, Int, Int).self) }
        guard let (mentions, events, deliveries, blocks, domains) = counts.first else { throw StoreError.failed("no counts") }
        return StoreRowCounts(mentions: mentions, events: events, deliveries: deliveries, blocks: blocks, allowedDomains: domains)
    }

    // MARK: - Rows

    /// Inserts a queued mention and its "received" event in one statement (its pair locked and not
    /// stored); returns the row.
    private func insertQueued(_ connection: PostgresConnection, _ incoming: IncomingMention, actor: Actor, at now: Date)
        async throws -> Mention
    {
        if let wanted = incoming.importedID {
            try await execute(connection, [MentionWriteSQL.insertImported(id: wanted, token: Token.make(), incoming, at: now)])
            if let inserted = try await mention(connection, id: wanted), inserted.source == incoming.source,
                inserted.target == incoming.target
            {
                try await execute(
                    connection, [MentionWriteSQL.event(wanted, actor: actor, from: nil, to: .queued, reason: "received", at: now)])
                // New rows are numbered above the largest id, and never below where numbering was.
                try await connection.query(
                    """
                    SELECT setval(pg_get_serial_sequence('mentions', 'id'),
                        GREATEST((SELECT MAX(id) FROM mentions), nextval(pg_get_serial_sequence('mentions', 'id'))))
                    """, logger: logger)
                return inserted
            }
        }
        let insert = PostgresStatements.InsertNewPairs(
            batch: try PostgresStatements.batch([Receipt(incoming: incoming, actor: actor)]), now: now)
        guard let inserted = try await rows(insert, on: connection).first else {
            throw StoreError.failed("mention was not stored")
        }
        return inserted
    }

    /// Runs shared statements (``MentionWriteSQL``) in order.
    private func execute(_ connection: PostgresConnection, _ statements: [SQLStatement]) async throws {
        for statement in statements { try await connection.query(Self.query(statement), logger: logger) }
    }

    /// A shared statement (``MentionWriteSQL``, ``TableSQL``).
    private static func query(_ statement: SQLStatement) -> PostgresQuery {
        query(statement.sql, statement.values)
    }

    /// A query with `?` placeholders and their values.
    private static func query(_ sql: String, _ values: [SQLValue]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): bindings.append(text)
            case .integer(let integer): bindings.append(integer)
            case .double(let double): bindings.append(double)
            case .date(let date): bindings.append(date)
            case .bool(let bool): bindings.append(bool)
            case .null: bindings.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: MentionQuerySQL.numbered(sql), binds: bindings)
    }

    /// PostgreSQL keeps microseconds: a date as it reads back.
    private static func rounded(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
    }

    static func mention(from postgresRow: PostgresRow) throws -> Mention {
        let row = postgresRow.makeRandomAccess()
        var content: MentionContent?
        if let type = try row["type"].decode(String?.self).flatMap(MentionType.init(rawValue:)) {
            content = MentionContent(
                type: type, rsvp: try row["rsvp"].decode(String?.self), title: try row["title"].decode(String?.self),
                excerpt: try row["excerpt"].decode(String?.self), contentHTML: try row["content_html"].decode(String?.self),
                contentText: try row["content_text"].decode(String?.self), authorName: try row["author_name"].decode(String?.self),
                authorURL: try row["author_url"].decode(String?.self), authorPhoto: try row["author_photo"].decode(String?.self),
                published: try row["published"].decode(String?.self),
                children: MentionChild.fromStored(try row["children"].decode(String?.self)),
                inReplyTo: MentionContent.urls(stored: try row["in_reply_to"].decode(String?.self)),
                sameAs: MentionContent.urls(stored: try row["same_as"].decode(String?.self)))
        }
        return Mention(
            id: try row["id"].decode(Int64.self), token: try row["token"].decode(String.self),
            source: try row["source"].decode(String.self), target: try row["target"].decode(String.self),
            site: try row["site"].decode(String.self),
            protocol: MentionProtocol(rawValue: try row["protocol"].decode(String.self)) ?? .webmention,
            status: MentionStatus(rawValue: try row["status"].decode(String.self)) ?? .queued,
            reason: try row["reason"].decode(String?.self), clientIP: try row["client_ip"].decode(String?.self),
            userAgent: try row["user_agent"].decode(String?.self), received: try row["received_at"].decode(Date.self),
            updated: try row["updated_at"].decode(Date.self), verified: try row["verified_at"].decode(Date?.self),
            attempts: try row["attempts"].decode(Int.self), content: content,
            previousStatus: try row["previous_status"].decode(String?.self).flatMap(MentionStatus.init(rawValue:)),
            revision: try row["revision"].decode(Int.self), nextAttemptAt: try row["next_attempt_at"].decode(Date?.self),
            reverifying: try row["reverify"].decode(Bool.self), lastReceived: try row["last_received_at"].decode(Date.self),
            vouch: try row["vouch"].decode(String?.self), isPrivate: try row["is_private"].decode(Bool.self),
            decision: try row["decision"].decode(String?.self).flatMap(MentionStatus.init(rawValue:)),
            spamReasons: SpamSignals.reasons(stored: try row["spam_reasons"].decode(String?.self)),
            fingerprint: try row["fingerprint"].decode(String?.self).flatMap(TextFingerprint.init(stored:)),
            spamScore: SpamSignals.score(
                stored: try row["spam_score"].decode(Double?.self), reasons: try row["score_reasons"].decode(String?.self)),
            scoreTokens: SpamSignals.scoreTokens(stored: try row["score_tokens"].decode(String?.self)),
            targetAsSent: try row["target_as_sent"].decode(String?.self), aliasOf: try row["alias_of"].decode(Int64?.self))
    }

    private static func event(from postgresRow: PostgresRow) throws -> MentionEvent {
        let row = postgresRow.makeRandomAccess()
        return MentionEvent(
            id: try row["id"].decode(Int64.self), mentionID: try row["mention_id"].decode(Int64.self),
            at: try row["at"].decode(Date.self), actor: Actor(rawValue: try row["actor"].decode(String.self)) ?? .server,
            from: try row["from_status"].decode(String?.self).flatMap(MentionStatus.init(rawValue:)),
            to: MentionStatus(rawValue: try row["to_status"].decode(String.self)) ?? .queued,
            reason: try row["reason"].decode(String?.self))
    }

    private static func delivery(from postgresRow: PostgresRow) throws -> WebhookDelivery {
        let row = postgresRow.makeRandomAccess()
        var payload = try row["payload"].decode(ByteBuffer.self)
        return WebhookDelivery(
            id: try row["id"].decode(Int64.self), url: try row["url"].decode(String.self),
            event: WebhookEvent(rawValue: try row["event"].decode(String.self)) ?? .approved,
            mentionID: try row["mention_id"].decode(Int64.self), eventID: try row["event_id"].decode(Int64.self),
            payload: Data(payload.readBytes(length: payload.readableBytes) ?? []), created: try row["created_at"].decode(Date.self),
            attempts: try row["attempts"].decode(Int.self), nextAttemptAt: try row["next_attempt_at"].decode(Date?.self),
            deliveredAt: try row["delivered_at"].decode(Date?.self), givenUpAt: try row["given_up_at"].decode(Date?.self),
            lastError: try row["last_error"].decode(String?.self))
    }

    private static func block(from postgresRow: PostgresRow) throws -> Block {
        let row = postgresRow.makeRandomAccess()
        return Block(
            id: try row["id"].decode(Int64.self), kind: Block.Kind(rawValue: try row["kind"].decode(String.self)) ?? .domain,
            value: try row["value"].decode(String.self), reason: try row["reason"].decode(String?.self),
            created: try row["created_at"].decode(Date.self))
    }

    package static func explain(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying {
                // NIO's connection errors name each address tried; the first cause says enough.
                if let io = underlying as? IOError { return io.description }
                let text = String(describing: underlying)
                if text.contains("connectionRefused") || text.contains("Connection refused") {
                    return "connection refused (is PostgreSQL running and listening there?)"
                }
                return text
            }
            return "\(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.commitError, error.rollbackError].compactMap { $0 }
                .map(explain).first ?? "transaction failed"
        }
        return String(describing: error)
    }
}

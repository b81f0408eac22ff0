import Foundation
import LinkbackTestSupport
import Synchronization
import Testing

@testable import LinkbackKit
@testable import LinkbackStore

/// What only a store shared by several instances must do, on a real PostgreSQL: migrate once when
/// instances start together, refuse a newer schema, hand each queued mention and each webhook
/// delivery to one instance at a time, take over the claims of an instance that stopped, and
/// apply a compare-and-set moderation once. (Everything else is in ``StoreConformanceTests``.)
@Suite(.enabled(if: StoreKind.postgresTested, "LINKBACK_TEST_STORES leaves PostgreSQL out")) struct PostgresStoreTests {
    /// A new database and its location.
    private func database() async throws -> (location: PostgresLocation, name: String) {
        let url = try await PostgresCluster.makeDatabase("pg")
        guard case .success(let location) = PostgresLocation.parse(url + "?sslmode=disable") else {
            throw FixtureFailure("cannot parse \(url)")
        }
        return (location, location.database)
    }

    private func open(_ location: PostgresLocation, lease: TimeInterval = 30) async throws -> PostgresMentionStore {
        try await PostgresMentionStore(location: location, claimLease: lease)
    }

    private func incoming(_ index: Int) -> IncomingMention {
        IncomingMention(
            source: "https://s\(index).example/post", target: "https://blog.example/p", site: "blog.example", protocol: .webmention)
    }

    @Test func instancesStartingTogetherMigrateOnce() async throws {
        let (location, name) = try await database()
        let stores = try await withThrowingTaskGroup(of: PostgresMentionStore.self) { group in
            for _ in 0..<4 { group.addTask { try await self.open(location) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 4)
        let cluster = try await PostgresCluster.shared()
        let applied = try await cluster.psql("SELECT string_agg(name, ',' ORDER BY name) FROM linkback_migrations", database: name)
        #expect(applied == PostgresMigrations.all.map(\.name).joined(separator: ","))
        #expect(try await stores[0].schemaState() == .current(PostgresMigrations.all.last!.name))
        for store in stores { try await store.close() }
    }

    /// Receipts arriving together are committed together (one transaction per batch): each still
    /// gets its own answer, and one refused as too soon fails alone.
    @Test func concurrentReceiptsEachGetTheirOwnAnswer() async throws {
        let (location, _) = try await database()
        let store = try await open(location)
        var twice = incoming(0)
        twice.pairInterval = 3600
        let items = (0..<40).map { incoming($0) } + [twice, twice]
        let outcomes = await withTaskGroup(of: String.self) { group in
            for item in items {
                group.addTask {
                    do {
                        let result = try await store.receive(item, actor: .server)
                        return result.isNew ? "new \(result.mention.source)" : "updated \(result.mention.source)"
                    } catch let error as StoreError {
                        if case .tooSoon = error { return "too soon" }
                        return "\(error)"
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        // Pair 0 arrives three times: new, then updated (no interval) or too soon (an hour's).
        #expect(outcomes.filter { $0.hasPrefix("new ") }.count == 40, "\(outcomes)")
        #expect(Set(outcomes.filter { $0.hasPrefix("new ") }).count == 40)
        #expect(outcomes.filter { $0 == "too soon" }.count >= 1, "\(outcomes)")
        #expect(outcomes.allSatisfy { $0.hasPrefix("new ") || $0.hasPrefix("updated ") || $0 == "too soon" }, "\(outcomes)")
        #expect(try await store.countByStatus()[.queued] == 40)
        try await store.close()
    }

    /// Verification results arriving together are committed together: each mention gets its own
    /// answer, and one re-sent since it was claimed is left to its next verification (nil).
    @Test func concurrentResultsEachGetTheirOwnAnswer() async throws {
        let (location, _) = try await database()
        let store = try await open(location)
        for index in 0..<20 { _ = try await store.receive(incoming(index), actor: .server) }
        let claimed = try await store.claimQueued(limit: 20, now: Date())
        #expect(claimed.count == 20)
        _ = try await store.receive(incoming(7), actor: .server)
        let answers = await withTaskGroup(of: (String, String).self) { group in
            for mention in claimed {
                group.addTask {
                    let result = VerificationResult.verified(status: .approved, content: MentionContent(type: .reply))
                    do {
                        let stored = try await store.complete(mention, with: result, actor: .server)
                        return (mention.source, stored.map { "\($0)" } ?? "stale")
                    } catch {
                        return (mention.source, "\(error)")
                    }
                }
            }
            return await group.reduce(into: [String: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 20)
        #expect(answers[incoming(7).source] == "stale", "\(answers)")
        #expect(answers.filter { $0.value == "approved" }.count == 19, "\(answers)")
        let counts = try await store.countByStatus()
        #expect(counts[.approved] == 19 && counts[.queued] == 1, "\(counts)")
        try await store.close()
    }

    @Test func refusesASchemaFromANewerLinkback() async throws {
        let (location, name) = try await database()
        try await open(location).close()
        let cluster = try await PostgresCluster.shared()
        try await cluster.psql("INSERT INTO linkback_migrations VALUES ('999-from-the-future', now())", database: name)
        await #expect(throws: StoreError.newerSchema(path: location.description)) { try await self.open(location) }
    }

    @Test func aWrongPasswordOrAMissingServerIsOneClearError() async throws {
        var (location, _) = try await database()
        location.port = try FreePort.find()
        do {
            _ = try await PostgresMentionStore(location: location)
            Issue.record("opened a database on a closed port")
        } catch {
            #expect("\(error)".hasPrefix("\(location): cannot open the database"), "\(error)")
        }
    }

    /// Two instances claiming at once from 200 queued mentions: each mention goes to exactly one.
    @Test func twoInstancesNeverClaimTheSameMention() async throws {
        let (location, _) = try await database()
        let first = try await open(location)
        let second = try await open(location)
        for index in 0..<200 { _ = try await first.receive(incoming(index), actor: .server) }
        let now = Date()
        func drain(_ store: PostgresMentionStore) async throws -> [Int64] {
            var ids: [Int64] = []
            while true {
                let claimed = try await store.claimQueued(limit: 7, now: now)
                if claimed.isEmpty { return ids }
                ids += claimed.map(\.id)
            }
        }
        async let a = drain(first)
        async let b = drain(second)
        let (fromFirst, fromSecond) = try await (a, b)
        #expect(fromFirst.count + fromSecond.count == 200)
        #expect(Set(fromFirst).isDisjoint(with: fromSecond))
        #expect(Set(fromFirst + fromSecond).count == 200)
        try await first.close()
        try await second.close()
    }

    /// The statements every verification runs keep to their indexes under the generic plan a
    /// prepared statement falls back to, on 16,000 mentions whose statistics are stale (taken when
    /// none was queued, as after a burst on a new database): a claim once hash-joined a sequential
    /// scan of the table, then, with stale statistics, read and sorted every queued row (4–5 ms,
    /// one claim per verification); the host lookup filtered every approved mention.
    @Test func perVerificationStatementsKeepToTheirIndexesUnderAGenericPlan() async throws {
        let (location, name) = try await database()
        try await open(location).close()
        let cluster = try await PostgresCluster.shared()
        _ = try await cluster.psql(
            """
            ALTER TABLE mentions SET (autovacuum_enabled = false);
            INSERT INTO mentions (token, source, target, site, protocol, status, received_at, updated_at, last_received_at)
            SELECT 't' || g, 'https://s' || g || '.example/post', 'https://blog.example/p', 'blog.example', 'webmention',
                'approved', now() - interval '1 hour' + g * interval '10 ms', now(), now()
            FROM generate_series(1, 16000) g;
            ANALYZE mentions;
            UPDATE mentions SET status = 'queued', claimed_at = CASE WHEN id <= 8032 THEN now() END WHERE id > 8000
            """, database: name)
        func genericPlan(_ sql: String, _ arguments: String) async throws -> String {
            try await cluster.psql(
                "SET plan_cache_mode = force_generic_plan; PREPARE p AS \(sql); EXPLAIN EXECUTE p(\(arguments))", database: name)
        }
        let claim = try await genericPlan(PostgresStatements.ClaimQueued.sql, "now(), now() - interval '5 minutes', 8")
        #expect(!claim.contains("Seq Scan") && !claim.contains("Bitmap Heap Scan"), "\(claim)")
        // The queue is walked in order and the walk stops at the limit: nothing sorts it first.
        let lines = claim.split(separator: "\n")
        let walk = try #require(lines.firstIndex { $0.contains("Index Scan using mentions_status") }, "\(claim)")
        #expect(walk > 0 && lines[walk - 1].contains("->  Limit"), "\(claim)")
        #expect(claim.contains("Index Scan using mentions_pkey"), "\(claim)")
        let ranges = SourceHostRanges.of("nowhere.example").flatMap { [$0.lower, $0.upper] }
        let host = try await genericPlan(PostgresStatements.ApprovedFromHost.sql, ranges.map { "'\($0)'" }.joined(separator: ", "))
        #expect(!host.contains("Seq Scan") && !host.contains("Filter:"), "\(host)")
        #expect(host.components(separatedBy: "Index Cond: ((source >= $").count - 1 == 4, "\(host)")
    }

    /// An instance that claimed and then died: another takes the work over after the lease,
    /// not before, and the dead instance's late result (if it ever comes) is not applied twice.
    @Test func claimsOfAStoppedInstanceAreTakenOverAfterTheLease() async throws {
        let (location, _) = try await database()
        let dying = try await open(location, lease: 30)
        let survivor = try await open(location, lease: 30)
        let id = try await dying.receive(incoming(1), actor: .server).mention.id
        let now = Date()
        let claimed = try await dying.claimQueued(limit: 5, now: now)
        #expect(claimed.map(\.id) == [id])
        try await dying.close()
        try await survivor.releaseClaims()
        #expect(try await survivor.claimQueued(limit: 5, now: now.addingTimeInterval(29)).isEmpty)
        let takenOver = try await survivor.claimQueued(limit: 5, now: now.addingTimeInterval(31))
        #expect(takenOver.map(\.id) == [id])
        let done = try await survivor.complete(
            takenOver[0], with: .verified(status: .approved, content: MentionContent()), actor: .server)
        #expect(done == .approved)
        // The first claim's result arriving late changes nothing.
        #expect(try await survivor.complete(claimed[0], with: .failed(status: .rejected, reason: "no-link"), actor: .server) == nil)
        #expect(try await survivor.mention(id: id)?.status == .approved)
        try await survivor.close()
    }

    /// A webhook delivery is sent by one instance: while one holds it, the other sees nothing
    /// due for that URL; a retry frees it; a lease that runs out frees it too.
    @Test func aWebhookDeliveryIsClaimedByOneInstanceAtATime() async throws {
        let (location, _) = try await database()
        let first = try await open(location, lease: 30)
        let second = try await open(location, lease: 30)
        let mention = try await first.receive(incoming(1), actor: .server).mention
        try await first.enqueueDeliveries(
            [
                NewWebhookDelivery(url: "https://hooks.example/a", event: .approved, mentionID: mention.id, eventID: 1, payload: Data("1".utf8)),
                NewWebhookDelivery(url: "https://hooks.example/a", event: .updated, mentionID: mention.id, eventID: 2, payload: Data("2".utf8)),
            ], cursor: 0)
        // Both instances turning the same change into deliveries store it once.
        try await second.enqueueDeliveries(
            [NewWebhookDelivery(url: "https://hooks.example/a", event: .approved, mentionID: mention.id, eventID: 1, payload: Data("1".utf8))],
            cursor: 0)
        #expect(try await first.deliveries(state: .pending, limit: 10).count == 2)
        let now = Date()
        let held = try await first.dueDeliveries(now: now)
        #expect(held.map(\.eventID) == [1])
        #expect(try await second.dueDeliveries(now: now).isEmpty)
        try await first.recordDelivery(id: held[0].id, outcome: .retry(error: "503", nextAttempt: now), at: now)
        let retried = try await second.dueDeliveries(now: now)
        #expect(retried.map(\.eventID) == [1])
        #expect(try await first.dueDeliveries(now: now.addingTimeInterval(29)).isEmpty)
        #expect(try await first.dueDeliveries(now: now.addingTimeInterval(31)).map(\.eventID) == [1])
        try await first.close()
        try await second.close()
    }

    /// An event numbered before another but committed after it (its transaction still open while
    /// the other commits) is not skipped: the changes feed and the webhook outbox stop before it
    /// until it commits, then read both.
    @Test func anEventCommittedLateIsNotSkipped() async throws {
        let (location, name) = try await database()
        let store = try await open(location)
        let cluster = try await PostgresCluster.shared()
        let first = try await store.receive(incoming(1), actor: .server).mention
        let (_, start) = try await store.webhookBacklog(limit: 100)
        let scope = MentionQuery(limit: 100)
        func sequence() async throws -> Int64 { Int64(try await cluster.psql("SELECT last_value FROM events_id_seq", database: name)) ?? 0 }
        let before = try await sequence()
        // Another writer takes the next id and keeps its transaction open for a while.
        let slow = Task {
            try await cluster.psql("""
                BEGIN; INSERT INTO events (mention_id, at, actor, from_status, to_status)
                VALUES (\(first.id), now(), 'moderator', 'queued', 'approved'); SELECT pg_sleep(3); COMMIT;
                """, database: name)
        }
        while try await sequence() == before { try await Task.sleep(for: .milliseconds(20)) }
        let late = before + 1
        // Meanwhile this receipt's event (a higher id) commits.
        _ = try await store.receive(incoming(2), actor: .server)
        #expect(try await sequence() > late)
        let held = try await store.changes(after: start, scope: scope, scan: 100)
        #expect(held.through == late - 1 && held.candidates.isEmpty && !held.more, "\(held.through)")
        #expect(try await store.webhookBacklog(limit: 100).cursor == start)
        _ = try await slow.value
        let all = try await store.changes(after: start, scope: scope, scan: 100)
        #expect(all.through > late && all.candidates.map(\.event.id).contains(late), "\(all.candidates.map(\.event.id))")
        let backlog = try await store.webhookBacklog(limit: 100)
        #expect(backlog.cursor == all.through && backlog.candidates.map(\.event.id).contains(late))
        try await store.close()
    }

    /// Twenty moderators approving the same pending mention through two instances at once:
    /// one succeeds, the rest get a conflict, and the history has one approval.
    @Test func concurrentModerationFromTwoInstancesAppliesOnce() async throws {
        let (location, _) = try await database()
        let first = try await open(location)
        let second = try await open(location)
        let id = try await first.receive(incoming(1), actor: .server).mention.id
        try await first.transition(id: id, to: .pending, actor: .server, reason: nil)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                let store = index.isMultiple(of: 2) ? first : second
                group.addTask {
                    (try? await store.decide(id: id, to: .approved, allowedFrom: [.pending], actor: .adminAPI, reason: nil))
                        != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await first.events(mentionID: id).filter { $0.to == .approved }.count == 1)
        try await first.close()
        try await second.close()
    }

    /// A receipt through one instance wakes the other's queue at once (NOTIFY on commit), not
    /// at its next poll; SQLite has no other instance to wake.
    @Test func aReceiptWakesTheOtherInstancesQueue() async throws {
        let (location, _) = try await database()
        let sender = try await open(location)
        let listener = try await open(location)
        let wakeUps = try #require(listener.queueWakeUps())
        let heard = Locked(false)
        let woken = Task {
            var iterator = wakeUps.makeAsyncIterator()
            let got = await iterator.next() != nil
            heard.withLock { $0 = got }
            return got
        }
        // The listening connection comes up in the background: send until it hears one.
        var sent = 0
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            _ = try await sender.receive(incoming(sent), actor: .server)
            sent += 1
            try await Task.sleep(for: .milliseconds(100))
            if heard.current { break }
        }
        if !heard.current { woken.cancel() }
        #expect(await woken.value, "no wake-up after \(sent) receipts")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(try SQLiteMentionStore(path: directory.file("x.sqlite")).queueWakeUps() == nil)
        try await sender.close()
        try await listener.close()
    }

    /// Concurrent receipts of one new pair through two instances store one row.
    @Test func concurrentReceiptsOfOnePairStoreOneMention() async throws {
        let (location, _) = try await database()
        let first = try await open(location)
        let second = try await open(location)
        let results = try await withThrowingTaskGroup(of: ReceiveResult.self) { group in
            for index in 0..<10 {
                let store = index.isMultiple(of: 2) ? first : second
                group.addTask { try await store.receive(self.incoming(1), actor: .server) }
            }
            return try await group.reduce(into: [ReceiveResult]()) { $0.append($1) }
        }
        #expect(results.filter(\.isNew).count == 1)
        #expect(Set(results.map(\.mention.id)).count == 1)
        #expect(try await first.list(MentionQuery()).count == 1)
        try await first.close()
        try await second.close()
    }
}

/// `database.url`, its password sources and its redaction.
@Suite struct PostgresLocationTests {
    @Test func parsesWhatOperatorsWrite() throws {
        guard case .success(let location) = PostgresLocation.parse("postgres://linkback:s%40cret@db.example:6543/mentions?sslmode=require")
        else { Issue.record("not parsed"); return }
        #expect(location == PostgresLocation(
            host: "db.example", port: 6543, user: "linkback", password: "s@cret", database: "mentions", tls: .require))
        #expect(location.description == "postgres://linkback@db.example:6543/mentions")
        guard case .success(let plain) = PostgresLocation.parse("postgresql://me@localhost/db") else {
            Issue.record("not parsed"); return
        }
        #expect(plain.port == 5432 && plain.tls == .prefer && plain.password == nil)
    }

    @Test(arguments: [
        ("mysql://u@h/db", "expected postgres://user@host/database"),
        ("postgres://h/db", "names no user"),
        ("postgres://u@h/", "names no database"),
        ("postgres://u@h/db?sslmode=maybe", "sslmode must be one of"),
        ("postgres://u@h/db?timeout=3", "unknown parameter timeout"),
        ("postgres://u:secret@/db", "names no host"),
    ])
    func refusesWhatCannotWork(url: String, message: String) {
        guard case .failure(let problem) = PostgresLocation.parse(url) else {
            Issue.record("\(url) parsed")
            return
        }
        #expect(problem.description.contains(message), "\(problem)")
        #expect(!problem.description.contains("secret"))
    }

    @Test func thePasswordComesFromTheURLThenTheFileThenTheSetting() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("password", "from-file\nignored\n")
        func password(url: String, file: String = "", setting: String = "") throws -> String? {
            let database = Config.Database(path: "x.sqlite", url: url, passwordFile: file, password: setting)
            guard case .postgres(let location) = try MentionStores.location(database) else { return "sqlite" }
            return location.password
        }
        #expect(try password(url: "postgres://u:from-url@h/db", file: file, setting: "s") == "from-url")
        #expect(try password(url: "postgres://u@h/db", file: file, setting: "s") == "from-file")
        #expect(try password(url: "postgres://u@h/db", setting: "from-setting") == "from-setting")
        #expect(try password(url: "postgres://u@h/db") == nil)
        #expect(try password(url: "") == "sqlite")
        #expect(throws: StoreError.self) { try password(url: "postgres://u@h/db", file: directory.file("missing")) }
    }

    @Test func checkConfigNeverPrintsThePassword() throws {
        let config = try ConfigLoader.parse(
            yaml: "database:\n  url: postgres://linkback:hunter2@db.example/mentions\n  password: also-secret\n", origin: "t")
        let printed = config.describe()
        #expect(printed.contains("database.url: postgres://linkback:********@db.example/mentions"), "\(printed)")
        #expect(printed.contains("database.password: ********"))
        #expect(!printed.contains("hunter2") && !printed.contains("also-secret"))
    }
}

/// The cursor's horizon over an id sequence with gaps (``EventHorizon``).
@Suite struct EventHorizonTests {
    @Test func aYoungGapHoldsTheCursorAndAnOldOnePasses() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let young = now.addingTimeInterval(-1)
        let old = now.addingTimeInterval(-EventHorizon.grace - 1)
        func end(_ events: [(id: Int64, at: Date)]) -> Int64 { EventHorizon.end(of: events, after: 4, now: now) }
        #expect(end([(5, young), (6, young)]) == 6)
        // 7 is missing and 8 is a second old: 7 may still commit.
        #expect(end([(5, young), (6, young), (8, young)]) == 6)
        // A gap older than the grace was rolled back.
        #expect(end([(5, old), (8, old), (9, young), (11, young)]) == 9)
        #expect(end([(6, young)]) == 4)
        #expect(end([]) == 4)
    }
}

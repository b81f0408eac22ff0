import Foundation
import GRDB
import LinkbackTestSupport
import Testing

@testable import LinkbackKit
@testable import LinkbackStore

@Suite struct SQLiteMentionStoreTests {
    private func incoming(_ source: String = "https://alice.example/post", target: String = "https://blog.example/a")
        -> IncomingMention
    {
        StoreFixture.incoming(source, target: target)
    }

    @Test func migratesAnEmptyFileAndReopensIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("nested/dir/linkback.sqlite")
        let store = try SQLiteMentionStore(path: path)
        let received = try await store.receive(incoming(), actor: .server)
        try await store.close()

        let reopened = try SQLiteMentionStore(path: path)
        let again = try await reopened.mention(id: received.mention.id)
        #expect(again == received.mention)
        let journal = try await DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        try await reopened.close()
    }

    @Test func refusesADatabaseFromANewerSchema() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("linkback.sqlite")
        try await SQLiteMentionStore(path: path).close()
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('999-from-the-future')")
        }
        #expect(throws: StoreError.newerSchema(path: path)) { try SQLiteMentionStore(path: path) }
    }

    @Test func refusesAPathThatCannotBeADatabase() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("file", "not a directory")
        #expect(throws: StoreError.self) { try SQLiteMentionStore(path: directory.file("file/linkback.sqlite")) }
        try directory.write("garbage.sqlite", String(repeating: "this is not sqlite ", count: 100))
        #expect(throws: StoreError.self) { try SQLiteMentionStore(path: directory.file("garbage.sqlite")) }
    }

    @Test func migratesADatabaseFromTheFirstSchema() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("old.sqlite")
        let old = try DatabasePool(path: path)
        try SQLiteMigrations.migrator.migrate(old, upTo: "001-initial")
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO mentions (token, source, target, site, protocol, status, received_at, updated_at)
                    VALUES ('abc', 'https://s.example/', 'https://t.example/', 't.example', 'pingback', 'approved',
                        '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')
                    """)
        }
        try old.close()
        let store = try SQLiteMentionStore(path: path)
        let kept = try #require(try await store.mention(token: "abc"))
        #expect(kept.status == .approved && kept.protocol == .pingback && kept.revision == 0)
        try await store.close()
    }

    /// Migration 014 gives each mention its moderator's decision from its history: the last change
    /// a moderator's door made, leaving out what `linkback reverify` recorded (review F3, item 2).
    @Test func migrationReadsEachModeratorsDecisionFromTheHistory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("old.sqlite")
        let old = try DatabasePool(path: path)
        try SQLiteMigrations.migrator.migrate(old, upTo: "013-private")
        // (token, status, events as (actor, from, to, reason)), oldest first.
        let histories: [(String, String, [(String, String?, String, String?)])] = [
            ("rejected-then-verified", "rejected", [
                ("server", nil, "queued", "received"), ("admin-api", "pending", "rejected", nil),
                ("server", "queued", "rejected", "verified"),
            ]),
            ("deleted-by-moderator", "deleted", [("server", nil, "queued", "received"), ("cli", "approved", "deleted", "gone for good")]),
            ("gone-by-reverify", "deleted", [("server", nil, "queued", "received"), ("cli", "approved", "deleted", "gone")]),
            ("restored", "pending", [("cli", "pending", "spam", nil), ("cli", "spam", "pending", nil)]),
            ("never-moderated", "rejected", [("server", nil, "queued", "received"), ("server", "queued", "rejected", "no-link")]),
        ]
        try await old.write { db in
            for (index, (token, status, events)) in histories.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO mentions (id, token, source, target, site, protocol, status, received_at, updated_at)
                        VALUES (?, ?, 'https://s.example/' || ?, 'https://t.example/', 't.example', 'webmention', ?,
                            '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')
                        """,
                    arguments: [index + 1, token, token, status])
                for (actor, from, to, reason) in events {
                    try db.execute(
                        sql: "INSERT INTO events (mention_id, at, actor, from_status, to_status, reason) VALUES (?, '2026-01-01', ?, ?, ?, ?)",
                        arguments: [index + 1, actor, from, to, reason])
                }
            }
        }
        try old.close()
        let store = try SQLiteMentionStore(path: path)
        let expected: [String: MentionStatus?] = [
            "rejected-then-verified": .rejected, "deleted-by-moderator": .deleted, "gone-by-reverify": nil,
            "restored": .pending, "never-moderated": nil,
        ]
        for (token, decision) in expected {
            #expect(try await store.mention(token: token)?.decision == decision, "\(token)")
        }
        try await store.close()
    }

    /// An approved mention re-sent under schema 004 waited in the queue, invisible; it comes back
    /// approved and still due for verification.
    @Test func migrationMakesQueuedResendsOfApprovedMentionsVisible() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("old.sqlite")
        let old = try DatabasePool(path: path)
        try SQLiteMigrations.migrator.migrate(old, upTo: "004-webhook-outbox")
        try await old.write { db in
            for (token, previous) in [("was-approved", "'approved'"), ("was-pending", "'pending'"), ("new", "NULL")] {
                try db.execute(
                    sql: """
                        INSERT INTO mentions (token, source, target, site, protocol, status, previous_status, received_at,
                            updated_at)
                        VALUES (?, 'https://s.example/' || ?, 'https://t.example/', 't.example', 'webmention', 'queued',
                            \(previous), '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')
                        """,
                    arguments: [token, token])
            }
        }
        try old.close()
        let store = try SQLiteMentionStore(path: path)
        let approved = try #require(try await store.mention(token: "was-approved"))
        #expect(approved.status == .approved && approved.reverifying)
        #expect(try await store.mention(token: "was-pending")?.status == .queued)
        #expect(try await store.mention(token: "new")?.status == .queued)
        #expect(try await store.claimQueued(limit: 5, now: Date()).count == 3)
        try await store.close()
    }
    /// Claims and verification results commit without their own log sync; receipts must not, so
    /// the writer is back at FULL after each, even when the result's transaction failed.
    @Test func claimsAndResultsLeaveTheWriterAtItsConfiguredSynchronousLevel() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteMentionStore(path: directory.file("full.sqlite"))
        #expect(try await store.writerSynchronousLevel() == 2)
        _ = try await store.receive(incoming(), actor: .server)
        let claimed = try #require(try await store.claimQueued(limit: 1, now: Date()).first)
        #expect(try await store.writerSynchronousLevel() == 2)
        let content = MentionContent(type: .mention)
        let verified = try await store.complete(claimed, with: .verified(status: .approved, content: content), actor: .server)
        #expect(verified == .approved)
        #expect(try await store.writerSynchronousLevel() == 2)
        var gone = claimed
        gone.id = 999_999
        await #expect(throws: StoreError.notFound(id: 999_999)) {
            try await store.complete(gone, with: .verified(status: .approved, content: content), actor: .server)
        }
        #expect(try await store.writerSynchronousLevel() == 2)
        try await store.close()

        let normal = try SQLiteMentionStore(path: directory.file("normal.sqlite"), synchronous: .normal)
        _ = try await normal.receive(incoming(), actor: .server)
        _ = try await normal.claimQueued(limit: 1, now: Date())
        #expect(try await normal.writerSynchronousLevel() == 1)
        try await normal.close()
    }

    /// The lookups every verification makes probe an index however many mentions there are: read
    /// from SQLite's own plan, where a SCAN of mentions or of the band table reads every row.
    @Test func perVerificationLookupsSearchAnIndex() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("linkback.sqlite")
        try await SQLiteMentionStore(path: path).close()
        let ranges = SourceHostRanges.of("alice.example")
        let approved = (
            "SELECT " + SourceHostRanges.approvedExistsSQL(placeholders: Array(repeating: "?", count: 8), indexedBy: true),
            StatementArguments(ranges.flatMap { [$0.lower, $0.upper] }))
        let text = (0..<80).map { "word\($0)" }.joined(separator: " ")
        let fingerprint = try #require(TextFingerprint(Shingles(text), minimum: 20))
        let bands = MentionQuerySQL.textsLike(fingerprint, since: Date(), excluding: 1, limit: 5, indexedBy: true)
        // The changes feed's read (a read token's request): the window on the events' key, each
        // event's mention by its key, its previous status on events_mention.
        let changes = MentionQuerySQL.changes(
            after: 10, through: 5_010, scope: MentionQuery(targets: ["https://blog.example/a"], sites: ["blog.example"], includePrivate: false))
        // One interaction, one entry: marking a copy (every verification) finds the older
        // mention by URL; a public listing probes each copy's mention by its key.
        let alias = MentionWriteSQL.sameInteraction(
            id: 7, source: "https://a.example/1", sameAs: ["https://social.example/1"], target: "https://blog.example/a", type: .like).last!
        var publicQuery = MentionQuery(statuses: [.approved], targets: ["https://blog.example/a"], includePrivate: false)
        publicQuery.collapseAliases = true
        let listing = MentionQuerySQL.list(publicQuery)
        // The band map's candidates, read by key.
        let candidates = MentionQuerySQL.texts(ids: [3, 2, 1], indexedBy: true)
        let plans = try await DatabaseQueue(path: path).read { db in
            try [
                approved, (bands.sql, SQLiteMentionStore.arguments(bands.values)), (changes.sql, SQLiteMentionStore.arguments(changes.values)),
                (alias.sql, SQLiteMentionStore.arguments(alias.values)), (listing.sql, SQLiteMentionStore.arguments(listing.values)),
                (candidates.sql, SQLiteMentionStore.arguments(candidates.values)),
            ]
                .map { sql, arguments in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
            }
        }
        #expect(plans[0].filter { $0 == "SEARCH mentions USING INDEX mentions_approved_source (source>? AND source<?)" }.count == 4, "\(plans[0])")
        // Each band's walk from its index alone (the mention's id is in it).
        #expect(
            plans[1].filter { $0.hasPrefix("SEARCH fingerprint_bands USING COVERING INDEX fingerprint_bands_band") }.count
                == fingerprint.bands.count, "\(plans[1])")
        // The matches' fingerprints from the covering index, not from rows behind their content's overflow pages.
        #expect(plans[1].contains { $0.hasPrefix("SEARCH mentions USING COVERING INDEX mentions_fingerprint") }, "\(plans[1])")
        #expect(plans[2].contains { $0.hasPrefix("SEARCH e USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)") }, "\(plans[2])")
        #expect(plans[2].contains { $0.hasPrefix("SEARCH mentions USING INTEGER PRIMARY KEY (rowid=?)") }, "\(plans[2])")
        #expect(plans[2].contains { $0.hasPrefix("SEARCH p USING INDEX events_mention") }, "\(plans[2])")
        #expect(plans[3].contains { $0.hasPrefix("SEARCH u USING") && $0.contains("(url=?") }, "\(plans[3])")
        // The URLs first, each one's mention by key: never the target's every earlier mention.
        #expect(plans[3].contains { $0.hasPrefix("SEARCH m USING INTEGER PRIMARY KEY (rowid=?)") }, "\(plans[3])")
        #expect(plans[4].contains { $0.hasPrefix("SEARCH primary_mention USING INTEGER PRIMARY KEY (rowid=?)") }, "\(plans[4])")
        #expect(plans[5] == ["SEARCH mentions USING COVERING INDEX mentions_fingerprint (id=?)"], "\(plans[5])")
        for plan in plans {
            let tables = ["mentions", "fingerprint_bands", "events", "e", "p", "u", "m", "primary_mention", "mention_urls"]
            #expect(!plan.contains { step in tables.contains { step == "SCAN " + $0 || step.hasPrefix("SCAN \($0) ") } }, "\(plan)")
        }
    }
}

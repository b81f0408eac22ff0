import Foundation
import LinkbackKit
import LinkbackStore
import LinkbackTestSupport
import Testing

/// `linkback migrate-store` on a populated SQLite database and a real PostgreSQL: everything is
/// copied with its ids, a second run copies nothing, the copy copied back is the original, a new
/// mention after the copy gets a new id, and a destination holding other mentions is refused.
@Suite struct MigrateStoreTests {
    /// A database with every kind of row: mentions in several states with content and history, a
    /// re-send, webhook deliveries and the outbox cursor, blocks, an allowed domain, a setting.
    static func populate(_ store: any MentionStore) async throws {
        for index in 0..<120 {
            _ = try await store.receive(
                IncomingMention(
                    source: "https://s\(index % 7).example/\(index)", target: "https://blog.example/p\(index % 3)#c\(index % 2)",
                    site: "blog.example", protocol: index.isMultiple(of: 5) ? .pingback : .webmention, clientIP: "192.0.2.\(index % 250)",
                    userAgent: "ua \(index)"),
                actor: .server)
            guard index < 90 else { continue }  // the last 30 stay queued
            let claimed = try await store.claimQueued(limit: 1, now: Date())
            let mention = try #require(claimed.first)
            let content = MentionContent(
                type: index.isMultiple(of: 2) ? .reply : .like, title: "T \(index)", excerpt: "E \(index)",
                contentHTML: "<p>é \(index)</p>", contentText: "é \(index)", authorName: "A", authorURL: "https://a.example/",
                authorPhoto: nil, published: "2026-11-2\(index % 10)T10:00:00Z")
            // Every fourth held as a farm's text, with its fingerprint (two texts, so the bands differ).
            var signals = index.isMultiple(of: 4)
                ? SpamSignals(
                    reasons: [SpamSignals.copyCluster],
                    fingerprint: TextFingerprint(Shingles("the farm text number \(index % 8) is here again"), minimum: 1))
                : .none
            // Every fifth scored, with the features it read.
            if index.isMultiple(of: 5) {
                signals.score = SpamScore(value: Double(index) / 100, reasons: ["\"word\(index)\"", "no date"])
                signals.scoreTokens = ["word\(index)", "date:none"]
            }
            try await store.complete(mention, with: .verified(status: .pending, content: content, signals: signals), actor: .server)
            if index.isMultiple(of: 3) {
                try await store.decide(id: mention.id, to: .approved, allowedFrom: [.pending], actor: .cli, reason: "ok")
            }
        }
        _ = try await store.receive(
            IncomingMention(source: "https://s0.example/0", target: "https://blog.example/p0#c0", site: "blog.example",
                protocol: .webmention), actor: .server)
        _ = try await store.webhookBacklog(limit: 10)
        let mention = try #require(try await store.list(MentionQuery(limit: 1)).first)
        try await store.enqueueDeliveries(
            [
                NewWebhookDelivery(url: "https://hooks.example/a", event: .approved, mentionID: mention.id, eventID: 3, payload: Data([0, 1, 255])),
                NewWebhookDelivery(url: "https://hooks.example/b", event: .deleted, mentionID: mention.id, eventID: 4, payload: Data("{}".utf8)),
            ], cursor: 40)
        try await store.addBlock(kind: .domain, value: "spam.example", reason: "spam")
        try await store.addBlock(kind: .ip, value: "198.51.100.0/24", reason: nil)
        try await store.allowDomain("friend.example")
        try await store.setSetting(.rejectionLog, to: "/var/log/linkback/rejections.log")
        try await store.recordSpelling("https://blog.example/old-p0", canonical: "https://blog.example/p0")
        // Two likes only counted (`aggregate`).
        for liker in ["https://l1.example/", "https://l2.example/"] {
            try await store.aggregate(
                IncomingMention(source: liker, target: "https://blog.example/p1", site: "blog.example", protocol: .webmention),
                type: .like)
        }
        // A vouched and private mention, with comments; a post's sends, one with a result.
        var special = IncomingMention(
            source: "https://v.example/reply", target: "https://blog.example/p0", site: "blog.example", protocol: .webmention)
        special.vouch = "https://friend.example/blogroll"
        special.isPrivate = true
        _ = try await store.storeVerified(
            special, status: .approved,
            content: MentionContent(type: .reply, children: [MentionChild(url: "https://c.example/1", contentText: "me too")]),
            actor: .server, received: nil)
        let planned = try await store.planSends(
            source: "https://blog.example/p1", targets: ["https://a.example/", "https://b.example/"], at: Date())
        try await store.recordSend(
            id: planned[0].id, state: .sent, result: "webmention: 202", endpoint: "https://a.example/wm", nextAttemptAt: nil,
            attempted: true, at: Date())
    }

    /// Everything a store holds, dates to the millisecond (SQLite keeps milliseconds).
    static func contents(_ store: any MentionStore) async throws -> String {
        func ms(_ date: Date?) -> String { date.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) } ?? "-" }
        var lines: [String] = []
        for mention in try await store.exportMentions(afterID: 0, limit: 100_000) {
            lines.append([
                "\(mention.id)", mention.token, mention.source, mention.target, mention.site, mention.protocol.rawValue,
                mention.status.rawValue, mention.reason ?? "-", mention.clientIP ?? "-", mention.userAgent ?? "-",
                ms(mention.received), ms(mention.updated), ms(mention.verified), "\(mention.attempts)",
                "\(String(describing: mention.content))", mention.previousStatus?.rawValue ?? "-", "\(mention.revision)",
                ms(mention.nextAttemptAt), "\(mention.reverifying)", mention.vouch ?? "-", "\(mention.isPrivate)",
                mention.spamReasons.joined(separator: ","), mention.fingerprint?.stored ?? "-",
                "\(String(describing: mention.spamScore))", mention.scoreTokens.joined(separator: " "),
            ].joined(separator: "|"))
            // The band index came along: each text's look-alikes are found as before.
            if let fingerprint = mention.fingerprint, mention.id < 10 {
                let alike = try await store.textsLike(fingerprint, since: .distantPast, excluding: nil, limit: 100)
                lines.append("alike \(mention.id): \(alike.map(\.id))")
            }
        }
        for event in try await store.exportEvents(afterID: 0, limit: 100_000) {
            lines.append([
                "\(event.id)", "\(event.mentionID)", ms(event.at), event.actor.rawValue, event.from?.rawValue ?? "-",
                event.to.rawValue, event.reason ?? "-",
            ].joined(separator: "|"))
        }
        for delivery in try await store.exportDeliveries(afterID: 0, limit: 100_000) {
            lines.append([
                "\(delivery.id)", delivery.url, delivery.event.rawValue, "\(delivery.mentionID)", "\(delivery.eventID)",
                delivery.payload.base64EncodedString(), ms(delivery.created), "\(delivery.attempts)", ms(delivery.nextAttemptAt),
            ].joined(separator: "|"))
        }
        let state = try await store.exportState()
        lines += state.blocks.map { "\($0.id)|\($0.kind.rawValue)|\($0.value)|\($0.reason ?? "-")|\(ms($0.created))" }
        lines += state.allowedDomains
        lines += state.counted.map { "\($0.pair)|\($0.target)|\($0.site)|\($0.type.rawValue)|\(ms($0.at))" }
        lines += state.spellings.map { "\($0.spelling) -> \($0.canonical) \(ms($0.seen))" }
        lines.append("cursor \(state.webhookCursor ?? -1) \(state.settings.sorted { $0.key.rawValue < $1.key.rawValue })")
        lines += state.sends.map {
            "\($0.source)|\($0.target)|\($0.linked)|\($0.state.rawValue)|\($0.result ?? "-")|\($0.endpoint ?? "-")|\($0.attempts)|"
                + "\(ms($0.nextAttemptAt))|\(ms($0.updated))"
        }
        return lines.joined(separator: "\n")
    }

    @Test func copiesEverythingOnceAndBackAgain() async throws {
        let directory = try TemporaryDirectory("migrate")
        defer { directory.remove() }
        let sqlite = directory.file("linkback.sqlite")
        let original = try SQLiteMentionStore(path: sqlite)
        try await Self.populate(original)
        let expected = try await Self.contents(original)
        try await original.close()
        let postgres = try await PostgresCluster.makeDatabase("migrate") + "?sslmode=disable"

        let first = try await LinkbackProcess.run(["migrate-store", "--from", "sqlite:\(sqlite)", "--to", postgres], timeout: 120)
        #expect(first.status == 0, "\(first.stderr)")
        // 120 received + 90 verified + 30 approved + 1 re-send; the private one received and verified.
        #expect(first.stdout.contains("counts match: 121 mentions, 243 events,"), "\(first.stdout)")
        #expect(first.stdout.contains("2 webhook deliveries, 2 blocks, 1 allowed domains"), "\(first.stdout)")
        let copy = try await MentionStores.open(try MigrateStoreTests.location(postgres))
        #expect(try await Self.contents(copy) == expected)

        // Again: nothing to copy, and still equal.
        let again = try await LinkbackProcess.run(["migrate-store", "--from", sqlite, "--to", postgres], timeout: 120)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.hasPrefix("copied 0 rows"), "\(again.stdout)")
        #expect(try await Self.contents(copy) == expected)

        // Back into a new SQLite file: the original again.
        let back = directory.file("back.sqlite")
        let returned = try await LinkbackProcess.run(["migrate-store", "--from", postgres, "--to", "sqlite:\(back)"], timeout: 120)
        #expect(returned.status == 0, "\(returned.stderr)")
        let roundTrip = try SQLiteMentionStore(path: back)
        #expect(try await Self.contents(roundTrip) == expected)
        try await roundTrip.close()

        // The copy goes on numbering after the copied rows.
        let maxID = try #require(try await copy.exportMentions(afterID: 0, limit: 1000).last?.id)
        let fresh = try await copy.receive(
            IncomingMention(source: "https://new.example/", target: "https://blog.example/p0", site: "blog.example",
                protocol: .webmention), actor: .server)
        #expect(fresh.isNew && fresh.mention.id == maxID + 1)
        try await copy.close()
    }

    @Test func refusesADestinationHoldingOtherMentions() async throws {
        let directory = try TemporaryDirectory("migrate")
        defer { directory.remove() }
        let sqlite = directory.file("linkback.sqlite")
        let original = try SQLiteMentionStore(path: sqlite)
        try await Self.populate(original)
        try await original.close()
        let postgres = try await PostgresCluster.makeDatabase("other") + "?sslmode=disable"
        let other = try await MentionStores.open(try MigrateStoreTests.location(postgres))
        _ = try await other.receive(
            IncomingMention(source: "https://elsewhere.example/", target: "https://blog.example/x", site: "blog.example",
                protocol: .webmention), actor: .server)
        try await other.close()

        let result = try await LinkbackProcess.run(["migrate-store", "--from", sqlite, "--to", postgres], timeout: 60)
        #expect(result.status == 1)
        #expect(result.stderr.contains("the destination already holds other mentions (id 1 differs from the source's)"), "\(result.stderr)")
        let untouched = try await MentionStores.open(try MigrateStoreTests.location(postgres))
        #expect(try await untouched.rowCounts().mentions == 1)
        try await untouched.close()
    }

    static func location(_ url: String) throws -> MentionStores.Location {
        try MentionStores.location(Config.Database(path: "", url: url))
    }
}

import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackCore
@testable import LinkbackKit
@testable import LinkbackStore

/// One behaviour for every store: each test runs against SQLite and against a real PostgreSQL
/// (a throwaway cluster, see ``PostgresCluster``) — every query, transition, queue claim,
/// outbox step, block and compare-and-set moderation.
@Suite struct StoreConformanceTests {
    private func incoming(_ source: String = "https://alice.example/post", target: String = "https://blog.example/a")
        -> IncomingMention
    {
        StoreFixture.incoming(source, target: target)
    }

    /// `store.complete` of a result that keeps the row: its returned status is the stored row's
    /// (checked here), and the row is read back for the test to look at.
    private func completed(_ store: any MentionStore, _ claimed: Mention, with result: VerificationResult) async throws -> Mention {
        let status = try #require(try await store.complete(claimed, with: result, actor: .server))
        let row = try #require(try await store.mention(id: claimed.id))
        #expect(row.status == status)
        return row
    }

    @Test(arguments: StoreKind.tested) func receiveCreatesThenUpdatesTheSameRow(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let first = try await store.receive(incoming(), actor: .server)
        #expect(first.isNew)
        #expect(first.mention.status == .queued)
        #expect(first.mention.token.count == 32)
        #expect(first.mention.clientIP == "203.0.113.5")

        try await store.transition(id: first.mention.id, to: .approved, actor: .cli, reason: nil)
        let second = try await store.receive(incoming(), actor: .server)
        #expect(!second.isNew)
        #expect(second.mention.id == first.mention.id)
        #expect(second.mention.token == first.mention.token)
        #expect(second.mention.status == .approved && second.mention.reverifying)
        #expect(try await store.list(MentionQuery()).count == 1)

        let other = try await store.receive(incoming("https://bob.example/"), actor: .server)
        #expect(other.mention.token != first.mention.token)
        try await store.close()
    }

    /// Receipts committed together: what a new receipt answers is the row as stored, a pair sent
    /// several times in one batch is one row whose history starts with its creation, and a re-send
    /// refused as too soon fails alone.
    @Test(arguments: StoreKind.tested) func receiptsInOneBatchAnswerTheStoredRowAndKeepHistoryInOrder(_ kind: StoreKind)
        async throws
    {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let alone = try await store.receive(incoming("https://solo.example/"), actor: .server)
        #expect(try await store.mention(id: alone.mention.id) == alone.mention)

        let paced = {
            var mention = StoreFixture.incoming("https://paced.example/", target: "https://blog.example/a")
            mention.pairInterval = 3600
            return mention
        }()
        @Sendable func attempt(_ mention: IncomingMention) async -> Result<ReceiveResult, any Error> {
            do { return .success(try await store.receive(mention, actor: .server)) } catch { return .failure(error) }
        }
        let results = await withTaskGroup(of: (String, Result<ReceiveResult, any Error>).self) { tasks in
            for copy in 0..<3 {
                for pair in 0..<20 {
                    tasks.addTask {
                        let source = "https://s\(pair).example/"
                        return (source, await attempt(StoreFixture.incoming(source, target: "https://blog.example/a")))
                    }
                }
                tasks.addTask { ("paced-\(copy)", await attempt(paced)) }
            }
            return await tasks.reduce(into: []) { $0.append($1) }
        }
        let received = results.filter { !$0.0.hasPrefix("paced") }.map { try? $0.1.get() }
        #expect(received.allSatisfy { $0 != nil })
        #expect(received.filter { $0?.isNew == true }.count == 20)
        let pacedOutcomes = results.filter { $0.0.hasPrefix("paced") }.map { $0.1 }
        #expect(pacedOutcomes.filter { (try? $0.get()) != nil }.count == 1)
        #expect(pacedOutcomes.allSatisfy { outcome in
            if case .failure(StoreError.tooSoon) = outcome { return true }
            return (try? outcome.get()) != nil
        })
        for case let result? in received {
            let events = try await store.events(mentionID: result.mention.id)
            #expect(events.first?.from == nil && events.first?.reason == "received", "\(events)")
            #expect(events.dropFirst().allSatisfy { $0.reason == MentionEvent.resendReason })
            #expect(events.count == 3)
        }
        #expect(try await store.list(MentionQuery(limit: 100)).count == 22)
        try await store.close()
    }

    /// What Vouch asks of a store: whether an approved mention came from a host (any scheme or
    /// port, never a longer host that starts the same), and the vouch kept with the mention.
    @Test(arguments: StoreKind.tested) func approvedSourceHostsAndVouches(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        var vouched = incoming("https://alice.example:8443/post")
        vouched.vouch = "https://friend.example/blogroll"
        let alice = try await store.receive(vouched, actor: .server).mention
        #expect(alice.vouch == "https://friend.example/blogroll")
        _ = try await store.receive(incoming("http://bob.example/post"), actor: .server)
        #expect(try await !store.hasApprovedMention(fromHost: "alice.example"))

        try await store.transition(id: alice.id, to: .approved, actor: .cli, reason: nil)
        #expect(try await store.hasApprovedMention(fromHost: "alice.example"))
        for other in ["alice.exampl", "alice.example.evil", "bob.example", "example"] {
            #expect(try await !store.hasApprovedMention(fromHost: other), "\(other)")
        }
        // A re-send without a vouch keeps the one given before.
        #expect(try await store.receive(incoming("https://alice.example:8443/post"), actor: .server).mention.vouch
            == "https://friend.example/blogroll")
        try await store.close()
    }

    /// The changes feed's window: the history after an id, of the selected mentions only, each
    /// event with the mention's last settled status before it; a window of `scan` events says
    /// where it ended and whether more follow.
    @Test(arguments: StoreKind.tested) func changesAreReadFromTheHistoryInWindows(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let a = try await store.receive(incoming("https://alice.example/", target: "https://blog.example/a"), actor: .server).mention
        let b = try await store.receive(incoming("https://bob.example/", target: "https://blog.example/b"), actor: .server).mention
        var secret = incoming("https://carol.example/", target: "https://blog.example/a#comment-1")
        secret.isPrivate = true
        let c = try await store.receive(secret, actor: .server).mention
        var other = incoming("https://dave.example/", target: "https://other.example/x")
        other.site = "other.example"
        let d = try await store.receive(other, actor: .server).mention
        for id in [a.id, b.id, c.id, d.id] { try await store.transition(id: id, to: .approved, actor: .cli, reason: nil) }
        try await store.transition(id: b.id, to: .spam, actor: .cli, reason: nil)

        let blog = MentionQuery(sites: ["blog.example"], includePrivate: false)
        let all = try await store.changes(after: 0, scope: blog, scan: 100)
        #expect(!all.more)
        let history = all.candidates.map { "\($0.mention.id) \($0.event.to.rawValue) \($0.previousSettled?.rawValue ?? "-")" }
        #expect(history == [
            "\(a.id) queued -", "\(b.id) queued -", "\(a.id) approved -", "\(b.id) approved -", "\(b.id) spam approved",
        ])
        let feed = ChangeFeed.changes(in: all, includePrivate: false, limit: 10)
        #expect(feed.changes.map { "\($0.kind.rawValue) \($0.mention.id)" } == ["created \(a.id)", "deleted \(b.id)"])
        #expect(feed.lastID == all.through && !feed.more)

        // The private one for a token that sees it; a target selects its fragments too.
        let withPrivate = try await store.changes(
            after: 0, scope: MentionQuery(targets: ["https://blog.example/a"], sites: ["blog.example"], includePrivate: true),
            scan: 100)
        #expect(Set(withPrivate.candidates.map(\.mention.id)) == [a.id, c.id])

        // Windows: two events at a time, continued from where the last one ended.
        let first = try await store.changes(after: 0, scope: blog, scan: 2)
        #expect(first.more && first.candidates.map(\.event.to) == [.queued, .queued])
        let second = try await store.changes(after: first.through, scope: blog, scan: 2)
        #expect(second.more && second.candidates.isEmpty)  // c's and d's arrivals: not selected
        var through = second.through
        var seen = first.candidates.count + second.candidates.count
        while true {
            let next = try await store.changes(after: through, scope: blog, scan: 2)
            seen += next.candidates.count
            through = next.through
            if !next.more { break }
        }
        #expect(seen == all.candidates.count && through == all.through)
        let after = try await store.changes(after: through, scope: blog, scan: 2)
        #expect(after.candidates.isEmpty && !after.more && after.through == through)
        try await store.close()
    }

    /// An import keeps the ids it brings (webmention.io's `wm-id`) when free, numbers the rest as
    /// usual, and later mentions are numbered above the largest.
    @Test(arguments: StoreKind.tested) func importsKeepTheirIDsAndLaterOnesFollow(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let first = try await store.receive(incoming("https://first.example/"), actor: .server).mention
        var kept = incoming("https://kept.example/")
        kept.importedID = 1_700_002
        #expect(try await store.storeVerified(kept, status: .approved, content: MentionContent(), actor: .cli).id == 1_700_002)
        var taken = incoming("https://taken.example/")
        taken.importedID = first.id
        let renumbered = try await store.storeVerified(taken, status: .approved, content: MentionContent(), actor: .cli)
        #expect(renumbered.id > 1_700_002 && renumbered.source == "https://taken.example/")
        #expect(try await store.mention(id: first.id)?.source == "https://first.example/")
        var lower = incoming("https://lower.example/")
        lower.importedID = 1_000
        #expect(try await store.storeVerified(lower, status: .approved, content: MentionContent(), actor: .cli).id == 1_000)
        let later = try await store.receive(incoming("https://later.example/"), actor: .server).mention
        #expect(later.id > renumbered.id)
        #expect(try await store.events(mentionID: 1_700_002).map(\.to) == [.queued, .approved])
        try await store.close()
    }

    /// A mention held because its source answered with a bot challenge: pending with the reason,
    /// claimed again at its time (history written once), then verified; held for good without a
    /// next attempt.
    @Test(arguments: StoreKind.tested) func aHeldMentionIsClaimedAgainAtItsTime(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let now = fixture.clock.now()
        let id = try await store.receive(incoming(), actor: .server).mention.id
        var claimed = try #require(try await store.claimQueued(limit: 10, now: now).first)
        let held = try await completed(store, claimed, with: .held(reason: "source-challenged", nextAttempt: now.addingTimeInterval(60)))
        #expect(held.status == .pending && held.reason == "source-challenged" && held.reverifying && held.attempts == 1)
        #expect(try await store.claimQueued(limit: 10, now: now.addingTimeInterval(59)).isEmpty)
        claimed = try #require(try await store.claimQueued(limit: 10, now: now.addingTimeInterval(60)).first)
        #expect(claimed.id == id)
        let again = try await completed(store, claimed, with: .held(reason: "source-challenged", nextAttempt: nil))
        #expect(again.status == .pending && !again.reverifying)
        #expect(try await store.claimQueued(limit: 10, now: now.addingTimeInterval(86_400)).isEmpty)
        #expect(try await store.events(mentionID: id).map { "\($0.to.rawValue) \($0.reason ?? "")" }
            == ["queued received", "pending source-challenged"])
        try await store.close()
    }

    /// A result written against a row that is no longer as claimed changes nothing, even where the
    /// row still awaits verification at the same revision: here the first result held it (pending,
    /// to be tried again), and a late second result for the same claim (another instance whose
    /// lease ran out) would have overwritten that.
    @Test(arguments: StoreKind.tested) func aResultForARowNoLongerAsClaimedChangesNothing(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let now = fixture.clock.now()
        let id = try await store.receive(incoming(), actor: .server).mention.id
        let claimed = try #require(try await store.claimQueued(limit: 10, now: now).first)
        let held = try await completed(store, claimed, with: .held(reason: "source-challenged", nextAttempt: now.addingTimeInterval(60)))
        #expect(held.revision == claimed.revision && held.awaitsVerification)
        #expect(try await store.complete(claimed, with: .verified(status: .approved, content: MentionContent()), actor: .server) == nil)
        let row = try #require(try await store.mention(id: id))
        #expect(row.status == .pending && row.reason == "source-challenged" && row.attempts == 1)
        var gone = claimed
        gone.id = id + 1000
        await #expect(throws: StoreError.notFound(id: gone.id)) {
            try await store.complete(gone, with: .failed(status: .rejected, reason: "no-link"), actor: .server)
        }
        try await store.close()
    }

    /// A mention stored under its target's canonical URL keeps the URL as sent (through a re-send
    /// too), and a spelling's canonical URL is recorded for the read paths.
    @Test(arguments: StoreKind.tested) func targetsAsSentAndSpellingsAreKept(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        var sent = incoming(target: "https://blog.example/post")
        sent.targetAsSent = "https://blog.example/old-post"
        let stored = try await store.receive(sent, actor: .server).mention
        #expect(stored.targetAsSent == "https://blog.example/old-post")
        #expect(try await store.mention(id: stored.id)?.targetAsSent == "https://blog.example/old-post")
        sent.targetAsSent = "https://blog.example/amp/post"
        try await store.transition(id: stored.id, to: .approved, actor: .cli, reason: nil)
        #expect(try await store.receive(sent, actor: .server).mention.targetAsSent == "https://blog.example/amp/post")

        try await store.recordSpelling("https://blog.example/old-post", canonical: "https://blog.example/p")
        try await store.recordSpelling("https://blog.example/old-post", canonical: "https://blog.example/post")
        #expect(try await store.canonicalTargets(["https://blog.example/old-post", "https://blog.example/new"])
            == ["https://blog.example/old-post": "https://blog.example/post"])
        try await store.close()
    }

    /// One interaction, one entry: a verified mention whose URLs meet an older approved or
    /// pending one's (same page and type) is its copy; a public listing and count leave the copy
    /// out while the older one is approved, and list it as that one's alias.
    @Test(arguments: StoreKind.tested) func copiesOfOneInteractionAreListedOnce(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let copy = "https://social.example/@a/1"
        let first = try await store.storeVerified(
            incoming("https://a.example/like", target: "https://blog.example/p"), status: .approved,
            content: MentionContent(type: .like, sameAs: [copy]), actor: .server)
        let second = try await store.storeVerified(
            incoming("https://bridge.example/like", target: "https://blog.example/p"), status: .approved,
            content: MentionContent(type: .like, sameAs: [copy]), actor: .server)
        // The same source's mention of a part of the post is a mention of its own.
        let part = try await store.storeVerified(
            incoming("https://a.example/like", target: "https://blog.example/p#c"), status: .approved,
            content: MentionContent(type: .like, sameAs: [copy]), actor: .server)
        #expect(part.aliasOf == nil)
        let reply = try await store.storeVerified(
            incoming("https://c.example/reply", target: "https://blog.example/p"), status: .approved,
            content: MentionContent(type: .reply, sameAs: [copy]), actor: .server)
        #expect(first.aliasOf == nil && second.aliasOf == first.id && reply.aliasOf == nil)
        #expect(second.content?.sameAs == [copy])
        var query = MentionQuery(statuses: [.approved], targets: ["https://blog.example/p"], includePrivate: false)
        query.collapseAliases = true
        #expect(Set(try await store.list(query).map(\.id)) == [first.id, part.id, reply.id])
        #expect(try await store.countByType(query) == [.like: 2, .reply: 1])
        #expect(try await store.approvedAliases(of: [first.id, reply.id], includePrivate: false).map(\.id) == [second.id])
        try await store.transition(id: first.id, to: .deleted, actor: .cli, reason: nil)
        #expect(Set(try await store.list(query).map(\.id)) == [second.id, part.id, reply.id])

        // The older one waits for a moderator while its copy is approved: the copy is listed until
        // the moderator approves the older one, then the two are one entry.
        let waiting = try await store.storeVerified(
            incoming("https://d.example/like", target: "https://blog.example/q"), status: .pending,
            content: MentionContent(type: .like, sameAs: ["https://social.example/@d/1"]), actor: .server)
        let bridged = try await store.storeVerified(
            incoming("https://bridge.example/d-like", target: "https://blog.example/q"), status: .approved,
            content: MentionContent(type: .like, sameAs: ["https://social.example/@d/1"]), actor: .server)
        #expect(bridged.aliasOf == waiting.id)
        query.targets = ["https://blog.example/q"]
        #expect(try await store.list(query).map(\.id) == [bridged.id])
        try await store.transition(id: waiting.id, to: .approved, actor: .cli, reason: nil)
        #expect(try await store.list(query).map(\.id) == [waiting.id])
        #expect(try await store.countByType(query) == [.like: 1])
        // A copy of a mention refused as spam is not its alias.
        let spam = try await store.storeVerified(
            incoming("https://e.example/like", target: "https://blog.example/r"), status: .spam,
            content: MentionContent(type: .like, sameAs: ["https://social.example/@e/1"]), actor: .server)
        let real = try await store.storeVerified(
            incoming("https://bridge.example/e-like", target: "https://blog.example/r"), status: .approved,
            content: MentionContent(type: .like, sameAs: ["https://social.example/@e/1"]), actor: .server)
        #expect(spam.aliasOf == nil && real.aliasOf == nil)
        try await store.close()
    }

    /// `linkback forget`: a domain's mentions (its subdomains too) and an author's are erased but for
    /// a `deleted` stub the history announces, their copies' links to them cut, a tombstone key kept;
    /// a dry run changes nothing; others are untouched.
    @Test(arguments: StoreKind.tested) func forgettingErasesAllButAStub(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let secret = MentionContent(
            type: .like, contentText: "secret words", authorName: "Ann Onymous", authorURL: "https://ann.example/",
            authorPhoto: "https://ann.example/me.jpg", sameAs: ["https://social.example/@ann/1"])
        let ann = try await store.storeVerified(incoming("https://a.example/like", target: "https://blog.example/p"), status: .approved,
            content: secret, actor: .server)
        let sub = try await store.receive(incoming("https://www.a.example/x"), actor: .server).mention
        let bridged = try await store.storeVerified(
            incoming("https://bridge.example/ann-like", target: "https://blog.example/p"), status: .approved,
            content: MentionContent(type: .like, authorName: "Bridged", sameAs: ["https://social.example/@ann/1"]), actor: .server)
        #expect(bridged.aliasOf == ann.id)
        let byAuthor = try await store.storeVerified(incoming("https://b.example/reply"), status: .pending,
            content: MentionContent(type: .reply, contentText: "hello", authorURL: "http://bea.example"), actor: .server)
        let kept = try await store.storeVerified(incoming("https://c.example/ok"), status: .approved,
            content: MentionContent(type: .reply, authorName: "Kept"), actor: .server)

        let dry = try await store.forget(.domain("a.example"), actor: .cli, dryRun: true)
        #expect(dry.map(\.id) == [ann.id, sub.id])
        #expect(try await store.mention(id: ann.id)?.content?.authorName == "Ann Onymous")
        #expect(try await store.forgottenKeys().isEmpty)

        let forgotten = try await store.forget(.domain("a.example"), actor: .cli, dryRun: false)
        #expect(forgotten.map(\.id) == [ann.id, sub.id] && forgotten.first?.content?.authorName == "Ann Onymous")
        for id in [ann.id, sub.id] {
            let stub = try #require(try await store.mention(id: id))
            #expect(stub.status == .deleted && stub.reason == "forgotten" && stub.source == "forgotten:\(id)")
            #expect(stub.content?.authorName == nil && stub.content?.contentText == nil && stub.clientIP == nil)
            let history = try await store.events(mentionID: id)
            #expect(history.last?.to == .deleted && history.last?.reason == "forgotten")
            #expect(history.dropLast().allSatisfy { $0.reason == nil }, "\(history)")
        }
        #expect(try await store.mention(id: bridged.id)?.aliasOf == nil)
        #expect(try await store.forgottenKeys() == [Forgotten.Subject.domain("a.example").key])

        let authors = try await store.forget(try #require(Forgotten.subject("https://bea.example/")), actor: .cli, dryRun: false)
        #expect(authors.map(\.id) == [byAuthor.id])
        #expect(try await store.mention(id: kept.id)?.content?.authorName == "Kept")
        #expect(Set(try await store.forgottenKeys()).count == 2)
        try await store.close()
    }

    /// `storage.forget_client_after_days`: the addresses of mentions that last arrived before the
    /// cutoff are erased, the newer ones kept.
    @Test(arguments: StoreKind.tested) func clientAddressesArePurgedAfterTheirTime(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        var old = incoming("https://old.example/1")
        (old.clientIP, old.userAgent) = ("192.0.2.1", "Old/1")
        var new = incoming("https://new.example/1")
        (new.clientIP, new.userAgent) = ("192.0.2.2", "New/1")
        let then = Date().addingTimeInterval(-40 * 86_400)
        let first = try await store.storeVerified(old, status: .approved, content: MentionContent(type: .reply), actor: .server, received: then)
        let second = try await store.receive(new, actor: .server).mention
        #expect(try await store.forgetClients(before: Date().addingTimeInterval(-30 * 86_400)) == 1)
        let purged = try await store.mention(id: first.id)
        #expect(purged?.clientIP == nil && purged?.userAgent == nil && purged?.status == .approved)
        #expect(try await store.mention(id: second.id)?.clientIP == "192.0.2.2")
        #expect(try await store.forgetClients(before: Date().addingTimeInterval(-30 * 86_400)) == 0)
        try await store.close()
    }

    /// What the avatar sweep keeps: every kept photo a mention or one of its nested comments names.
    @Test(arguments: StoreKind.tested) func avatarReferencesNameEveryKeptPhoto(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let (a, b) = (String(repeating: "a", count: 64) + ".png", String(repeating: "b", count: 64) + ".gif")
        _ = try await store.storeVerified(incoming("https://one.example/1"), status: .approved, content: MentionContent(
            type: .reply, authorPhoto: "https://m.example/avatars/" + a,
            children: [MentionChild(contentText: "hi", authorPhoto: "https://m.example/avatars/" + b)]), actor: .server)
        _ = try await store.storeVerified(incoming("https://two.example/1"), status: .approved, content: MentionContent(
            type: .like, authorPhoto: "https://elsewhere.example/me.png"), actor: .server)
        #expect(AvatarProxy.names(in: try await store.avatarReferences()) == [a, b])
        try await store.close()
    }

    /// The send outbox: a plan queues the links a post has now and, once, the ones it had;
    /// claims are exclusive until recorded; a retry is due only at its time.
    @Test(arguments: StoreKind.tested) func sendOutboxFollowsTheUpdateRule(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let post = "https://blog.example/posts/1"
        let (a, b, c) = ("https://a.example/", "https://b.example/", "https://c.example/")
        let now = Date()
        let first = try await store.planSends(source: post, targets: [b, a], at: now)
        #expect(first.map(\.target) == [a, b] && first.allSatisfy { $0.linked && $0.state == .queued })
        #expect(try await store.planSends(source: "https://blog.example/posts/2", targets: [a], at: now).count == 1)

        let claimed = try await store.claimDueSends(source: post, now: now, lease: 60, limit: 10)
        #expect(Set(claimed.map(\.target)) == [a, b])
        #expect(try await store.claimDueSends(source: post, now: now, lease: 60, limit: 10).isEmpty)
        let sentA = try #require(claimed.first { $0.target == a })
        let sentB = try #require(claimed.first { $0.target == b })
        try await store.recordSend(id: sentA.id, state: .sent, result: "webmention: 201", endpoint: "https://a.example/wm",
            nextAttemptAt: nil, attempted: true, at: now)
        try await store.recordSend(id: sentB.id, state: .queued, result: "will retry: HTTP 503", endpoint: nil,
            nextAttemptAt: now.addingTimeInterval(30), attempted: true, at: now)
        #expect(try await store.claimDueSends(source: nil, now: now.addingTimeInterval(1), lease: 60, limit: 10).map(\.source)
            == ["https://blog.example/posts/2"])
        let retried = try await store.claimDueSends(source: post, now: now.addingTimeInterval(31), lease: 60, limit: 10)
        #expect(retried.map(\.target) == [b] && retried.first?.attempts == 1)

        // The post now links to c instead of a: a is sent once more (unlinked), b and c as linked.
        let second = try await store.planSends(source: post, targets: [b, c], at: now.addingTimeInterval(40))
        #expect(second.map { [$0.target, "\($0.linked)", $0.state.rawValue] }
            == [[a, "false", "queued"], [b, "true", "queued"], [c, "true", "queued"]])
        #expect(second.first?.endpoint == "https://a.example/wm" && second.first?.attempts == 0)
        for send in try await store.claimDueSends(source: post, now: now.addingTimeInterval(40), lease: 60, limit: 10) {
            try await store.recordSend(id: send.id, state: .sent, result: "ok", endpoint: nil, nextAttemptAt: nil,
                attempted: true, at: now.addingTimeInterval(41))
        }
        // Unchanged again: a was told already, so it is not sent a third time.
        let third = try await store.planSends(source: post, targets: [b, c], at: now.addingTimeInterval(50))
        #expect(third.map(\.state) == [.sent, .queued, .queued])
        #expect(try await store.sends(source: post, limit: 10).count == 3)
        #expect(try await store.sends(source: nil, limit: 2).count == 2)
        try await store.close()
    }

    /// The periodic re-check's marking: approved mentions only, oldest verification first, at
    /// most the limit, visible while queued again.
    @Test(arguments: StoreKind.tested) func approvedMentionsAreMarkedForRecheckOldestFirst(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        var ids: [Int64] = []
        for (index, status) in [MentionStatus.approved, .approved, .pending, .approved].enumerated() {
            let incoming = incoming("https://s\(index).example/")
            ids.append(try await store.storeVerified(incoming, status: status, content: MentionContent(), actor: .server, received: nil).id)
        }
        #expect(try await store.markForRecheck(verifiedBefore: Date().addingTimeInterval(-60), limit: 10, at: Date()).isEmpty)
        let marked = try await store.markForRecheck(verifiedBefore: Date().addingTimeInterval(60), limit: 2, at: Date())
        #expect(marked == [ids[0], ids[1]])
        let again = try await store.markForRecheck(verifiedBefore: Date().addingTimeInterval(60), limit: 10, at: Date())
        #expect(again == [ids[3]])
        let first = try #require(try await store.mention(id: ids[0]))
        #expect(first.status == .approved && first.reverifying)
        #expect(Set(try await store.claimQueued(limit: 10, now: Date()).map(\.id)) == [ids[0], ids[1], ids[3]])
        try await store.close()
    }

    @Test(arguments: StoreKind.tested) func everyStatusChangeIsAnEvent(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let id = try await store.receive(incoming(), actor: .server).mention.id
        try await store.transition(id: id, to: .pending, actor: .server, reason: nil)
        let rejected = try await store.transition(id: id, to: .rejected, actor: .cli, reason: "off-topic")
        #expect(rejected.status == .rejected)
        #expect(rejected.reason == "off-topic")
        let events = try await store.events(mentionID: id)
        #expect(events.map(\.to) == [.queued, .pending, .rejected])
        #expect(events.map(\.from) == [nil, .queued, .pending])
        #expect(events.map(\.actor) == [.server, .server, .cli])
        #expect(events.last?.reason == "off-topic")
        await #expect(throws: StoreError.notFound(id: 999)) {
            try await store.transition(id: 999, to: .approved, actor: .cli, reason: nil)
        }
        try await store.close()
    }

    @Test(arguments: StoreKind.tested) func listFiltersAndCounts(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let a = try await store.receive(incoming("https://a.example/"), actor: .server).mention
        let b = try await store.receive(incoming("https://b.example/"), actor: .server).mention
        _ = try await store.receive(incoming("https://c.example/", target: "https://blog.example/b"), actor: .server)
        try await store.transition(id: a.id, to: .approved, actor: .cli, reason: nil)

        #expect(try await store.list(MentionQuery(statuses: [.approved])).map(\.id) == [a.id])
        #expect(try await store.list(MentionQuery(statuses: [.queued], target: "https://blog.example/a")).map(\.id) == [b.id])
        #expect(try await store.list(MentionQuery(limit: 1)).count == 1)
        #expect(try await store.list(MentionQuery(protocol: .pingback)).isEmpty)
        let counts = try await store.countByStatus()
        #expect(counts[.approved] == 1)
        #expect(counts[.queued] == 2)
        #expect(counts[.spam] == 0)
        #expect(try await store.mention(token: a.token)?.id == a.id)
        #expect(try await store.mention(source: "https://b.example/", target: "https://blog.example/a")?.id == b.id)
        #expect(try await store.mention(token: "nope") == nil)
        try await store.close()
    }

    @Test(arguments: StoreKind.tested) func blocksAreUniqueAndRemovable(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let first = try await store.addBlock(kind: .domain, value: "spam.example", reason: "spam")
        let again = try await store.addBlock(kind: .domain, value: "spam.example", reason: "other")
        #expect(first == again)
        try await store.addBlock(kind: .ip, value: "192.0.2.0/24", reason: nil)
        #expect(try await store.blocks().map(\.value) == ["spam.example", "192.0.2.0/24"])
        #expect(try await store.removeBlock(kind: .domain, value: "spam.example"))
        #expect(try await store.removeBlock(kind: .domain, value: "spam.example") == false)
        #expect(try await store.blocks().count == 1)
        try await store.close()
    }

    @Test(arguments: StoreKind.tested) func twoStoresOnOneDatabaseSeeEachOthersWrites(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let server = fixture.store
        let cli = try await fixture.reopen()
        let id = try await server.receive(incoming(), actor: .server).mention.id
        try await cli.transition(id: id, to: .approved, actor: .cli, reason: nil)
        #expect(try await server.mention(id: id)?.status == .approved)
        try await server.close()
        try await cli.close()
    }

    @Test(arguments: StoreKind.tested) func claimsAreExclusiveAndStaleResultsAreDiscarded(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let first = try await store.receive(incoming("https://a.example/"), actor: .server).mention
        _ = try await store.receive(incoming("https://b.example/"), actor: .server)

        let claimed = try await store.claimQueued(limit: 1, now: Date())
        #expect(claimed.map(\.id) == [first.id])
        #expect(try await store.claimQueued(limit: 5, now: Date()).count == 1)
        #expect(try await store.claimQueued(limit: 5, now: Date()).isEmpty)

        // A re-send during verification makes the claimed result stale.
        _ = try await store.receive(incoming("https://a.example/"), actor: .server)
        let stale = try await store.complete(claimed[0], with: .verified(status: .approved, content: MentionContent()), actor: .server)
        #expect(stale == nil)
        #expect(try await store.mention(id: first.id)?.status == .queued)

        let again = try await store.claimQueued(limit: 5, now: Date())
        #expect(again.map(\.id) == [first.id])
        let content = MentionContent(type: .reply, title: "T", authorName: "A")
        let done = try await completed(store, again[0], with: .verified(status: .approved, content: content))
        #expect(done.status == .approved)
        #expect(done.content == content)
        #expect(done.verified != nil)
        try await store.close()
    }

    /// `aggregate`: the queue's result and a pingback's count both remove the pair's row and count
    /// it once per pair; the counts follow target (its fragments too) and type filters, never a
    /// filter they cannot answer; `migrate-store` carries them.
    @Test(arguments: StoreKind.tested) func aggregatedMentionsAreCountedOncePerPair(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let post = "https://blog.example/post"
        _ = try await store.receive(incoming("https://a.example/like", target: post), actor: .server)
        let claimed = try await store.claimQueued(limit: 1, now: Date())
        #expect(try await store.complete(claimed[0], with: .aggregated(.like), actor: .server) == nil)
        #expect(try await store.mention(id: claimed[0].id) == nil)
        #expect(try await store.events(mentionID: claimed[0].id).isEmpty)
        // The same pair again (a re-send judged as new), a second source, a like of a comment.
        _ = try await store.receive(incoming("https://a.example/like", target: post), actor: .server)
        let again = try await store.claimQueued(limit: 1, now: Date())
        _ = try await store.complete(again[0], with: .aggregated(.like), actor: .server)
        try await store.aggregate(
            IncomingMention(source: "https://b.example/", target: post, site: "blog.example", protocol: .pingback), type: .like)
        try await store.aggregate(StoreFixture.incoming("https://c.example/", target: post + "#comment-1"), type: .repost)
        #expect(try await store.aggregatedByType(MentionQuery(statuses: [.approved], target: post)) == [.like: 2, .repost: 1])
        #expect(try await store.aggregatedByType(MentionQuery(statuses: [.approved], target: post + "#comment-1")) == [.repost: 1])
        #expect(try await store.aggregatedByType(MentionQuery(target: post, types: [.repost])) == [.repost: 1])
        #expect(try await store.aggregatedByType(MentionQuery(target: "https://blog.example/other")).isEmpty)
        #expect(try await store.aggregatedByType(MentionQuery(statuses: [.pending], target: post)).isEmpty)
        #expect(try await store.aggregatedByType(MentionQuery(target: post, sourceDomain: "a.example")).isEmpty)
        #expect(try await store.list(MentionQuery()).isEmpty, "no row names a sender")
        // A pingback's count removes a row of its pair judged as new (rejected by the server).
        _ = try await store.receive(incoming("https://d.example/", target: post), actor: .server)
        let failed = try await store.claimQueued(limit: 1, now: Date())
        _ = try await store.complete(failed[0], with: .failed(status: .rejected, reason: "no-link"), actor: .server)
        try await store.aggregate(incoming("https://d.example/", target: post), type: .like)
        #expect(try await store.list(MentionQuery()).isEmpty)
        #expect(try await store.aggregatedByType(MentionQuery(target: post)) == [.like: 3, .repost: 1])
        // Copied with the rest of the store's state.
        let state = try await store.exportState()
        #expect(state.counted.count == 4)
        let copy = try await StoreFixture(.sqlite)
        defer { copy.remove() }
        try await copy.store.importRows(state)
        try await copy.store.importRows(state)
        #expect(try await copy.store.aggregatedByType(MentionQuery(target: post)) == [.like: 3, .repost: 1])
        try await copy.store.close()
        try await store.close()
    }

    /// The spam score's learning: approved mentions are learnt as good, a moderator's spam as bad,
    /// a decision moves the mention's tokens from one side to the other, learning again changes
    /// nothing, and a rebuild gives the same counts.
    @Test(arguments: StoreKind.tested) func theScoreLearnsFromDecisions(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        var ids: [Int64] = []
        for (source, tokens) in [("https://a.example/", ["garden", "type:reply"]), ("https://b.example/", ["widgets", "type:reply"])] {
            _ = try await store.receive(incoming(source), actor: .server)
            let claimed = try await store.claimQueued(limit: 1, now: Date())
            let signals = SpamSignals(score: SpamScore(value: 0.2, reasons: []), scoreTokens: tokens)
            let done = try await completed(store, claimed[0], with: .verified(status: .approved, content: MentionContent(type: .reply), signals: signals))
            #expect(done.scoreTokens == tokens && done.spamScore?.value == 0.2)
            ids.append(done.id)
        }
        #expect(try await store.learnScore() == 2)
        #expect(try await store.learnScore() == 0, "nothing new")
        #expect(try await store.scoreCounts([], sourceHost: "a.example").hostApproved)
        #expect(try await store.scoreCounts([], sourceHost: "c.example").hostApproved == false)
        var counts = try await store.scoreCounts(["garden", "widgets", "type:reply"], sourceHost: nil).counts
        #expect(counts["widgets"] == SpamModel.Counts(good: 1) && counts["type:reply"] == SpamModel.Counts(good: 2))
        #expect(counts[SpamModel.documentsKey] == SpamModel.Counts(good: 2))
        try await store.decide(id: ids[1], to: .spam, actor: .cli, reason: nil)
        #expect(try await store.learnScore() == 1)
        counts = try await store.scoreCounts(["garden", "widgets", "type:reply"], sourceHost: nil).counts
        #expect(counts["widgets"] == SpamModel.Counts(good: 0, bad: 1))
        #expect(counts["type:reply"] == SpamModel.Counts(good: 1, bad: 1))
        #expect(counts[SpamModel.documentsKey] == SpamModel.Counts(good: 1, bad: 1))
        #expect(try await store.retrainScore() == 2)
        #expect(try await store.scoreCounts(["garden", "widgets", "type:reply"], sourceHost: nil).counts == counts)
        #expect(try await store.learnScore() == 0)
        try await store.close()
    }

    /// Copy detection's index: a verified text's fingerprint and reasons are kept, look-alikes are
    /// found through the bands (not others, not the mention itself, not before `since`), and a
    /// later verification replaces the bands.
    @Test(arguments: StoreKind.tested) func fingerprintsAreFoundByTheirBands(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let farm = try #require(TextFingerprint(Shingles(TextFingerprintTests.post), minimum: 20))
        let other = try #require(TextFingerprint(Shingles(TextFingerprintTests.other), minimum: 20))
        var ids: [Int64] = []
        for (source, fingerprint) in [("https://a.example/", farm), ("https://b.example/", farm), ("https://c.example/", other)] {
            _ = try await store.receive(incoming(source), actor: .server)
            let claimed = try await store.claimQueued(limit: 1, now: Date())
            let signals = SpamSignals(reasons: source.contains("b.") ? [SpamSignals.copyCluster] : [], fingerprint: fingerprint)
            let done = try await completed(store, claimed[0], with: .verified(status: .pending, content: MentionContent(), signals: signals))
            #expect(done.fingerprint == fingerprint && done.spamReasons == signals.reasons)
            ids.append(done.id)
        }
        let hour = Date().addingTimeInterval(-3600)
        #expect(try await store.textsLike(farm, since: hour, excluding: ids[1], limit: 10).map(\.id) == [ids[0]])
        let both = try await store.textsLike(farm, since: hour, excluding: nil, limit: 10).map(\.id)
        #expect(both == [ids[1], ids[0]], "\(both) \(ids)")
        // Without the asker's own host, which still counts towards the limit.
        #expect(try await store.textsLike(farm, since: hour, excluding: nil, limit: 10, otherThanHost: "b.example").map(\.id) == [ids[0]])
        #expect(try await store.textsLike(farm, since: hour, excluding: nil, limit: 1, otherThanHost: "b.example").isEmpty)
        #expect(try await store.textsLike(farm, since: hour, excluding: nil, limit: 1, otherThanHost: "a.example").map(\.id) == [ids[1]])
        #expect(try await store.textsLike(other, since: hour, excluding: ids[2], limit: 10).isEmpty)
        #expect(try await store.textsLike(farm, since: Date().addingTimeInterval(60), excluding: nil, limit: 10).isEmpty)
        #expect(try await store.events(mentionID: ids[1]).last?.reason == "held: copy-cluster")
        // Verified again with another text: its old bands go.
        _ = try await store.receive(incoming("https://a.example/"), actor: .server)
        let again = try await store.claimQueued(limit: 1, now: Date())
        _ = try await store.complete(
            again[0], with: .verified(status: .pending, content: MentionContent(), signals: SpamSignals(fingerprint: other)), actor: .server)
        #expect(try await store.textsLike(farm, since: hour, excluding: nil, limit: 10).map(\.id) == [ids[1]])
        #expect(Set(try await store.textsLike(other, since: hour, excluding: nil, limit: 10).map(\.id)) == [ids[0], ids[2]])
        try await store.close()
    }

    /// A list's copy is replaced by a good fetch and kept through a failed one, which is recorded.
    @Test(arguments: StoreKind.tested) func blocklistCopiesSurviveFailures(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let fetched = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.recordBlocklistFailure(url: "https://lists.example/new", error: "timed out", at: fetched)
        try await store.saveBlocklist(
            BlocklistCopy(url: "https://lists.example/a", entries: BlocklistEntries(domains: ["x.example"], words: ["pills"]), fetched: fetched))
        try await store.recordBlocklistFailure(url: "https://lists.example/a", error: "HTTP 503", at: fetched.addingTimeInterval(60))
        let copies = try await store.blocklistCopies()
        #expect(copies == [
            BlocklistCopy(url: "https://lists.example/a", entries: BlocklistEntries(domains: ["x.example"], words: ["pills"]), fetched: fetched, error: "HTTP 503"),
            BlocklistCopy(url: "https://lists.example/new", entries: BlocklistEntries(), fetched: nil, error: "timed out"),
        ])
        try await store.saveBlocklist(BlocklistCopy(url: "https://lists.example/a", entries: BlocklistEntries(domains: ["y.example"]), fetched: fetched))
        #expect(try await store.blocklistCopies().first == BlocklistCopy(
            url: "https://lists.example/a", entries: BlocklistEntries(domains: ["y.example"]), fetched: fetched))
        try await store.close()
    }

    @Test(arguments: StoreKind.tested) func retriesWaitUntilDueAndClaimsEndAtStartOrWithTheirLease(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let id = try await store.receive(incoming(), actor: .server).mention.id
        let now = Date()
        let claimed = try await store.claimQueued(limit: 1, now: now)
        let retried = try await completed(store, claimed[0], with: .retry(nextAttempt: now.addingTimeInterval(60), reason: "timed-out"))
        #expect(retried.status == .queued && retried.attempts == 1 && retried.reason == "timed-out")
        #expect(try await store.claimQueued(limit: 1, now: now).isEmpty)
        #expect(try await store.claimQueued(limit: 1, now: now.addingTimeInterval(61)).map(\.id) == [id])
        #expect(try await store.claimQueued(limit: 1, now: now.addingTimeInterval(61)).isEmpty)
        try await store.releaseClaims()
        switch kind {
        case .sqlite:
            // One server per file: what was claimed when it stopped is free at the next start.
            #expect(try await store.claimQueued(limit: 1, now: now.addingTimeInterval(61)).map(\.id) == [id])
        case .postgres:
            // A live instance may be verifying it: nothing is released; the claim's lease ends it.
            let lease = StoreFixture.postgresClaimLease
            #expect(try await store.claimQueued(limit: 1, now: now.addingTimeInterval(61)).isEmpty)
            #expect(try await store.claimQueued(limit: 1, now: now.addingTimeInterval(60 + lease)).isEmpty)
            #expect(try await store.claimQueued(limit: 1, now: now.addingTimeInterval(62 + lease)).map(\.id) == [id])
        }
        try await store.close()
    }

    /// #16 item 7: `…/a#comment-1` and `…/a` are two mentions; a query for the page finds both,
    /// one for the part finds it alone, and no other page leaks in.
    @Test(arguments: StoreKind.tested) func targetsWithFragmentsAreTheirOwnMentionsOfThePage(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let page = try await store.receive(incoming(target: "https://blog.example/a"), actor: .server)
        let part = try await store.receive(incoming(target: "https://blog.example/a#comment-1"), actor: .server)
        _ = try await store.receive(incoming(target: "https://blog.example/a2"), actor: .server)
        _ = try await store.receive(incoming(target: "https://blog.example/a/b"), actor: .server)
        #expect(part.isNew && part.mention.id != page.mention.id)
        let forPage = try await store.list(MentionQuery(target: "https://blog.example/a", ascending: true))
        #expect(forPage.map(\.id) == [page.mention.id, part.mention.id])
        #expect(try await store.list(MentionQuery(target: "https://blog.example/a#comment-1")).map(\.id) == [part.mention.id])
        #expect(try await store.list(MentionQuery(targets: ["https://blog.example/a2", "https://blog.example/a#x"])).count == 1)
        #expect(try await store.list(MentionQuery(targets: [])).isEmpty)
        try await store.close()
    }

    /// #16 item 6: a re-sent approved mention stays approved and visible while it is verified
    /// again; retries keep it so; only gone or no-link takes it down. A re-sent pending mention
    /// waits in the queue as before, and a moderator's decision ends a re-verification.
    @Test(arguments: StoreKind.tested) func aResentApprovedMentionStaysVisibleUntilAFinalOutcome(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let policy = VerificationPolicy(maxAttempts: 2, retryBaseSeconds: 60)
        let now = Date()
        func approve(_ source: String) async throws -> Mention {
            let queued = try await store.receive(incoming(source), actor: .server).mention
            let claimed = try await store.claimQueued(limit: 1, now: now)
            #expect(claimed.map(\.id) == [queued.id])
            return try await completed(store, claimed[0], with: .verified(status: .approved, content: MentionContent(title: "v1")))
        }
        let visible = MentionQuery(statuses: [.approved])

        let a = try await approve("https://a.example/")
        let resent = try await store.receive(incoming("https://a.example/"), actor: .server).mention
        #expect(resent.status == .approved && resent.reverifying && resent.awaitsVerification)
        #expect(try await store.list(visible).map(\.id) == [a.id])
        // A transient failure retries and keeps it visible.
        var claimed = try await store.claimQueued(limit: 5, now: now)
        #expect(claimed.map(\.id) == [a.id])
        let retry = policy.decide(claimed[0], .serverError(status: 503), now: now)
        let retried = try await completed(store, claimed[0], with: retry)
        #expect(retried.status == .approved && retried.reverifying)
        // Attempts run out: still approved, no longer being verified.
        claimed = try await store.claimQueued(limit: 5, now: now.addingTimeInterval(3600))
        let exhausted = policy.decide(claimed[0], .serverError(status: 503), now: now)
        #expect(exhausted == .failed(status: .approved, reason: "source-server-error"))
        let kept = try await completed(store, claimed[0], with: exhausted)
        #expect(kept.status == .approved && !kept.reverifying && kept.content?.title == "v1")
        #expect(try await store.list(visible).map(\.id) == [a.id])
        #expect(try await store.claimQueued(limit: 5, now: now.addingTimeInterval(7200)).isEmpty)

        // Re-sent again and the link is gone: deleted.
        _ = try await store.receive(incoming("https://a.example/"), actor: .server)
        claimed = try await store.claimQueued(limit: 5, now: now)
        let removed = try await completed(store, claimed[0], with: policy.decide(claimed[0], .noLink))
        #expect(removed.status == .deleted && !removed.reverifying)
        #expect(try await store.list(visible).isEmpty)

        // A moderator's decision during re-verification ends it; the late result is dropped.
        let b = try await approve("https://b.example/")
        _ = try await store.receive(incoming("https://b.example/"), actor: .server)
        claimed = try await store.claimQueued(limit: 5, now: now)
        try await store.transition(id: b.id, to: .spam, actor: .cli, reason: nil)
        #expect(try await store.complete(claimed[0], with: policy.decide(claimed[0], .linkFound(MentionContent())), actor: .server) == nil)
        #expect(try await store.mention(id: b.id)?.status == .spam)

        // Pending mentions are not visible; a re-send queues them so nobody approves unverified content.
        let c = try await store.receive(incoming("https://c.example/"), actor: .server).mention
        try await store.transition(id: c.id, to: .pending, actor: .server, reason: nil)
        let pending = try await store.receive(incoming("https://c.example/"), actor: .server).mention
        #expect(pending.status == .queued && !pending.reverifying && pending.previousStatus == .pending)
        try await store.close()
    }

    /// Review #25's lost update: a status judged from a row read before a fetch is not written over
    /// a moderator's action made during it; the status is judged again from the row as it is.
    @Test(arguments: StoreKind.tested) func aVerifiedWriteNeverOverwritesAModeratorsActionMadeMeanwhile(_ kind: StoreKind)
        async throws
    {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let policy = VerificationPolicy(autoApprove: true)
        let pair = incoming("https://a.example/")
        let received = try await store.receive(pair, actor: .server).mention
        let approved = try await store.decide(id: received.id, to: .approved, actor: .cli, reason: nil)
        let readBeforeTheFetch = try #require(try await store.mention(id: approved.id))
        try await store.decide(id: approved.id, to: .spam, actor: .adminAPI, reason: "meanwhile")
        // The store refuses a write judged from the old row…
        await #expect(throws: StoreError.self) {
            try await store.storeVerified(
                pair, status: .approved, content: MentionContent(type: .reply), actor: .cli, received: nil,
                expecting: readBeforeTheFetch)
        }
        // …and the policy judges again from the row as it is now.
        let stored = try await policy.storeVerified(
            pair, content: MentionContent(type: .reply), existing: readBeforeTheFetch, in: store, actor: .cli)
        #expect(stored.status == .spam && stored.decision == .spam)
        try await store.close()
    }

    /// A moderator's rejection sticks through a re-send (the review's item 4); a rejection by
    /// verification does not, so a sender who fixes the page is judged afresh.
    @Test(arguments: StoreKind.tested) func aResendKeepsAModeratorsRejectionOnly(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let policy = VerificationPolicy(autoApprove: true)
        let found = VerificationOutcome.linkFound(MentionContent())

        let moderated = try await store.receive(incoming("https://a.example/"), actor: .server).mention
        try await store.transition(id: moderated.id, to: .pending, actor: .server, reason: nil)
        try await store.decide(id: moderated.id, to: .rejected, actor: .cli, reason: "off-topic")
        let resent = try await store.receive(incoming("https://a.example/"), actor: .server).mention
        #expect(resent.previousStatus == .rejected && resent.decision == .rejected)
        #expect(policy.decide(resent, found) == .verified(status: .rejected, content: MentionContent()))
        // A re-send while still queued keeps it too.
        let again = try await store.receive(incoming("https://a.example/"), actor: .server).mention
        #expect(again.previousStatus == .rejected)
        // Verified (by the server, which records the rejection as its own), then re-sent once more:
        // the moderator's decision is still the mention's (review F3).
        let claimed = try #require(try await store.claimQueued(limit: 10, now: Date()).first { $0.id == moderated.id })
        try await store.complete(claimed, with: policy.decide(claimed, found), actor: .server)
        let third = try await store.receive(incoming("https://a.example/"), actor: .server).mention
        #expect(third.previousStatus == .rejected && third.decision == .rejected)
        #expect(policy.decide(third, found) == .verified(status: .rejected, content: MentionContent()))

        let failed = try await store.receive(incoming("https://b.example/"), actor: .server).mention
        try await store.transition(id: failed.id, to: .rejected, actor: .server, reason: "no-link")
        let fixed = try await store.receive(incoming("https://b.example/"), actor: .server).mention
        #expect(fixed.previousStatus == nil)
        #expect(policy.decide(fixed, found) == .verified(status: .approved, content: MentionContent()))
        try await store.close()
    }

    /// `%`, `_` and `\` in a domain filter match literally (the review's item 7).
    @Test(arguments: StoreKind.tested) func domainFiltersMatchWildcardCharactersLiterally(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        for source in ["https://myxblog.example/1", "https://my_blog.example/1", "https://a%b.example/1", "https://sub.my_blog.example/2"] {
            _ = try await store.receive(incoming(source), actor: .server)
        }
        func sources(_ domain: String) async throws -> Set<String> {
            Set(try await store.list(MentionQuery(sourceDomain: domain)).map(\.source))
        }
        #expect(try await sources("_").isEmpty)
        #expect(try await sources("%").isEmpty)
        #expect(try await sources("my_blog.example") == ["https://my_blog.example/1", "https://sub.my_blog.example/2"])
        #expect(try await sources("a%b.example") == ["https://a%b.example/1"])
        // Blocking my_blog.example marks only its own mentions spam.
        let result = try await ModerationService(store: store, actor: .cli).block(kind: .domain, value: "my_blog.example", reason: nil)
        #expect(result.markedSpam == 2)
        #expect(try await store.list(MentionQuery(statuses: [.spam])).map(\.source).sorted()
            == ["https://my_blog.example/1", "https://sub.my_blog.example/2"])
        try await store.close()
    }

    /// `spam.pair_interval_seconds`, kept by the store so every instance sharing it holds to one
    /// interval: a receipt of the same pair sooner is refused and writes nothing, by either path.
    @Test(arguments: StoreKind.tested) func aPairReceivedAgainTooSoonIsRefusedAndNotWritten(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        var pair = incoming()
        pair.pairInterval = 30
        let first = try await store.receive(pair, actor: .server).mention
        func refusal(_ write: () async throws -> Void) async -> (Int64, Int)? {
            do {
                try await write()
            } catch StoreError.tooSoon(let id, let seconds) {
                return (id, seconds)
            } catch {}
            return nil
        }
        let byReceive = await refusal { _ = try await store.receive(pair, actor: .server) }
        #expect(byReceive?.0 == first.id && byReceive?.1 == 30)
        let byStoreVerified = await refusal {
            _ = try await store.storeVerified(pair, status: .pending, content: MentionContent(), actor: .server, received: nil)
        }
        #expect(byStoreVerified?.0 == first.id && byStoreVerified?.1 == 30)
        #expect(try await store.events(mentionID: first.id).count == 1)
        #expect(try await store.mention(id: first.id)?.revision == first.revision)
        // Without an interval, or once it has passed, a re-send is an update.
        pair.pairInterval = 0
        #expect(try await store.receive(pair, actor: .server).isNew == false)
        pair.pairInterval = 30
        fixture.clock.advance(by: 29)
        #expect(await refusal { _ = try await store.receive(pair, actor: .server) }?.1 == 1, "one second before the edge")
        fixture.clock.advance(by: 1)
        let again = try await store.receive(pair, actor: .server).mention
        #expect(again.revision == first.revision + 2)
        #expect(again.lastReceived > first.lastReceived)
        try await store.close()
    }

    /// The built-in ban's bans, shared through the store: the later end wins, ended bans are gone.
    @Test(arguments: StoreKind.tested) func bansAreSharedUntilTheyEnd(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let now = Date()
        try await store.recordBans([
            Ban(address: "192.0.2.1", until: now.addingTimeInterval(600)),
            Ban(address: "2001:db8::1", until: now.addingTimeInterval(60)),
        ])
        try await store.recordBans([
            Ban(address: "192.0.2.1", until: now.addingTimeInterval(30)),
            Ban(address: "2001:db8::1", until: now.addingTimeInterval(120)),
        ])
        let active = try await store.activeBans(now: now)
        #expect(active.map(\.address) == ["192.0.2.1", "2001:db8::1"])
        #expect(abs((active.first?.until.timeIntervalSince(now) ?? 0) - 600) < 1)
        #expect(abs((active.last?.until.timeIntervalSince(now) ?? 0) - 120) < 1)
        #expect(try await store.activeBans(now: now.addingTimeInterval(121)).map(\.address) == ["192.0.2.1"])
        #expect(try await fixture.reopen().activeBans(now: now).count == 2)
        try await store.close()
    }
}

import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackCore
@testable import LinkbackKit
@testable import LinkbackStore

/// The webhook outbox on a real SQLite file and a real PostgreSQL database: which status changes are announced, the payload and
/// its signature, backoff and giving up. (Delivery over HTTP to a real receiver is tested end to
/// end in `WebhookDeliveryTests`.)
@Suite struct WebhookOutboxTests {
    /// Records what would be sent; fails the first `failures` attempts.
    final class RecordingSender: WebhookSending, Sendable {
        let sent = Locked<[(url: URL, body: Data, headers: [(String, String)])]>([])
        let failures: Locked<Int>

        init(failures: Int = 0) { self.failures = Locked(failures) }

        func send(_ url: URL, body: Data, headers: [(String, String)]) async throws(FetchFailure) {
            let fail = failures.withLock { count -> Bool in
                guard count > 0 else { return false }
                count -= 1
                return true
            }
            if fail { throw .serverError(status: 503) }
            sent.withLock { $0.append((url, body, headers)) }
        }
    }

    static let hook = Config.Webhook(url: "https://hooks.example/in", secret: "a-secret-of-16-chars")

    /// Each test runs on SQLite and on PostgreSQL (see ``StoreConformanceTests``).
    private func withStore(_ kind: StoreKind, _ body: (any MentionStore) async throws -> Void) async throws {
        try await withStore(kind) { store, _ in try await body(store) }
    }

    /// With the store's clock, which the dispatcher is given too (``dispatcher(_:_:hooks:clock:)``).
    private func withStore(_ kind: StoreKind, _ body: (any MentionStore, ManualClock) async throws -> Void) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        try await body(fixture.store, fixture.clock)
        try await fixture.store.close()
    }

    private func dispatcher(
        _ store: any MentionStore, _ sender: RecordingSender, hooks: [Config.Webhook] = [hook], clock: any WallClock = SystemClock()
    ) -> WebhookDispatcher {
        var delivery = Config.defaults.webhookDelivery
        delivery.retryBaseSeconds = 10
        delivery.giveUpHours = 1
        return WebhookDispatcher(
            store: store, webhooks: hooks, delivery: delivery, sender: sender, logger: .init(label: "t"), clock: clock)
    }

    private func incoming(_ source: String) -> IncomingMention {
        IncomingMention(source: source, target: "https://blog.example/p", site: "blog.example", protocol: .webmention)
    }

    @Test func classification() {
        #expect(WebhookEvent.of(change: .approved, previousSettled: .pending) == [.approved])
        #expect(WebhookEvent.of(change: .approved, previousSettled: nil) == [.approved])
        #expect(WebhookEvent.of(change: .approved, previousSettled: .approved) == [.updated])
        #expect(WebhookEvent.of(change: .deleted, previousSettled: .approved) == [.deleted])
        #expect(WebhookEvent.of(change: .spam, previousSettled: .approved) == [.deleted])
        #expect(WebhookEvent.of(change: .deleted, previousSettled: .pending) == [])
        #expect(WebhookEvent.of(change: .queued, previousSettled: .approved) == [])
        // Waiting for the owner: new, or held by a spam signal; still waiting is nothing new.
        #expect(WebhookEvent.of(change: .pending, previousSettled: nil) == [.pending])
        #expect(WebhookEvent.of(change: .pending, previousSettled: nil, held: true) == [.held])
        #expect(WebhookEvent.of(change: .pending, previousSettled: .rejected) == [.pending])
        #expect(WebhookEvent.of(change: .pending, previousSettled: .pending, held: true) == [])
        // A visible mention held again: gone for the blog, held for the owner.
        #expect(WebhookEvent.of(change: .pending, previousSettled: .approved, held: true) == [.deleted, .held])
    }

    /// A webhook that lists no events hears of visibility only, as before `pending` and `held`.
    @Test func webhooksHearOfVisibilityUnlessTheyAsk() throws {
        let config = try ConfigLoader.parse(yaml: """
            webhooks:
              - url: https://hooks.example/a
                secret: 0123456789abcdef
              - url: https://hooks.example/b
                secret: 0123456789abcdef
                events: [pending, held]
            """, origin: "f.yaml", environment: [:])
        #expect(config.webhooks.map(\.events) == [WebhookEvent.visibility, [.pending, .held]])
    }

    /// Review F2: the top-level `private` is the mention's (webmention.io's consumers publish on it).
    @Test func payloadSaysWhetherTheMentionIsPrivate() throws {
        for isPrivate in [false, true] {
            let mention = Mention(
                id: 7, token: "t", source: "https://a.example/p", target: "https://blog.example/", site: "blog.example",
                protocol: .webmention, status: .approved, received: Date(), updated: Date(), isPrivate: isPrivate)
            let payload = WebhookPayload(event: .approved, eventID: 1, mention: mention).encoded()
            let object = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
            #expect(object["private"] as? Bool == isPrivate)
        }
    }

    @Test func signatureIsHMACSHA256() {
        // RFC 4231 test case 2.
        #expect(WebhookSignature.value(secret: "Jefe", body: Data("what do ya want for nothing?".utf8))
            == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let body = WebhookPayload.body(stored: Data(#"{"a":1}"#.utf8), secret: #"s"q"#)
        #expect(String(decoding: body, as: UTF8.self) == #"{"secret":"s\"q","a":1}"#)
        #expect(String(decoding: WebhookPayload.body(stored: Data("{}".utf8), secret: "s"), as: UTF8.self) == #"{"secret":"s"}"#)
    }

    @Test(arguments: StoreKind.tested) func approvalsUpdatesAndDeletionsByAnyoneAreAnnouncedOnce(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let sender = RecordingSender()
            let webhooks = dispatcher(store, sender)
            let before = try await store.receive(incoming("https://old.example/1"), actor: .server).mention
            try await store.transition(id: before.id, to: .approved, actor: .cli, reason: nil)
            // The first look starts the cursor here: what happened before is not announced.
            #expect(try await webhooks.feed() == 0)

            let a = try await store.receive(incoming("https://a.example/1"), actor: .server).mention
            try await store.transition(id: a.id, to: .pending, actor: .server, reason: nil)
            try await store.transition(id: a.id, to: .approved, actor: .cli, reason: nil)
            // A re-send (nothing by itself: the mention stays approved) and its re-verification: an update.
            _ = try await store.receive(incoming("https://a.example/1"), actor: .server)
            #expect(try await webhooks.feed() == 1)
            let claimed = try await store.claimQueued(limit: 5, now: Date())
            #expect(claimed.map(\.id) == [a.id])
            _ = try await store.complete(claimed[0], with: .verified(status: .approved, content: MentionContent()), actor: .server)
            // Gone: a deletion.
            try await store.transition(id: a.id, to: .deleted, actor: .server, reason: "gone")
            // Never shown: nothing.
            let b = try await store.receive(incoming("https://b.example/1"), actor: .server).mention
            try await store.transition(id: b.id, to: .rejected, actor: .server, reason: "no-link")

            #expect(try await webhooks.feed() == 2)
            #expect(try await webhooks.feed() == 0)
            #expect(await webhooks.deliverDue() == 1)  // one per URL at a time
            #expect(await webhooks.deliverDue() == 1)
            #expect(await webhooks.deliverDue() == 1)
            let sent = sender.sent.withLock { $0 }
            let events = sent.compactMap { JSON.object(String(decoding: $0.body, as: UTF8.self))?["event"] as? String }
            #expect(events == ["approved", "updated", "deleted"])
            let last = try #require(JSON.object(String(decoding: sent[2].body, as: UTF8.self)))
            #expect(last["deleted"] as? Bool == true)
            #expect(last["secret"] as? String == Self.hook.secret)
            #expect(last["source"] as? String == "https://a.example/1")
            #expect((last["post"] as? [String: Any])?["wm-source"] as? String == "https://a.example/1")
            let signature = sent[2].headers.first { $0.0 == WebhookSignature.header }?.1
            #expect(signature == WebhookSignature.value(secret: Self.hook.secret, body: sent[2].body))
            #expect(try await store.deliveryCounts() == [.pending: 0, .delivered: 3, .failed: 0])
        }
    }

    /// A re-check that finds a mention as it was, or that meets a timeout that keeps it, is
    /// nothing to announce; new content is an update.
    @Test(arguments: StoreKind.tested) func aVerificationThatChangesNothingIsNotAnnounced(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let sender = RecordingSender()
            let webhooks = dispatcher(store, sender)
            #expect(try await webhooks.feed() == 0)
            let content = MentionContent(type: .reply, contentText: "Nice post")
            let stored = try await store.storeVerified(incoming("https://a.example/1"), status: .approved, content: content,
                actor: .server, received: nil)
            #expect(try await webhooks.feed() == 1)  // approved
            func verifyAgain(_ result: VerificationResult) async throws {
                #expect(try await store.markForRecheck(verifiedBefore: Date().addingTimeInterval(60), limit: 1, at: Date())
                    == [stored.id])
                let claimed = try await store.claimQueued(limit: 5, now: Date())
                #expect(claimed.map(\.id) == [stored.id])
                _ = try await store.complete(claimed[0], with: result, actor: .server)
            }
            try await verifyAgain(.verified(status: .approved, content: content))
            #expect(try await webhooks.feed() == 0)
            try await verifyAgain(.failed(status: .approved, reason: "timed-out"))
            #expect(try await webhooks.feed() == 0)
            var edited = content
            edited.contentText = "Nice post, edited"
            try await verifyAgain(.verified(status: .approved, content: edited))
            #expect(try await webhooks.feed() == 1)
            let reasons = try await store.events(mentionID: stored.id).map(\.reason)
            #expect(reasons.suffix(3) == [MentionEvent.unchangedReason, "timed-out", MentionEvent.verifiedReason])
        }
    }

    @Test(arguments: StoreKind.tested) func onlyTheEventsAWebhookAsksFor(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let sender = RecordingSender()
            let deletions = Config.Webhook(url: "https://hooks.example/deleted", secret: "another-secret-16", events: [.deleted])
            let webhooks = dispatcher(store, sender, hooks: [Self.hook, deletions])
            #expect(try await webhooks.feed() == 0)
            let a = try await store.receive(incoming("https://a.example/1"), actor: .server).mention
            try await store.transition(id: a.id, to: .approved, actor: .adminAPI, reason: nil)
            try await store.transition(id: a.id, to: .spam, actor: .cli, reason: nil)
            #expect(try await webhooks.feed() == 3)
            let urls = try await store.deliveries(state: .pending, limit: 10).map(\.url).sorted()
            #expect(urls == ["https://hooks.example/deleted", "https://hooks.example/in", "https://hooks.example/in"])
        }
    }

    @Test(arguments: StoreKind.tested) func failuresBackOffThenGiveUp(_ kind: StoreKind) async throws {
        try await withStore(kind) { store, clock in
            let sender = RecordingSender(failures: 10)
            let webhooks = dispatcher(store, sender, clock: clock)
            _ = try await webhooks.feed()
            let a = try await store.receive(incoming("https://a.example/1"), actor: .server).mention
            try await store.transition(id: a.id, to: .approved, actor: .cli, reason: nil)
            _ = try await webhooks.feed()
            #expect(await webhooks.deliverDue() == 0)
            let failed = try #require(try await store.deliveries(state: .pending, limit: 1).first)
            #expect(failed.attempts == 1)
            #expect(failed.lastError == "server error (HTTP 503)")
            #expect(try #require(failed.nextAttemptAt).timeIntervalSince(clock.now()) == 10)
            // Not due a second before its time; due at it, and the second failure waits twice as long.
            clock.advance(by: 9)
            #expect(await webhooks.deliverDue() == 0)
            #expect(try await store.deliveries(state: .pending, limit: 1).first?.attempts == 1)
            clock.advance(by: 1)
            #expect(await webhooks.deliverDue() == 0)
            let again = try #require(try await store.deliveries(state: .pending, limit: 1).first)
            #expect(again.attempts == 2)
            #expect(try #require(again.nextAttemptAt).timeIntervalSince(clock.now()) == 20)
            clock.advance(by: 20)
            #expect(await webhooks.deliverDue() == 0)
            #expect(try await store.deliveries(state: .pending, limit: 1).first?.attempts == 3)
            // Later attempts double the wait, and past give_up_hours the delivery is given up.
            #expect(webhooks.next(after: failed, error: "x", now: failed.created) == .retry(
                error: "x", nextAttempt: failed.created.addingTimeInterval(20)))
            var old = failed
            old.attempts = 9
            #expect(webhooks.next(after: old, error: "x", now: failed.created.addingTimeInterval(3000)) == .gaveUp(error: "x"))
            // Retried by hand: due at once.
            try await store.recordDelivery(id: failed.id, outcome: .gaveUp(error: "x"), at: clock.now())
            #expect(try await store.deliveryCounts()[.failed] == 1)
            #expect(try await store.retryDeliveries(ids: nil, at: clock.now()) == 1)
            #expect(try await store.dueDeliveries(now: clock.now()).count == 1)
        }
    }

    /// Review F9: thousands of pending deliveries (an import, a bulk approve) are one indexed query
    /// per URL, not a correlated MIN per row. Each URL's oldest due delivery, and only one per URL.
    @Test(arguments: StoreKind.tested) func thousandsOfPendingDeliveriesGiveOnePerURL(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let mention = try await store.receive(incoming("https://a.example/"), actor: .server).mention
            let urls = ["https://hooks.example/a", "https://hooks.example/b", "https://hooks.example/c"]
            var deliveries: [NewWebhookDelivery] = []
            for eventID in 1...3_000 {
                deliveries.append(NewWebhookDelivery(
                    url: urls[eventID % 3], event: .approved, mentionID: mention.id, eventID: Int64(eventID),
                    payload: Data("\(eventID)".utf8)))
            }
            try await store.enqueueDeliveries(deliveries, cursor: 1)
            let due = try await store.dueDeliveries(now: Date().addingTimeInterval(1))
            #expect(due.map(\.url).sorted() == urls)
            #expect(due.map(\.eventID).sorted() == [1, 2, 3])
            // Delivered, the next of that URL is due; given up, too.
            let first = try #require(due.first { $0.eventID == 1 })
            try await store.recordDelivery(id: first.id, outcome: .delivered, at: Date())
            let second = try #require(due.first { $0.eventID == 2 })
            try await store.recordDelivery(id: second.id, outcome: .gaveUp(error: "410"), at: Date())
            let third = try #require(due.first { $0.eventID == 3 })
            try await store.recordDelivery(id: third.id, outcome: .retry(error: "503", nextAttempt: Date().addingTimeInterval(3600)), at: Date())
            let next = try await store.dueDeliveries(now: Date().addingTimeInterval(2))
            #expect(next.map(\.eventID).sorted() == [4, 5, 6])
        }
    }
}

import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackCore
@testable import LinkbackKit
@testable import LinkbackStore

/// The moderation use cases on a real SQLite file and a real PostgreSQL database: compare-and-set transitions, spam blocking its
/// source, blocks marking mentions spam, allow lists in their normal form.
@Suite struct ModerationServiceTests {
    /// Each test runs on SQLite and on PostgreSQL (see ``StoreConformanceTests``).
    private func withStore(_ kind: StoreKind, _ body: (any MentionStore) async throws -> Void) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        try await body(fixture.store)
        try await fixture.store.close()
    }

    private func pending(_ store: any MentionStore, _ source: String) async throws -> Mention {
        let received = try await store.receive(
            IncomingMention(source: source, target: "https://blog.example/p", site: "blog.example", protocol: .webmention),
            actor: .server)
        return try await store.transition(id: received.mention.id, to: .pending, actor: .server, reason: nil)
    }

    @Test(arguments: StoreKind.tested) func aStatusThatChangedBetweenReadAndWriteIsNotOverwritten(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let mention = try await pending(store, "https://a.example/1")
            // A re-send puts it back in the queue: it is no longer verified.
            _ = try await store.receive(
                IncomingMention(source: mention.source, target: mention.target, site: "blog.example", protocol: .webmention),
                actor: .server)
            await #expect(throws: StoreError.conflict(id: mention.id, status: .queued)) {
                try await store.decide(id: mention.id, to: .approved, allowedFrom: [.pending], actor: .cli, reason: nil)
            }
            let change = try await ModerationService(store: store, actor: .adminAPI).apply(.approve, to: mention.id, reason: nil)
            guard case .refused(_, let reason) = change else {
                Issue.record("approved an unverified mention: \(change)")
                return
            }
            #expect(reason.contains("not been verified"))
            #expect(try await store.mention(id: mention.id)?.status == .queued)
        }
    }

    @Test(arguments: StoreKind.tested) func spamBlocksTheSourceDomainOrSitePrefix(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let service = ModerationService(store: store, actor: .cli)
            let named = try await pending(store, "https://www.Spam.example/x")
            let address = try await pending(store, "http://203.0.113.7:8080/x")
            guard case .changed(_, let after, let block)? = try await service.apply(.spam, to: [named.id], reason: nil).first else {
                Issue.record("not changed")
                return
            }
            #expect(after.status == .spam)
            #expect(block?.kind == .domain && block?.value == "www.spam.example")
            guard case .changed(_, _, let siteBlock)? = try await service.apply(.spam, to: [address.id], reason: nil).first else {
                Issue.record("not changed")
                return
            }
            #expect(siteBlock?.kind == .url && siteBlock?.value == "http://203.0.113.7:8080/")
            let other = try await pending(store, "https://other.example/x")
            guard case .changed(_, _, nil)? = try await service.apply(.spam, to: [other.id], reason: nil, blockSource: false).first
            else {
                Issue.record("blocked although asked not to")
                return
            }
            #expect(try await store.blocks().count == 2)
        }
    }

    @Test(arguments: StoreKind.tested) func bulkActionsReportEachMention(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let a = try await pending(store, "https://a.example/1")
            let b = try await pending(store, "https://b.example/1")
            try await store.transition(id: b.id, to: .approved, actor: .cli, reason: nil)
            let changes = try await ModerationService(store: store, actor: .cli).apply(.approve, to: [a.id, b.id, 999], reason: "ok")
            #expect(changes.count == 3)
            if case .changed(let before, let after, _) = changes[0] {
                #expect(before.status == .pending && after.status == .approved)
            } else {
                Issue.record("\(changes[0])")
            }
            #expect(changes[1] == .refused(id: b.id, reason: "cannot approve: it is already approved"))
            #expect(changes[2] == .refused(id: 999, reason: "no such mention"))
        }
    }

    @Test(arguments: StoreKind.tested) func allowTakesTheNormalForm(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let service = ModerationService(store: store, actor: .cli)
            let added = try await service.allow("Bücher.Example.")
            let domains = try await store.allowedDomains()
            let again = try await service.allow("xn--bcher-kva.example")
            let removed = try await service.disallow("bücher.example")
            #expect(added && !again && removed)
            #expect(domains == ["xn--bcher-kva.example"])
            await #expect(throws: ModerationError.self) { try await service.allow("not a domain") }
        }
    }
}

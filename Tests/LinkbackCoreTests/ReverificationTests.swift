import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackCore
@testable import LinkbackKit
@testable import LinkbackStore

/// Re-verifying stored mentions against a real local page: moderators' decisions stick, a
/// verification's rejection does not, and only gone or link-less sources delete.
@Suite struct ReverificationTests {
    @Test func keepsModeratorDecisionsAndDeletesOnlyWhenTheLinkIsGone() async throws {
        let server = try await FixtureServer.start()
        server.set("/links", .html(#"<a href="https://blog.example/p">x</a>"#))
        server.set("/nolink", .html("<p>nothing</p>"))
        server.set("/broken", .html("oops", status: 503))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteMentionStore(path: directory.file("db.sqlite"))
        func stored(_ path: String, status: MentionStatus, by actor: Actor) async throws -> Mention {
            let received = try await store.receive(
                IncomingMention(source: server.url(path).absoluteString, target: "https://blog.example/p", site: "blog.example",
                    protocol: .webmention), actor: .server)
            return actor == .server
                ? try await store.transition(id: received.mention.id, to: status, actor: actor, reason: "no-link")
                : try await store.decide(id: received.mention.id, to: status, actor: actor, reason: nil)
        }
        let verifier = Verifier(fetcher: GuardedFetcher(
            limits: FetchLimits(timeoutSeconds: 5, allowHosts: [HostPort(host: "127.0.0.1", port: server.port)]), userAgent: "t"))
        let reverification = Reverification(store: store, verifier: verifier, policy: VerificationPolicy(), actor: .cli)

        let moderated = try await stored("/links", status: .rejected, by: .adminAPI)
        #expect(try await reverification.reverify(moderated) == .valid(.rejected))
        // A verification's rejection since does not lift the moderator's (review F3).
        try await store.transition(id: moderated.id, to: .rejected, actor: .server, reason: "no-link")
        #expect(try await reverification.reverify(try await store.mention(id: moderated.id)!) == .valid(.rejected))
        // A rejection by verification alone is no decision: found again, it is judged as new.
        server.set("/failed-once", .html(#"<a href="https://blog.example/p">x</a>"#))
        let failedBefore = try await stored("/failed-once", status: .rejected, by: .server)
        #expect(try await reverification.reverify(failedBefore) == .valid(.pending))
        // A moderator's delete is final too: `reverify --all` does not bring it back (review item 2).
        server.set("/deleted", .html(#"<a href="https://blog.example/p">x</a>"#))
        let deleted = try await stored("/deleted", status: .deleted, by: .cli)
        #expect(try await reverification.reverify(deleted) == .valid(.deleted))
        #expect(try await store.mention(id: deleted.id)?.status == .deleted)
        let approveDeleted = try await ModerationService(store: store, actor: .cli).apply(.approve, to: deleted.id, reason: nil)
        #expect(approveDeleted == .refused(id: deleted.id, reason: "cannot approve: it was deleted by a moderator; restore it first"))
        let approved = try await stored("/nolink", status: .approved, by: .cli)
        #expect(try await reverification.reverify(approved) == .deleted)
        #expect(try await store.mention(id: approved.id)?.status == .deleted)
        let flaky = try await stored("/broken", status: .approved, by: .cli)
        #expect(try await reverification.reverify(flaky) == .failed("source-server-error"))
        #expect(try await store.mention(id: flaky.id)?.status == .approved)
        try await store.close()
        await server.stop()
    }

    /// Review #25's lost update, replayed: `linkback reverify` fetches a slow page while a moderator
    /// marks the mention spam, or rejects it; the decision stands.
    @Test(arguments: [MentionStatus.spam, .rejected]) func aModeratorsDecisionDuringTheFetchStands(_ decision: MentionStatus)
        async throws
    {
        let server = try await FixtureServer.start()
        var slow = FixtureServer.Page.html(#"<a href="https://blog.example/p">x</a>"# + String(repeating: " ", count: 40))
        slow.trickle = .milliseconds(20)
        slow.chunkSize = 2
        server.set("/slow", slow)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteMentionStore(path: directory.file("db.sqlite"))
        let received = try await store.receive(
            IncomingMention(source: server.url("/slow").absoluteString, target: "https://blog.example/p", site: "blog.example",
                protocol: .webmention), actor: .server)
        let approved = try await store.decide(id: received.mention.id, to: .approved, actor: .cli, reason: nil)
        let verifier = Verifier(fetcher: GuardedFetcher(
            limits: FetchLimits(timeoutSeconds: 10, allowHosts: [HostPort(host: "127.0.0.1", port: server.port)]), userAgent: "t"))
        let reverification = Reverification(store: store, verifier: verifier, policy: VerificationPolicy(), actor: .cli)
        let running = Task { try await reverification.reverify(approved) }
        for _ in 0..<100 where server.hits("/slow") == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await store.decide(id: approved.id, to: decision, actor: .adminAPI, reason: "spotted while it was fetched")
        #expect(try await running.value == .valid(decision))
        #expect(try await store.mention(id: approved.id)?.status == decision)
        try await store.close()
        await server.stop()
    }
}

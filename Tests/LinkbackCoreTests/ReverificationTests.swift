import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackCore

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
            return try await store.transition(id: received.mention.id, to: status, actor: actor, reason: nil)
        }
        let verifier = Verifier(fetcher: GuardedFetcher(
            limits: FetchLimits(timeoutSeconds: 5, allowHosts: [HostPort(host: "127.0.0.1", port: server.port)]), userAgent: "t"))
        let reverification = Reverification(store: store, verifier: verifier, policy: VerificationPolicy(), actor: .cli)

        let moderated = try await stored("/links", status: .rejected, by: .adminAPI)
        #expect(try await reverification.reverify(moderated) == .valid(.rejected))
        try await store.transition(id: moderated.id, to: .rejected, actor: .server, reason: "no-link")
        let failedBefore = try await store.mention(id: moderated.id)!
        #expect(try await reverification.reverify(failedBefore) == .valid(.pending))
        let approved = try await stored("/nolink", status: .approved, by: .cli)
        #expect(try await reverification.reverify(approved) == .deleted)
        #expect(try await store.mention(id: approved.id)?.status == .deleted)
        let flaky = try await stored("/broken", status: .approved, by: .cli)
        #expect(try await reverification.reverify(flaky) == .failed("source-server-error"))
        #expect(try await store.mention(id: flaky.id)?.status == .approved)
        try await store.close()
        await server.stop()
    }
}

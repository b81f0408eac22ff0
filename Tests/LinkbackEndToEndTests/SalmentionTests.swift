import Foundation
import LinkbackTestSupport
import Testing

/// Salmention-style updates: a reply re-sent with comments nested in it keeps them, and the read
/// API's JF2 returns them as the entry's `children`, made as safe as the mention itself.
@Suite struct SalmentionTests {
    static let target = "https://blog.example/posts/1"

    private func reply(comments: String = "") -> FixtureServer.Page {
        .html("""
            <article class="h-entry">
              <a class="p-author h-card" href="https://alice.example/">Alice</a>
              <p class="e-content">Nice post, <a class="u-in-reply-to" href="\(Self.target)">Bob</a>.</p>
              \(comments)
            </article>
            """)
    }

    @Test func aResentReplyWithTwoNestedCommentsShowsThemInJF2() async throws {
        let source = try await FixtureServer.start()
        source.set("/reply", reply())
        let server = try await ServerHarness(yaml: "moderation:\n  auto_approve: true", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        func send() async throws -> String {
            let answer = try await server.postForm(
                "/webmention", [("source", source.url("/reply").absoluteString), ("target", Self.target)])
            #expect(answer.status == 201)
            return String(try #require(answer.headers["location"]).dropFirst("https://mentions.example".count))
        }
        func entry() async throws -> [String: Any] {
            let feed = try await server.send("GET", "/api/mentions.jf2?target=\(Self.target)")
            return try #require((JSON.object(feed.body)?["children"] as? [[String: Any]])?.first, "\(feed.body)")
        }

        _ = try await server.waitForStatus(try await send(), in: ["approved"])
        #expect(try await entry()["children"] == nil)

        source.set("/reply", reply(comments: """
            <div class="p-comment h-cite">
              <a class="p-author h-card" href="https://carol.example/"><img src="/carol.png" alt="">Carol</a>
              <a class="u-url" href="https://carol.example/notes/1">on</a>
              <time class="dt-published" datetime="2026-11-20T10:00:00Z">20 Nov</time>
              <div class="e-content">I agree <strong>strongly</strong><script>alert(1)</script>.</div>
            </div>
            <div class="p-comment h-entry">
              <span class="p-author">Dave</span>
              <a class="u-url" href="javascript:alert(2)">link</a>
              <p class="p-content">Me too.</p>
            </div>
            """))
        _ = try await server.waitForStatus(try await send(), in: ["approved"])
        let children = try #require(try await entry()["children"] as? [[String: Any]])
        #expect(children.count == 2)
        let carol = children[0]
        #expect(carol["type"] as? String == "entry")
        #expect(carol["url"] as? String == "https://carol.example/notes/1")
        #expect(carol["published"] as? String == "2026-11-20T10:00:00Z")
        let author = try #require(carol["author"] as? [String: Any])
        #expect(author["name"] as? String == "Carol")
        #expect(author["url"] as? String == "https://carol.example/")
        #expect(author["photo"] as? String == source.url("/carol.png").absoluteString)
        let content = try #require(carol["content"] as? [String: Any])
        #expect(content["html"] as? String == "I agree <strong>strongly</strong>.")
        #expect(content["text"] as? String == "I agree strongly.")
        let dave = children[1]
        #expect((dave["author"] as? [String: Any])?["name"] as? String == "Dave")
        #expect(dave["url"] == nil)  // a script URL is never republished
        #expect((dave["content"] as? [String: Any])?["text"] as? String == "Me too.")
        await source.stop()
    }
}

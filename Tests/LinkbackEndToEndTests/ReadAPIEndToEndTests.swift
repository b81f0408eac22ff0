import Foundation
import LinkbackTestSupport
import Testing

/// The read API of a real `linkback serve`, with mentions sent through its real webmention
/// endpoint, verified against a real local page, and read back over loopback as a static-site
/// build reads webmention.io.
@Suite struct ReadAPIEndToEndTests {
    @Test func aBuildReadsWhatWasSentAndApproved() async throws {
        let source = try await FixtureServer.start()
        let target = "https://blog.example/posts/1"
        source.set("/reply", .html("""
            <div class="h-entry"><a class="p-author h-card" href="https://alice.example/">Alice</a>
            <a class="u-in-reply-to" href="\(target)">re</a><p class="e-content">Nice <b>post</b>!</p></div>
            """))
        source.set("/unlinked", .html("<p>no link here</p>"))
        let token = "build-token-0123456789abcdef"
        let server = try await ServerHarness(
            yaml: """
                moderation:
                  allow_domains: [127.0.0.1]

                api:
                  tokens:
                    - token: \(token)
                      sites: [blog.example]
                  max_age: 30
                """, allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let sent = try await server.postForm("/webmention", [("source", source.url("/reply").absoluteString), ("target", target)])
        #expect(sent.status == 201)
        let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
        _ = try await server.waitForStatus(location, in: ["approved"])

        // Exactly what a static-site build fetches.
        let build = try await server.send("GET", "/api/mentions.jf2?token=\(token)&per-page=1000")
        #expect(build.status == 200)
        #expect(build.headers["access-control-allow-origin"] == "*")
        #expect(build.headers["cache-control"] == "public, max-age=30")
        let children = try #require(JSON.object(build.body)?["children"] as? [[String: Any]])
        #expect(children.count == 1)
        let entry = try #require(children.first)
        #expect(entry["wm-source"] as? String == source.url("/reply").absoluteString)
        #expect(entry["in-reply-to"] as? String == target)
        #expect((entry["author"] as? [String: Any])?["name"] as? String == "Alice")
        #expect((entry["content"] as? [String: Any])?["html"] as? String == "Nice <b>post</b>!")

        // A page's own request by target; a mention that is not approved never shows. (Its
        // verification is waited for: 127.0.0.1 is an allowed domain, so a page that links would
        // be approved.)
        let other = try await server.postForm("/webmention", [("source", source.url("/unlinked").absoluteString), ("target", target)])
        #expect(other.status == 201)
        let otherLocation = try #require(other.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
        _ = try await server.waitForStatus(otherLocation, in: ["rejected"])
        let count = try await server.send("GET", "/api/count?target=\(target)")
        #expect(JSON.same(count.body, #"{"count":1,"type":{"reply":1}}"#), "\(count.body)")
        let wrong = try await server.send("GET", "/api/mentions.jf2?token=not-the-token-at-all")
        #expect(wrong.status == 401)
        await source.stop()
    }
}

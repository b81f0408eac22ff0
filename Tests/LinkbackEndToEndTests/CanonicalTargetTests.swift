import Foundation
import LinkbackTestSupport
import Testing

/// One post, several spellings (webmention.io #217, #35; Bridgy #1253): with
/// `verification.canonical_targets` a mention of a redirecting URL, of a page that names its
/// canonical URL, or of an aliased origin is stored under the post's own URL (the URL as sent
/// kept), and every read finds it by any of those spellings. A real server, a real blog on a
/// local HTTP server, real sources linking to each spelling.
@Suite struct CanonicalTargetTests {
    @Test func everySpellingOfAPostIsOnePost() async throws {
        let blog = try await FixtureServer.start()
        let site = "http://\(blog.hostPort)"
        let alias = "http://localhost:\(blog.port)"
        blog.set("/post", .html(#"<html><head><link rel="canonical" href="/post"></head><body>The post</body></html>"#))
        blog.set("/old-post", .redirect(to: "/post", status: 301))
        blog.set("/amp/post", .html(#"<html><head><link rel="canonical" href="\#(site)/post"></head></html>"#))
        blog.set("/other", .html("<p>another post, no canonical link</p>"))
        let spellings = ["\(site)/old-post", "\(site)/amp/post", "\(alias)/post", "\(site)/post"]
        for (index, target) in spellings.enumerated() {
            blog.set("/s\(index)", .html(#"<div class="h-entry"><a class="u-in-reply-to" href="\#(target)">re</a> Reply \#(index).</div>"#))
        }
        let server = try await ServerHarness(
            yaml: """
                moderation:
                  allow_domains: [127.0.0.1]

                verification:
                  canonical_targets: true
                  target_aliases:
                    - from: \(alias)
                      to: \(site)
                """, sites: [blog.hostPort], allowHosts: [blog.hostPort])
        defer { server.cleanUp() }
        for (index, target) in spellings.enumerated() {
            let sent = try await server.postForm("/webmention", [("source", "\(site)/s\(index)"), ("target", target)])
            #expect(sent.status == 201, "\(target): \(sent.body)")
            let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
            let status = try await server.waitForStatus(location, in: ["approved"])
            #expect(status["target"] as? String == "\(site)/post", "\(status)")
        }
        // The redirect was followed once, whatever is sent again.
        let sent = try await server.postForm("/webmention", [("source", "\(site)/s0"), ("target", spellings[0])])
        #expect(sent.status == 202 || sent.status == 201)
        #expect(blog.hits("/old-post") == 1)

        // Every spelling reads the post's four mentions, and the count counts them once.
        for spelling in spellings {
            let read = try await server.send("GET", "/api/mentions.jf2?target=\(ServerHarness.encode(spelling))")
            let children = try #require(JSON.object(read.body)?["children"] as? [[String: Any]], "\(read.body)")
            #expect(children.count == 4, "\(spelling): \(children.count)")
            #expect(Set(children.compactMap { $0["wm-target"] as? String }) == ["\(site)/post"])
        }
        let count = try await server.send("GET", "/api/count?target=\(ServerHarness.encode("\(site)/old-post"))")
        #expect(JSON.same(count.body, #"{"count":4,"type":{"reply":4}}"#), "\(count.body)")
        #expect(JSON.object(try await server.send("GET", "/api/count?target=\(ServerHarness.encode("\(site)/other"))").body)?["count"] as? Int == 0)

        // The URL as sent is kept (the source links to it: it is what a re-check verifies).
        let listed = try await LinkbackProcess.run(["list", "--all", "--json", "--database", server.directory.file("linkback.sqlite")])
        let mentions = try #require(JSON.value(listed.stdout) as? [[String: Any]])
        #expect(Set(mentions.compactMap { $0["target_as_sent"] as? String }) == Set(spellings.dropLast()), "\(mentions)")
        await blog.stop()
    }
}

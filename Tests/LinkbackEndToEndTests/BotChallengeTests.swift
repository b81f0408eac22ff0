import Foundation
import LinkbackTestSupport
import Testing

/// Sources behind a bot challenge (WordPress plugin #467): a real server fetches real challenge
/// pages, as Cloudflare and Anubis serve them, from a real local HTTP server. The mention is not
/// recorded as "no link": it waits for the owner as `source-challenged`, is tried again, and is
/// verified once the page opens, or approved by hand.
@Suite struct BotChallengeTests {
    /// Cloudflare's managed challenge: a 403 that says so in `cf-mitigated` (its page, abridged).
    static let cloudflare = FixtureServer.Page(
        status: 403, headers: [("Content-Type", "text/html; charset=UTF-8"), ("cf-mitigated", "challenge"), ("Server", "cloudflare")],
        body: Array("""
            <!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>
            <body><noscript>Enable JavaScript and cookies to continue</noscript>
            <script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script></body></html>
            """.utf8))
    /// Anubis's proof-of-work page: served with 200, no marker in the headers.
    static let anubis = FixtureServer.Page.html("""
        <!doctype html><html><head><title>Making sure you&#39;re not a bot!</title>
        <script id="anubis_challenge" type="application/json">{"rules":{"difficulty":4}}</script>
        <script async type="module" src="/.within.website/x/cmd/anubis/static/js/main.mjs"></script></head>
        <body><h1>Making sure you're not a bot!</h1></body></html>
        """)

    @Test func aChallengedSourceWaitsForTheOwnerAndIsTriedAgain() async throws {
        let source = try await FixtureServer.start()
        let target = "https://blog.example/posts/1"
        let linking = FixtureServer.Page.html(#"<div class="h-entry"><a class="u-in-reply-to" href="\#(target)">re</a> Agreed.</div>"#)
        source.set("/cf", Self.cloudflare)
        source.set("/anubis", Self.anubis)
        source.set("/forbidden", .html("<h1>Forbidden</h1>", status: 403))
        // An older challenge: a 503 whose page is the challenge, nothing in the headers.
        source.set("/unmarked", .html(String(decoding: Self.cloudflare.body, as: UTF8.self), status: 503))
        let server = try await ServerHarness(
            yaml: """
                moderation:
                  allow_domains: [127.0.0.1]

                verification:
                  retry_base_seconds: 1
                  max_attempts: 3
                """, allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        func send(_ path: String) async throws -> String {
            let sent = try await server.postForm("/webmention", [("source", source.url(path).absoluteString), ("target", target)])
            #expect(sent.status == 201)
            return try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
        }
        let (cf, anubis, forbidden) = (try await send("/cf"), try await send("/anubis"), try await send("/forbidden"))
        let unmarked = try await send("/unmarked")
        for location in [cf, anubis, unmarked] {
            let status = try await server.waitForStatus(location, in: ["pending"], settled: false)
            #expect(status["reason"] as? String == "source-challenged", "\(status)")
            #expect((status["detail"] as? String)?.contains("bot challenge") == true, "\(status)")
        }
        // A plain 403 is what it always was.
        let refused = try await server.waitForStatus(forbidden, in: ["rejected"])
        #expect(refused["reason"] as? String == "source-not-found")
        // Not the sender's fault: no line for fail2ban about the challenged ones.
        #expect(!server.rejectionLines.contains { $0.contains("/cf") || $0.contains("/anubis") }, "\(server.rejectionLines)")

        // The Anubis page opens (the owner lets Linkback through): the retry verifies it.
        source.set("/anubis", linking)
        let opened = try await server.waitForStatus(anubis, in: ["approved"], timeout: 20)
        #expect(opened["reason"] is NSNull || opened["reason"] == nil)
        #expect(source.hits("/anubis") >= 2)

        // The Cloudflare one stays challenged; the owner approves it by hand, and the retries stop.
        let database = server.directory.file("linkback.sqlite")
        let listed = try await LinkbackProcess.run(["list", "--status", "pending", "--json", "--database", database])
        let pending = try #require(JSON.value(listed.stdout) as? [[String: Any]])
        let held = try #require(pending.first { ($0["source"] as? String)?.hasSuffix("/cf") == true })
        #expect(held["reason"] as? String == "source-challenged")
        let id = try #require(held["id"] as? Int)
        let approved = try await LinkbackProcess.run(["approve", "--database", database, "\(id)"])
        #expect(approved.status == 0, "\(approved.stderr)")
        let hits = source.hits("/cf")
        try await Task.sleep(for: .seconds(3))
        #expect(source.hits("/cf") == hits, "an approved mention is not fetched again")
        #expect(try await server.waitForStatus(cf, in: ["approved"])["status"] as? String == "approved")
        await source.stop()
    }
}

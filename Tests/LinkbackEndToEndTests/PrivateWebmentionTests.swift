import Foundation
import LinkbackTestSupport
import Testing

/// Private Webmention end to end: a source that answers only with the right bearer token, a
/// token endpoint on a real local server, and the real Linkback exchanging the code.
@Suite struct PrivateWebmentionTests {
    static let target = "https://blog.example/posts/1"
    static let readToken = "a-read-token-for-the-build"
    static let privateReadToken = "a-read-token-that-sees-private"
    static let bearer = "the-access-token-123"

    private func server(_ pages: FixtureServer...) async throws -> ServerHarness {
        try await ServerHarness(
            yaml: """
                moderation:
                  auto_approve: true

                api:
                  tokens:
                    - token: \(Self.readToken)
                      sites: [blog.example]
                    - token: \(Self.privateReadToken)
                      sites: [blog.example]
                      private: true

                admin:
                  token: private-admin-token
                """,
            allowHosts: pages.map(\.hostPort))
    }

    /// A page readable only with the bearer token, declaring its token endpoint in a Link header.
    private func privatePage(_ body: String, endpoint: String) -> FixtureServer.Page {
        var page = FixtureServer.Page.html(body)
        page.headers.append(("Link", "<\(endpoint)>; rel=\"token_endpoint\""))
        page.requiredAuthorization = "Bearer \(Self.bearer)"
        return page
    }

    @Test func aCodeIsExchangedAndTheMentionStaysPrivate() async throws {
        let pages = try await FixtureServer.start()
        pages.set("/token", .content("{\"access_token\": \"\(Self.bearer)\", \"token_type\": \"Bearer\"}", type: "application/json"))
        pages.set("/private", privatePage("<p>For friends: <a href=\"\(Self.target)\">this</a></p>", endpoint: "/token"))
        let server = try await server(pages)
        defer { server.cleanUp() }

        let answer = try await server.postForm(
            "/webmention", [("source", pages.url("/private").absoluteString), ("target", Self.target), ("code", "the-code")])
        #expect(answer.status == 201, "\(answer.body)")
        #expect(JSON.object(answer.body)?["status"] as? String == "approved")
        let exchange = pages.body("/token")
        #expect(exchange == "grant_type=authorization_code&code=the-code&client_id=https%3A%2F%2Fmentions.example")
        #expect(pages.headers("/private")["authorization"] == "Bearer \(Self.bearer)")

        func listed(_ query: String) async throws -> [[String: Any]] {
            let feed = try await server.send("GET", "/api/mentions.jf2?\(query)")
            return try #require(JSON.object(feed.body)?["children"] as? [[String: Any]], "\(feed.body)")
        }
        #expect(try await listed("target=\(Self.target)").isEmpty)
        #expect(try await listed("token=\(Self.readToken)").isEmpty)
        let visible = try await listed("token=\(Self.privateReadToken)")
        #expect(visible.count == 1 && visible.first?["wm-private"] as? Bool == true)
        let count = try await server.send("GET", "/api/count?target=\(Self.target)")
        #expect(JSON.object(count.body)?["count"] as? Int == 0)
        let widget = try await server.send("GET", "/api/mentions.html?target=\(Self.target)")
        #expect(!widget.body.contains("For friends"))
        let admin = try await server.send("GET", "/admin/api/mentions?status=all", headers: [("Authorization", "Bearer private-admin-token")])
        #expect((JSON.value(admin.body) as? [[String: Any]])?.first?["private"] as? Bool == true)

        // The token is never written anywhere.
        _ = try await server.stop()
        #expect(!server.process.stdout.contains(Self.bearer) && !server.process.stderr.contains(Self.bearer))
        #expect(!server.rejectionLines.joined().contains(Self.bearer))
        await pages.stop()
    }

    /// Review F1: anyone who knows the source URL re-sends it without a code. The re-send is
    /// verified like any other (the source answers 401 without the token, so it cannot be), and
    /// the mention stays private: a receipt without a code never clears privacy.
    @Test func aReSendWithoutACodeNeverMakesItPublic() async throws {
        let pages = try await FixtureServer.start()
        pages.set("/token", .content("{\"access_token\": \"\(Self.bearer)\"}", type: "application/json"))
        pages.set("/private", privatePage("<p>Secret plans: <a href=\"\(Self.target)\">this</a></p>", endpoint: "/token"))
        let server = try await server(pages)
        defer { server.cleanUp() }
        let source = pages.url("/private").absoluteString
        let first = try await server.postForm("/webmention", [("source", source), ("target", Self.target), ("code", "c")])
        #expect(first.status == 201, "\(first.body)")

        let resent = try await server.postForm("/webmention", [("source", source), ("target", Self.target)])
        #expect(resent.status == 202 || resent.status == 201, "\(resent.body)")
        let location = String(try #require(resent.headers["location"]).dropFirst("https://mentions.example".count))
        _ = try await server.waitForStatus(location, in: ["approved", "pending", "rejected", "deleted"])
        // The same when the page is public now (its owner opened it): still private until a moderator says otherwise.
        pages.set("/private", .html("<p>Secret plans: <a href=\"\(Self.target)\">this</a></p>"))
        let again = try await server.postForm("/webmention", [("source", source), ("target", Self.target)])
        #expect(again.status == 202 || again.status == 201, "\(again.body)")
        _ = try await server.waitForStatus(location, in: ["approved", "pending", "rejected", "deleted"])

        for path in ["/api/mentions.jf2?target=\(Self.target)", "/api/mentions.jf2?token=\(Self.readToken)",
            "/api/mentions.html?target=\(Self.target)"]
        {
            let answer = try await server.send("GET", path)
            #expect(answer.status == 200 && !answer.body.contains("Secret plans"), "\(path): \(answer.body)")
        }
        let count = try await server.send("GET", "/api/count?target=\(Self.target)")
        #expect(JSON.object(count.body)?["count"] as? Int == 0, "\(count.body)")
        let admin = try await server.send("GET", "/admin/api/mentions?status=all", headers: [("Authorization", "Bearer private-admin-token")])
        let listed = try #require(JSON.value(admin.body) as? [[String: Any]])
        #expect(listed.count == 1 && listed.first?["private"] as? Bool == true, "\(admin.body)")
        await pages.stop()
    }

    /// A source at `/slow` that takes minutes to answer (4 KiB, 5 bytes a second), and a server
    /// with `slots` checks at once and no time limit that would end them first.
    private func slowSource(slots: Int) async throws -> (FixtureServer, ServerHarness) {
        let pages = try await FixtureServer.start()
        var slow = privatePage(String(repeating: "x", count: 4096), endpoint: "/token")
        slow.requiredAuthorization = nil
        slow.trickle = .milliseconds(200)
        pages.set("/slow", slow)
        let server = try await ServerHarness(
            yaml: "webmention:\n  max_concurrent_checks: \(slots)\n  check_timeout_seconds: 60\n\n"
                + "fetch:\n  timeout_seconds: 60\n  allow_hosts: [\"\(pages.hostPort)\"]",
            allowHosts: [pages.hostPort])
        return (pages, server)
    }

    /// Review F6: Private Webmentions fetch while the sender waits, so they are capped: beyond
    /// `webmention.max_concurrent_checks` a request is answered 503 at once, before any fetch, and
    /// not logged against the sender; a stop cancels those in flight instead of waiting them out.
    @Test func checksThatFetchWhileTheSenderWaitsAreCappedAndEndAtStop() async throws {
        let (pages, server) = try await slowSource(slots: 2)
        defer { server.cleanUp() }
        let source = pages.url("/slow").absoluteString
        let waiting = Task {
            try await withThrowingTaskGroup(of: Int?.self) { group in
                for index in 0..<2 {
                    group.addTask {
                        try? await server.postForm(
                            "/webmention", [("source", source + "?n=\(index)"), ("target", Self.target), ("code", "c")]
                        ).status
                    }
                }
                return try await group.reduce(into: [Int?]()) { $0.append($1) }
            }
        }
        // Both slots taken: wait until the slow page has been asked twice.
        for _ in 0..<200 where pages.hits("/slow") < 2 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(pages.hits("/slow") == 2)
        for index in 0..<4 {
            let refused = try await server.postForm(
                "/webmention", [("source", source + "?m=\(index)"), ("target", Self.target), ("code", "c")])
            #expect(refused.status == 503, "\(refused.body)")
            #expect(JSON.object(refused.body)?["error"] as? String == "temporarily_unavailable")
        }
        #expect(pages.hits("/slow") == 2)
        #expect(server.rejectionLines.isEmpty)
        // A stop cancels the two in flight: the server ends long before their 60 s.
        let stopped = Date()
        #expect(try await server.stop() == 0)
        #expect(Date().timeIntervalSince(stopped) < 15)
        let answers = try await waiting.value
        #expect(answers.allSatisfy { $0 == nil || $0 == 503 }, "\(answers)")
        await pages.stop()
    }

    /// Review F6: a sender that leaves while its Private Webmention is being checked frees the
    /// slot at once; the check is abandoned, not finished for nobody.
    @Test func aCheckIsAbandonedWhenItsClientLeaves() async throws {
        let (pages, server) = try await slowSource(slots: 1)
        defer { server.cleanUp() }
        pages.set("/token", .content("{\"access_token\": \"\(Self.bearer)\"}", type: "application/json"))
        pages.set("/private", privatePage("<p><a href=\"\(Self.target)\">this</a></p>", endpoint: "/token"))
        func form(_ source: String) -> [UInt8] {
            let body = "source=\(ServerHarness.encode(source))&target=\(ServerHarness.encode(Self.target))&code=c"
            return Array(("POST /webmention HTTP/1.1\r\nHost: mentions.example\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
        }
        // The sender gives up after a second (the page would take minutes) and closes the connection.
        let gaveUp = try await RawHTTP.exchange(port: server.port, parts: [form(pages.url("/slow").absoluteString)], timeout: 1)
        #expect(gaveUp.isEmpty)
        var answer = 503
        for _ in 0..<50 where answer == 503 {
            answer = try await server.postForm(
                "/webmention", [("source", pages.url("/private").absoluteString), ("target", Self.target), ("code", "c")]
            ).status
            if answer == 503 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(answer == 201)
        await pages.stop()
    }

    @Test func eachFailureIsItsOwnAnswerAndNothingIsStored() async throws {
        let pages = try await FixtureServer.start()
        let elsewhere = try await FixtureServer.start()
        pages.set("/token", .content("{\"access_token\": \"\(Self.bearer)\"}", type: "application/json"))
        pages.set("/refusing-token", .content("{\"error\": \"invalid_grant\"}", type: "application/json", status: 400))
        pages.set("/tokenless-token", .content("{\"token_type\": \"Bearer\"}", type: "application/json"))
        pages.set("/no-endpoint", .html("<a href=\"\(Self.target)\">x</a>"))
        pages.set("/refused", privatePage("<a href=\"\(Self.target)\">x</a>", endpoint: "/refusing-token"))
        pages.set("/tokenless", privatePage("<a href=\"\(Self.target)\">x</a>", endpoint: "/tokenless-token"))
        pages.set("/no-link", privatePage("<p>nothing</p>", endpoint: "/token"))
        // Declared in the page's HTML rather than a header.
        pages.set("/html-endpoint", .html("<link rel=\"token_endpoint\" href=\"/token\"><a href=\"\(Self.target)\">x</a>"))
        // A redirect to another origin: the token must not follow it (the page there would take it).
        pages.set("/moving", .redirect(to: elsewhere.url("/moved").absoluteString))
        elsewhere.set("/moved", privatePage("<a href=\"\(Self.target)\">x</a>", endpoint: elsewhere.url("/steal").absoluteString))
        elsewhere.set("/steal", .content("{\"access_token\": \"stolen\"}", type: "application/json"))
        let server = try await server(pages, elsewhere)
        defer { server.cleanUp() }

        let cases: [(String, Int, String)] = [
            ("/no-endpoint", 400, "no_token_endpoint"),
            ("/refused", 400, "invalid_code"),
            ("/tokenless", 400, "invalid_code"),
            ("/no-link", 400, "no_link"),
            // Review F15: a token endpoint named by a page on another origin is never sent the code.
            ("/moving", 400, "no_token_endpoint"),
        ]
        for (path, status, error) in cases {
            let answer = try await server.postForm(
                "/webmention", [("source", pages.url(path).absoluteString), ("target", Self.target), ("code", "c")])
            #expect(answer.status == status, "\(path): \(answer.body)")
            #expect(JSON.object(answer.body)?["error"] as? String == error, "\(path): \(answer.body)")
        }
        #expect(elsewhere.headers("/moved")["authorization"] == nil)
        #expect(server.rejectionLines.count == cases.count)
        #expect(server.rejectionLines.filter { $0.contains("reason=invalid-code") }.count == 4)
        #expect(elsewhere.hits("/steal") == 0)
        let admin = try await server.send("GET", "/admin/api/mentions?status=all", headers: [("Authorization", "Bearer private-admin-token")])
        #expect((JSON.value(admin.body) as? [[String: Any]])?.isEmpty == true, "\(admin.body)")

        // The endpoint in the page's HTML works too.
        let html = try await server.postForm(
            "/webmention", [("source", pages.url("/html-endpoint").absoluteString), ("target", Self.target), ("code", "c")])
        #expect(html.status == 201, "\(html.body)")
        #expect(pages.headers("/html-endpoint")["authorization"] == "Bearer \(Self.bearer)")
        await pages.stop()
        await elsewhere.stop()
    }
}

import Foundation
import LinkbackTestSupport
import Testing

/// Vouch end to end: the real server with `vouch.mode: require_unknown`, sources and vouch pages
/// on a real local server. The fixture server answers as `127.0.0.1` (the senders' domain, not
/// known) and as `localhost` (a domain the owner links to, in `vouch.known_domains`).
@Suite struct VouchTests {
    static let target = "https://blog.example/posts/1"
    static let token = "vouch-admin-token"

    private func vouchServer(_ pages: FixtureServer, pingbacks: String = "moderate") async throws -> ServerHarness {
        try await ServerHarness(
            yaml: """
                moderation:
                  auto_approve: true

                vouch:
                  mode: require_unknown
                  known_domains: [localhost]
                  pingback_unknown: \(pingbacks)

                admin:
                  token: \(Self.token)
                """,
            allowHosts: [pages.hostPort, "localhost:\(pages.port)"])
    }

    private func send(_ server: ServerHarness, _ source: URL, vouch: String? = nil) async throws
        -> (status: Int, headers: [String: String], body: String)
    {
        var fields = [("source", source.absoluteString), ("target", Self.target)]
        if let vouch { fields.append(("vouch", vouch)) }
        return try await server.postForm("/webmention", fields)
    }

    @Test func unknownDomainsNeedAVouchThatLinksToThem() async throws {
        let pages = try await FixtureServer.start()
        let post = pages.url("/post")
        pages.set("/post", .html("<p><a href=\"\(Self.target)\">your post</a></p>"))
        pages.set("/second", .html("<p><a href=\"\(Self.target)\">again</a></p>"))
        // A page on a known domain that links to the sender's domain (any page there).
        pages.set("/vouch", .html("<ul><li><a href=\"http://127.0.0.1:\(pages.port)/about\">a friend</a></li></ul>"))
        pages.set("/nofollow", .html("<a rel=\"external nofollow\" href=\"http://127.0.0.1:\(pages.port)/\">x</a>"))
        pages.set("/elsewhere", .html("<a href=\"https://other.example/\">x</a><script>'http://127.0.0.1/'</script>"))
        let server = try await vouchServer(pages)
        defer { server.cleanUp() }
        let vouchHost = "http://localhost:\(pages.port)"

        // No vouch from an unknown domain: 449 Retry With, logged as a soft rejection.
        let none = try await send(server, post)
        #expect(none.status == 449)
        #expect(JSON.object(none.body)?["error"] as? String == "vouch_required")
        #expect(server.rejectionLines.last?.contains("reason=vouch-required") == true)
        #expect(pages.hits("/post") == 0)
        // The form page's empty vouch field is no vouch.
        #expect(try await send(server, post, vouch: "").status == 449)

        // Vouches that fail: 400 invalid_vouch, nothing stored.
        let failing: [(String, String)] = [
            ("\(vouchHost)/nofollow", "does not link to 127.0.0.1"),
            ("\(vouchHost)/elsewhere", "does not link to 127.0.0.1"),
            // Why a fetch failed is not told to the sender (review F14: a port-scan oracle).
            ("\(vouchHost)/missing", "the vouch page could not be verified"),
            // The sender's own domain is not known, so it cannot vouch for itself.
            (pages.url("/vouch").absoluteString, "not on a domain this server knows"),
            // A known domain, but an address the guarded fetcher does not allow.
            ("http://localhost:1/vouch", "the vouch page could not be verified"),
            ("javascript:alert(1)", "the vouch URL is not an http or https URL"),
        ]
        for (vouch, why) in failing {
            let answer = try await send(server, post, vouch: vouch)
            #expect(answer.status == 400, "\(vouch)")
            let body = JSON.object(answer.body)
            #expect(body?["error"] as? String == "invalid_vouch", "\(vouch)")
            #expect((body?["error_description"] as? String)?.contains(why) == true, "\(vouch): \(answer.body)")
        }
        #expect(server.rejectionLines.filter { $0.contains("reason=invalid-vouch") }.count == failing.count)
        let listed = try await server.send("GET", "/admin/api/mentions", headers: [("Authorization", "Bearer \(Self.token)")])
        #expect((JSON.value(listed.body) as? [Any])?.isEmpty == true, "\(listed.body)")

        // A good vouch: accepted, verified, and kept with the mention.
        let vouched = try await send(server, post, vouch: "\(vouchHost)/vouch")
        #expect(vouched.status == 201, "\(vouched.body)")
        let location = try #require(vouched.headers["location"])
        _ = try await server.waitForStatus(String(location.dropFirst("https://mentions.example".count)), in: ["approved"])
        let jf2 = try await server.send("GET", "/api/mentions.jf2?target=\(Self.target)")
        let entry = try #require((JSON.object(jf2.body)?["children"] as? [[String: Any]])?.first)
        #expect(entry["wm-vouch"] as? String == "\(vouchHost)/vouch")
        let id = try #require(entry["wm-id"] as? Int)
        let admin = try await server.send("GET", "/admin/api/mentions/\(id)", headers: [("Authorization", "Bearer \(Self.token)")])
        #expect(JSON.object(admin.body)?["vouch"] as? String == "\(vouchHost)/vouch")
        let shown = try await LinkbackProcess.run(
            ["show", String(id), "--database", server.directory.file("linkback.sqlite")], environment: ["NO_COLOR": "1"])
        #expect(shown.stdout.contains("vouch:     \(vouchHost)/vouch"), "\(shown.stdout)")

        // Its domain is known now (an approved mention came from it): no vouch needed.
        let second = try await send(server, pages.url("/second"))
        #expect(second.status == 201, "\(second.body)")
        await pages.stop()
    }

    @Test func pingbacksFromUnknownDomainsAreHeldOrRefused() async throws {
        let pages = try await FixtureServer.start()
        pages.set("/post", .html("<p><a href=\"\(Self.target)\">your post</a></p>"))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Scripts/xmlrpc_client.py").path
        func ping(_ server: ServerHarness) async throws -> [String: Any] {
            let call: [Any] = ["pingback.ping", [pages.url("/post").absoluteString, Self.target]]
            let input = try JSONSerialization.data(withJSONObject: [call])
            let output = try await Python.run(script, [server.url("/xmlrpc")], input: String(decoding: input, as: UTF8.self))
            return try #require((JSON.value(output) as? [[String: Any]])?.first)
        }

        // moderate: registered, but held for a moderator despite auto_approve.
        let held = try await vouchServer(pages)
        defer { held.cleanUp() }
        #expect((try await ping(held)["ok"] as? String)?.contains("registered") == true)
        let listed = try await held.send("GET", "/admin/api/mentions", headers: [("Authorization", "Bearer \(Self.token)")])
        let mentions = try #require(JSON.value(listed.body) as? [[String: Any]])
        #expect(mentions.map { $0["status"] as? String } == ["pending"])

        // reject: fault 49 before any fetch, logged as vouch-required.
        let refused = try await vouchServer(pages, pingbacks: "reject")
        defer { refused.cleanUp() }
        let hits = pages.hits("/post")
        #expect(try await ping(refused)["fault"] as? Int == 49)
        #expect(pages.hits("/post") == hits)
        #expect(refused.rejectionLines.last?.contains("reason=vouch-required") == true)
        await pages.stop()
    }
}

import Foundation
import LinkbackTestSupport
import Testing

/// The webmention endpoint end to end: the real server process on loopback, a real local source
/// server, a real SQLite file and the rejection log it writes.
@Suite struct WebmentionEndpointTests {
    static let target = "https://blog.example/posts/1"

    private func linking(_ extra: String = "") -> FixtureServer.Page {
        .html("<html><head><title>Source</title></head><body><p>\(extra) <a href=\"\(Self.target)\">your post</a></p></body></html>")
    }

    /// The path of a status URL from a Location header (base URL https://mentions.example).
    private func statusPath(_ location: String?) throws -> String {
        let location = try #require(location)
        #expect(location.hasPrefix("https://mentions.example/webmention/status/"))
        return String(location.dropFirst("https://mentions.example".count))
    }

    @Test func acceptsVerifiesAndApproves() async throws {
        let source = try await FixtureServer.start()
        source.set("/post", linking())
        let server = try await ServerHarness(
            yaml: "moderation:\n  auto_approve: true", allowHosts: [source.hostPort])
        defer { server.cleanUp() }

        let answer = try await server.postForm("/webmention", [("source", source.url("/post").absoluteString), ("target", Self.target)])
        #expect(answer.status == 201)
        let path = try statusPath(answer.headers["location"])
        let body = try #require(JSON.object(answer.body))
        #expect(body["status"] as? String == "queued")
        #expect(body["location"] as? String == answer.headers["location"])

        let status = try await server.waitForStatus(path, in: ["approved"])
        #expect(status["source"] as? String == source.url("/post").absoluteString)
        #expect(status["target"] as? String == Self.target)
        #expect(status["received"] is String && status["updated"] is String)
        #expect(server.rejectionLines.isEmpty)
        // The receipt's log line carries the request's id (Hummingbird's) and its own metadata.
        let line = server.process.stderr.split(separator: "\n").first { $0.contains("webmention received") }
        #expect(line?.contains("hb.request.id=") == true, "\(server.process.stderr.suffix(2000))")
        #expect(line?.contains("source=\(source.url("/post").absoluteString)") == true, "\(line ?? "")")

        let html = try await server.send("GET", path, headers: [("Accept", "text/html")])
        #expect(html.headers["content-type"] == "text/html; charset=utf-8")
        #expect(html.body.contains("<td>approved</td>"))
        await source.stop()
    }

    @Test func withoutAutoApproveAMentionWaitsForModeration() async throws {
        let source = try await FixtureServer.start()
        source.set("/post", linking())
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let answer = try await server.postForm("/webmention", [("source", source.url("/post").absoluteString), ("target", Self.target)])
        _ = try await server.waitForStatus(try statusPath(answer.headers["location"]), in: ["pending"])
        await source.stop()
    }

    @Test func resendUpdatesInPlaceThenDeletesWhenTheLinkGoesOrTheSourceIsGone() async throws {
        let source = try await FixtureServer.start()
        source.set("/post", linking("first version"))
        source.set("/other", linking())
        let server = try await ServerHarness(yaml: "moderation:\n  auto_approve: true", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let form = [("source", source.url("/post").absoluteString), ("target", Self.target)]

        let first = try await server.postForm("/webmention", form)
        let path = try statusPath(first.headers["location"])
        _ = try await server.waitForStatus(path, in: ["approved"])

        source.set("/post", linking("second version"))
        let second = try await server.postForm("/webmention", form)
        #expect(second.status == 201)
        #expect(second.headers["location"] == first.headers["location"])
        _ = try await server.waitForStatus(path, in: ["approved"])
        #expect(source.hits("/post") == 2)

        source.set("/post", .html("<html><body><p>I removed the link.</p></body></html>"))
        _ = try await server.postForm("/webmention", form)
        let deleted = try await server.waitForStatus(path, in: ["deleted"])
        #expect(deleted["reason"] as? String == "no-link")

        let other = try await server.postForm("/webmention", [("source", source.url("/other").absoluteString), ("target", Self.target)])
        let otherPath = try statusPath(other.headers["location"])
        _ = try await server.waitForStatus(otherPath, in: ["approved"])
        source.set("/other", .html("gone", status: 410))
        _ = try await server.postForm("/webmention", [("source", source.url("/other").absoluteString), ("target", Self.target)])
        let gone = try await server.waitForStatus(otherPath, in: ["deleted"])
        #expect(gone["reason"] as? String == "gone")
        // Deletes are not spam: nothing is written for fail2ban.
        #expect(server.rejectionLines.isEmpty)
        await source.stop()
    }

    /// #16 item 7: a target's fragment is ignored when matching but kept when storing, so a reply
    /// to a comment and a mention of the post are two mentions, both shown with the post.
    @Test func aTargetFragmentMakesItsOwnMention() async throws {
        let source = try await FixtureServer.start()
        source.set("/post", linking())
        let server = try await ServerHarness(yaml: "moderation:\n  auto_approve: true", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let sourceURL = source.url("/post").absoluteString
        let page = try await server.postForm("/webmention", [("source", sourceURL), ("target", Self.target)])
        let part = try await server.postForm("/webmention", [("source", sourceURL), ("target", Self.target + "#comment-1")])
        #expect(page.status == 201 && part.status == 201)
        #expect(page.headers["location"] != part.headers["location"])
        let partStatus = try await server.waitForStatus(try statusPath(part.headers["location"]), in: ["approved"])
        #expect(partStatus["target"] as? String == Self.target + "#comment-1")
        _ = try await server.waitForStatus(try statusPath(page.headers["location"]), in: ["approved"])
        let feed = try #require(JSON.object(try await server.send("GET", "/api/mentions.jf2?target=\(Self.target)").body))
        let targets = (feed["children"] as? [[String: Any]] ?? []).compactMap { $0["wm-target"] as? String }
        #expect(targets.sorted() == [Self.target, Self.target + "#comment-1"])
        await source.stop()
    }

    /// #16 item 11: a source on a private address is refused, and the operator's log names the
    /// setting that would allow it.
    @Test func aPrivateSourceIsRefusedWithTheFixInTheLog() async throws {
        let source = try await FixtureServer.start()
        source.set("/post", linking())
        let server = try await ServerHarness()  // the fixture's 127.0.0.1 port is not in fetch.allow_hosts
        defer { server.cleanUp() }
        let answer = try await server.postForm("/webmention", [("source", source.url("/post").absoluteString), ("target", Self.target)])
        let status = try await server.waitForStatus(try statusPath(answer.headers["location"]), in: ["rejected"])
        // One vocabulary (review item 9): the status page says what the rejection log says.
        #expect(status["reason"] as? String == "invalid-url")
        #expect(source.hits("/post") == 0)
        #expect(server.process.stderr.contains("add it to fetch.allow_hosts"), "\(server.process.stderr)")
        await source.stop()
    }

    @Test func aNewMentionWithoutTheLinkIsRejectedAndLogged() async throws {
        let source = try await FixtureServer.start()
        source.set("/spam", .html("<html><body>cheap pills https://blog.example/posts/1</body></html>"))
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let answer = try await server.postForm(
            "/webmention", [("source", source.url("/spam").absoluteString), ("target", Self.target)],
            headers: [("User-Agent", "SpamBot/1.0")])
        let status = try await server.waitForStatus(try statusPath(answer.headers["location"]), in: ["rejected"])
        #expect(status["reason"] as? String == "no-link")
        let lines = server.rejectionLines
        #expect(lines.count == 1)
        #expect(lines.first?.contains(#"linkback["#) == true)
        #expect(lines.first?.contains(#"]: webmention rejected from 127.0.0.1 reason=no-link source="\#(source.url("/spam").absoluteString)" target="https://blog.example/posts/1" ua="SpamBot/1.0""#) == true)
        await source.stop()
    }

    /// Review F3: a moderator's rejection survives any number of re-sends, even from a source
    /// that auto-approval would approve; a restore lifts it.
    @Test func aModeratorsRejectionSticksAcrossReSends() async throws {
        let source = try await FixtureServer.start()
        source.set("/post", linking())
        let server = try await ServerHarness(
            yaml: "moderation:\n  auto_approve: true\n\nadmin:\n  token: sticky-admin-token", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let form = [("source", source.url("/post").absoluteString), ("target", Self.target)]
        let path = try statusPath(try await server.postForm("/webmention", form).headers["location"])
        _ = try await server.waitForStatus(path, in: ["approved"])
        let admin = [("Authorization", "Bearer sticky-admin-token"), ("Content-Type", "application/json")]
        let listed = try await server.send("GET", "/admin/api/mentions?status=all", headers: admin)
        let id = try #require((JSON.value(listed.body) as? [[String: Any]])?.first?["id"] as? Int)
        let rejected = try await server.send("POST", "/admin/api/mentions/\(id)/reject", body: Array("{}".utf8), headers: admin)
        #expect(rejected.status == 200, "\(rejected.body)")

        for round in 1...3 {
            source.set("/post", linking("round \(round)"))
            let resent = try await server.postForm("/webmention", form)
            #expect(resent.status == 202 || resent.status == 201, "\(resent.body)")
            let status = try await server.waitForStatus(path, in: ["rejected", "approved", "pending"])
            #expect(status["status"] as? String == "rejected", "round \(round): \(status)")
        }
        let restored = try await server.send("POST", "/admin/api/mentions/\(id)/restore", body: Array("{}".utf8), headers: admin)
        #expect(restored.status == 200, "\(restored.body)")
        _ = try await server.postForm("/webmention", form)
        let after = try await server.waitForStatus(path, in: ["pending", "approved", "rejected"])
        #expect(after["status"] as? String == "pending", "\(after)")
        await source.stop()
    }

    /// Review item 3: a refusal for a host that differs from a site only by `www.` is soft (no ban)
    /// and the server says once what is likely wrong with `sites`.
    @Test func aTargetOnTheWWWTwinOfASiteIsExplainedOnce() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        for _ in 0..<3 {
            let answer = try await server.postForm(
                "/webmention", [("source", "https://a.example/post"), ("target", "https://www.blog.example/posts/1")])
            #expect(answer.status == 400)
        }
        _ = try await server.postForm("/webmention", [("source", "https://a.example/post"), ("target", "https://other.example/")])
        _ = try await server.stop()
        let warnings = server.process.stdout.components(separatedBy: "\n") + server.process.stderr.components(separatedBy: "\n")
        let named = warnings.filter { $0.contains("but sites lists blog.example") }
        #expect(named.count == 1, "\(server.process.stderr)")
        #expect(named.first?.contains("add www.blog.example to sites") == true)
        #expect(!warnings.contains { $0.contains("other.example") && $0.contains("sites lists") })
        #expect(server.rejectionLines.filter { $0.contains("reason=target-not-supported") }.count == 4)
    }

    @Test func aSlowSourceIsRetriedNotDeleted() async throws {
        let source = try await FixtureServer.start()
        source.set("/post", linking())
        let server = try await ServerHarness(
            yaml: "moderation:\n  auto_approve: true\n\nfetch:\n  timeout_seconds: 0.5\n  allow_hosts: [\"\(source.hostPort)\"]\n\nverification:\n  retry_base_seconds: 0.3\n  max_attempts: 3")
        defer { server.cleanUp() }
        let form = [("source", source.url("/post").absoluteString), ("target", Self.target)]
        let path = try statusPath(try await server.postForm("/webmention", form).headers["location"])
        _ = try await server.waitForStatus(path, in: ["approved"])

        var slow = FixtureServer.Page.html(String(repeating: "x", count: 50))
        slow.trickle = .milliseconds(100)
        source.set("/post", slow)
        _ = try await server.postForm("/webmention", form)
        // Three attempts time out; the known mention keeps its status instead of being deleted,
        // and stays visible throughout (#16 item 6).
        let during = try await server.waitForStatus(path, in: ["approved"], settled: false)
        #expect(during["detail"] as? String == "Verified and accepted; being verified again after a re-send.")
        var visible = 0
        let deadline = Date().addingTimeInterval(15)
        var status: [String: Any] = [:]
        while Date() < deadline {
            status = JSON.object(try await server.send("GET", path).body) ?? [:]
            let listed = try await server.send("GET", "/api/mentions.jf2?target=\(Self.target)")
            if listed.body.contains(source.url("/post").absoluteString) { visible += 1 }
            #expect(status["status"] as? String == "approved")
            if (status["detail"] as? String)?.contains("being verified again") != true { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(visible > 0 && status["detail"] as? String == "Verified and accepted.")
        #expect(status["status"] as? String == "approved")
        #expect(status["reason"] as? String == "timed-out")
        #expect(source.hits("/post") == 4)
        #expect(server.rejectionLines.isEmpty)
        await source.stop()
    }

    @Test func queuedMentionsSurviveARestart() async throws {
        let source = try await FixtureServer.start()
        // The source is slow to answer, so the server is stopped while verifications are queued.
        var slow = linking()
        slow.trickle = .milliseconds(2)
        slow.chunkSize = 4
        source.set("/post", slow)
        let server = try await ServerHarness(
            yaml: "fetch:\n  timeout_seconds: 10\n  allow_hosts: [\"\(source.hostPort)\"]\n\nverification:\n  concurrency: 1",
            allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        var paths: [String] = []
        for index in 0..<5 {
            let answer = try await server.postForm(
                "/webmention", [("source", source.url("/post").absoluteString + "?n=\(index)"), ("target", Self.target)])
            paths.append(try statusPath(answer.headers["location"]))
        }
        let health = JSON.object(try await server.send("GET", "/healthz").body)
        #expect((health?["queued"] as? Int ?? 0) > 0, "nothing was queued when the server stopped")
        #expect(try await server.stop() == 0)
        source.set("/post", linking())
        try await server.restart()
        for path in paths {
            _ = try await server.waitForStatus(path, in: ["pending"])
        }
        await source.stop()
    }

    @Test func webmentionRocksReceiverTests() async throws {
        let source = try await FixtureServer.start()
        source.set("/test/1", linking())
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        // Test 1: a valid webmention gets 201 with a Location header.
        let one = try await server.postForm("/webmention", [("source", source.url("/test/1").absoluteString), ("target", Self.target)])
        #expect(one.status == 201)
        #expect(one.headers["location"] != nil)
        // Test 2: each of three garbage requests gets 400 synchronously.
        for fields in [
            [("source", "jwoijgoisdjlskjegisvjowuehjtkx"), ("target", Self.target)],
            [("source", source.url("/test/1").absoluteString), ("target", "sjdlkfjslkdjfkjsdlfkjsd")],
            [("source", "qqqqq"), ("target", "zzzzz")],
        ] {
            #expect(try await server.postForm("/webmention", fields).status == 400)
        }
        await source.stop()
    }

    struct BadRequest: Sendable, CustomStringConvertible {
        let fields: [(String, String)]
        let error: String
        let reason: String
        init(_ fields: [(String, String)], _ error: String, _ reason: String) {
            self.fields = fields
            self.error = error
            self.reason = reason
        }
        var description: String { fields.map { "\($0.0)=\($0.1.prefix(60))" }.joined(separator: "&") }
    }

    static let badRequests: [BadRequest] = [
        BadRequest([("target", target)], "invalid_request", "invalid-request"),
        BadRequest([("source", "https://a.example/")], "invalid_request", "invalid-request"),
        BadRequest([("source", ""), ("target", target)], "invalid_request", "invalid-request"),
        BadRequest([("source", "not a url"), ("target", target)], "invalid_source", "invalid-url"),
        BadRequest([("source", "javascript:alert(1)"), ("target", target)], "invalid_source", "invalid-url"),
        BadRequest([("source", "ftp://a.example/x"), ("target", target)], "invalid_source", "invalid-url"),
        BadRequest([("source", "mailto:someone@a.example"), ("target", target)], "invalid_source", "invalid-url"),
        BadRequest([("source", "//a.example/x"), ("target", target)], "invalid_source", "invalid-url"),
        BadRequest([("source", "https://user:pw@a.example/"), ("target", target)], "invalid_source", "invalid-url"),
        BadRequest([("source", "https://a.example:99999/"), ("target", target)], "invalid_source", "invalid-url"),
        BadRequest([("source", "https://a.example/" + String(repeating: "x", count: 2100)), ("target", target)], "invalid_source", "invalid-url"),
        BadRequest([("source", "https://a.example/"), ("target", "/posts/1")], "invalid_target", "invalid-url"),
        BadRequest([("source", "https://a.example/"), ("target", "https:///posts/1")], "invalid_target", "invalid-url"),
        BadRequest([("source", target + "#frag"), ("target", target)], "invalid_request", "same-url"),
        BadRequest([("source", "https://a.example/"), ("target", "https://other.example/posts/1")], "target_not_supported", "target-not-supported"),
        BadRequest([("source", "https://a.example/"), ("target", "https://blog.example.evil.example/")], "target_not_supported", "target-not-supported"),
    ]

    @Test(arguments: badRequests)
    func refusesBadRequestsWith400(request: BadRequest) async throws {
        let (error, reason) = (request.error, request.reason)
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        let answer = try await server.postForm("/webmention", request.fields)
        #expect(answer.status == 400)
        let body = try #require(JSON.object(answer.body))
        #expect(body["error"] as? String == error)
        #expect((body["error_description"] as? String)?.isEmpty == false)
        #expect(server.rejectionLines.count == 1)
        #expect(server.rejectionLines.first?.contains("webmention rejected from 127.0.0.1 reason=\(reason)") == true)
        let health = JSON.object(try await server.send("GET", "/healthz").body)
        #expect(health?["queued"] as? Int == 0)
    }

    @Test func malformedBodiesAndWrongTypes() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        let form = [("Content-Type", "application/x-www-form-urlencoded")]
        let duplicate = try await server.send(
            "POST", "/webmention", body: Array("source=https://a.example/&source=https://b.example/&target=https://blog.example/".utf8),
            headers: form)
        #expect(duplicate.status == 400)
        #expect(JSON.object(duplicate.body)?["error_description"] as? String == "the source parameter appears more than once")
        let badUTF8 = try await server.send("POST", "/webmention", body: Array("source=https://a.example/%FF%FE&target=x".utf8), headers: form)
        #expect(badUTF8.status == 400)
        let badPercent = try await server.send("POST", "/webmention", body: Array("source=%G1&target=x".utf8), headers: form)
        #expect(badPercent.status == 400)
        let json = try await server.send("POST", "/webmention", body: Array(#"{"source":"a"}"#.utf8), headers: [("Content-Type", "application/json")])
        #expect(json.status == 400)
        #expect(JSON.object(json.body)?["error"] as? String == "invalid_request")
        let none = try await server.send("POST", "/webmention", body: Array("source=a".utf8))
        #expect(none.status == 400)
        let charset = try await server.postForm(
            "/webmention", [("source", "https://a.example/"), ("target", Self.target)],
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
        #expect(charset.status == 201)
        let plain = try await server.postForm("/webmention", [("source", "x")], headers: [("Accept", "text/plain")])
        #expect(plain.status == 400)
        #expect(plain.body == "invalid_request: the target parameter is missing\n")
        let reasons = server.rejectionLines.map { $0.components(separatedBy: "reason=")[1].split(separator: " ")[0] }
        #expect(reasons == ["invalid-request", "invalid-request", "invalid-request", "unsupported-media-type",
            "unsupported-media-type", "invalid-request"])
    }

    @Test func oversizedBodiesGet413WithoutBeingRead() async throws {
        let server = try await ServerHarness(yaml: "webmention:\n  max_body_bytes: 1024")
        defer { server.cleanUp() }
        let fields = [("source", "https://a.example/" + String(repeating: "a", count: 900)), ("target", Self.target)]
        let justUnder = try await server.postForm("/webmention", fields)
        #expect(justUnder.status == 201)
        let over = try await server.postForm("/webmention", [("source", "https://a.example/" + String(repeating: "a", count: 1100)), ("target", Self.target)])
        #expect(over.status == 413)
        // A client that claims 10 MiB and sends nothing more is answered at once.
        let lying = try await RawHTTP.exchange(port: server.port, parts: [Array(
            "POST /webmention HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10485760\r\n\r\nsource=".utf8)],
            timeout: 5)
        #expect(RawHTTP.status(lying) == 413)
        // Chunked, with no length: read up to the limit, then 413.
        let chunk = "source=" + String(repeating: "b", count: 2000)
        let chunked = try await RawHTTP.exchange(port: server.port, parts: [Array(
            "POST /webmention HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n\(String(chunk.utf8.count, radix: 16))\r\n\(chunk)\r\n0\r\n\r\n".utf8)],
            timeout: 5)
        #expect(RawHTTP.status(chunked) == 413)
        #expect(server.rejectionLines.filter { $0.contains("reason=too-large") }.count == 3)
    }

    @Test func unknownStatusTokensAre404() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        #expect(try await server.send("GET", "/webmention/status/00000000000000000000000000000000").status == 404)
        #expect(try await server.send("GET", "/webmention/status/1").status == 404)
    }

    @Test func servesTheFormForPeople() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        let form = try await server.send("GET", "/webmention")
        #expect(form.status == 200)
        #expect(form.headers["content-type"] == "text/html; charset=utf-8")
        #expect(form.body.contains(#"<form method="post" action="webmention">"#))
        let fromBrowser = try await server.postForm(
            "/webmention", [("source", "https://a.example/"), ("target", Self.target)], headers: [("Accept", "text/html")])
        #expect(fromBrowser.status == 201)
        #expect(fromBrowser.body.contains("Webmention accepted"))
    }

    @Test func checkTargetExistsRefusesTargetsThatDoNotAnswer() async throws {
        let site = try await FixtureServer.start()
        site.set("/posts/1", .html("a post"))
        let server = try await ServerHarness(
            yaml: "verification:\n  check_target_exists: true\n  target_check_timeout_seconds: 1", sites: [site.hostPort],
            allowHosts: [site.hostPort])
        defer { server.cleanUp() }
        let ok = try await server.postForm("/webmention", [("source", "https://a.example/"), ("target", site.url("/posts/1").absoluteString)])
        #expect(ok.status == 201)
        let missing = try await server.postForm("/webmention", [("source", "https://a.example/"), ("target", site.url("/posts/2").absoluteString)])
        #expect(missing.status == 400)
        #expect(JSON.object(missing.body)?["error"] as? String == "target_not_found")
        #expect(server.rejectionLines.last?.contains("reason=target-not-found") == true)
        // The site's own trouble is not the sender's fault: 503, nothing logged for fail2ban.
        site.set("/posts/3", .html("down", status: 503))
        let failing = try await server.postForm("/webmention", [("source", "https://a.example/"), ("target", site.url("/posts/3").absoluteString)])
        #expect(failing.status == 503)
        #expect(JSON.object(failing.body)?["error"] as? String == "target_unavailable")
        #expect(failing.headers["retry-after"] != nil)
        // A slow target is given target_check_timeout_seconds (1 here), not the whole fetch timeout.
        site.set("/posts/4", FixtureServer.Page(
            headers: [("Content-Type", "text/html")], body: Array(repeating: UInt8(ascii: "x"), count: 100), trickle: .milliseconds(200)))
        let started = Date()
        let slow = try await server.postForm("/webmention", [("source", "https://a.example/"), ("target", site.url("/posts/4").absoluteString)])
        #expect(slow.status == 503)
        #expect(Date().timeIntervalSince(started) < 8, "the check took the fetch timeout (10 s), not its own")
        #expect(server.rejectionLines.count == 1)
        await site.stop()
    }
}

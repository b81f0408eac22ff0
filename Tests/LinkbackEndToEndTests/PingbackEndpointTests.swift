import Foundation
import LinkbackTestSupport
import Testing

/// The pingback endpoint end to end: the real server process, Python's standard xmlrpc.client as
/// the client, a real local source server, and hostile requests replayed over a raw socket.
@Suite struct PingbackEndpointTests {
    static let target = "https://blog.example/posts/1"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scripts/xmlrpc_client.py").path

    /// Calls the endpoint with xmlrpc.client; one result object per call.
    private func call(_ server: ServerHarness, _ calls: [(String, [String])]) async throws -> [[String: Any]] {
        let input = try JSONSerialization.data(withJSONObject: calls.map { [$0.0, $0.1] as [Any] })
        let output = try await Python.run(Self.script, [server.url("/xmlrpc")], input: String(decoding: input, as: UTF8.self))
        return try #require(JSON.value(output) as? [[String: Any]])
    }

    private func fault(_ result: [String: Any]) -> Int? { result["fault"] as? Int }

    private func linking() -> FixtureServer.Page {
        .html("<html><head><title>A post that links</title></head><body><p>Before the link, <a href=\"\(Self.target)\">Dave's post</a>, after it.</p></body></html>")
    }

    @Test func pythonClientGetsSuccessAndEveryFault() async throws {
        let source = try await FixtureServer.start()
        source.set("/links", linking())
        source.set("/nolink", .html("<html><body><p>Nothing to see.</p></body></html>"))
        source.set("/gone", .html("gone", status: 410))
        source.set("/broken", .html("oops", status: 502))
        let site = try await FixtureServer.start()
        site.set("/posts/1", .html("the post"))
        let siteTarget = site.url("/posts/1").absoluteString
        source.set("/links-site", .html("<a href=\"\(siteTarget)\">x</a>"))
        let server = try await ServerHarness(
            yaml: "moderation:\n  auto_approve: true", sites: ["blog.example", site.hostPort], allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let links = source.url("/links").absoluteString
        let results = try await call(server, [
            ("pingback.ping", [links, Self.target]),
            ("pingback.ping", [links, Self.target]),
            ("pingback.ping", [source.url("/nolink").absoluteString, Self.target]),
            ("pingback.ping", [source.url("/missing").absoluteString, Self.target]),
            ("pingback.ping", [source.url("/gone").absoluteString, Self.target]),
            ("pingback.ping", [source.url("/broken").absoluteString, Self.target]),
            ("pingback.ping", [links, "https://other.example/post"]),
            ("pingback.ping", [Self.target, Self.target + "#c"]),
            ("pingback.ping", ["not a url", Self.target]),
            ("pingback.ping", ["http://169.254.169.254/", Self.target]),
            ("pingback.extensions.getPingbacks", [Self.target]),
            ("pingback.extensions.getPingbacks", ["https://other.example/"]),
            ("system.listMethods", []),
            ("system.multicall", []),
            ("pingback.ping", [links]),
        ])
        #expect((results[0]["ok"] as? String)?.contains("registered") == true)
        #expect(results[1...].map(fault) == [48, 17, 16, 16, 50, 33, 0, 16, 16, nil, 33, nil, -32601, -32602])
        #expect(results[10]["ok"] as? [String] == [links])
        #expect(results[12]["ok"] as? [String] == ["pingback.ping", "pingback.extensions.getPingbacks", "system.listMethods"])
        #expect(source.hits("/broken") == 1)

        // One line per fault the client caused; fault 50 (the source's 502) is not the client's fault.
        let reasons = server.rejectionLines.map { String($0.components(separatedBy: "reason=")[1].split(separator: " ")[0]) }
        #expect(reasons == ["already-registered", "no-link", "source-not-found", "source-not-found", "target-not-supported",
            "same-url", "invalid-url", "invalid-url", "target-not-supported", "unknown-method", "invalid-params"])
        #expect(server.rejectionLines[1].contains(#"pingback rejected from 127.0.0.1 reason=no-link source="\#(source.url("/nolink").absoluteString)" target="https://blog.example/posts/1" ua="Python-xmlrpc/"#))

        // check_target_exists is off here; the stored pingback carries the WordPress-style excerpt.
        await source.stop()
        await site.stop()
    }

    @Test func targetThatDoesNotExistIsFault32() async throws {
        let source = try await FixtureServer.start()
        let site = try await FixtureServer.start()
        site.set("/posts/1", .html("the post"))
        source.set("/links", .html("<a href=\"\(site.url("/posts/2").absoluteString)\">x</a>"))
        let server = try await ServerHarness(
            yaml: "verification:\n  check_target_exists: true", sites: [site.hostPort],
            allowHosts: [source.hostPort, site.hostPort])
        defer { server.cleanUp() }
        site.set("/posts/3", .html("down", status: 502))
        let results = try await call(server, [
            ("pingback.ping", [source.url("/links").absoluteString, site.url("/posts/2").absoluteString]),
            ("pingback.ping", [source.url("/links").absoluteString, site.url("/posts/3").absoluteString]),
        ])
        #expect(fault(results[0]) == 32)
        // 32 is only for targets that do not exist; the target's server failing is fault 50.
        #expect(fault(results[1]) == 50)
        #expect(source.hits("/links") == 0)
        await source.stop()
        await site.stop()
    }

    @Test func disabledAnswers33WithoutFetching() async throws {
        let source = try await FixtureServer.start()
        source.set("/links", linking())
        let server = try await ServerHarness(yaml: "pingback:\n  enabled: false", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let results = try await call(server, [("pingback.ping", [source.url("/links").absoluteString, Self.target])])
        #expect(fault(results[0]) == 33)
        #expect(source.hits("/links") == 0)
        await source.stop()
    }

    @Test func collapsedFaultsHideEverythingButDuplicates() async throws {
        let source = try await FixtureServer.start()
        source.set("/links", linking())
        source.set("/nolink", .html("nothing"))
        let server = try await ServerHarness(yaml: "pingback:\n  collapse_faults: true", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let results = try await call(server, [
            ("pingback.ping", [source.url("/nolink").absoluteString, Self.target]),
            ("pingback.ping", ["http://10.0.0.1/", Self.target]),
            ("pingback.ping", [source.url("/links").absoluteString, Self.target]),
            ("pingback.ping", [source.url("/links").absoluteString, Self.target]),
        ])
        #expect(fault(results[0]) == 0 && results[0]["message"] as? String == "")
        #expect(fault(results[1]) == 0 && results[1]["message"] as? String == "")
        #expect(results[2]["ok"] != nil)
        #expect(fault(results[3]) == 48)
        // The log keeps the real reasons.
        #expect(server.rejectionLines.map { $0.contains("reason=no-link") || $0.contains("reason=invalid-url") || $0.contains("reason=already-registered") } == [true, true, true])
        await source.stop()
    }

    @Test func concurrencyCapAnswers50AtOnce() async throws {
        let source = try await FixtureServer.start()
        var slow = linking()
        slow.trickle = .milliseconds(100)  // about 2 s in all
        slow.chunkSize = 8
        source.set("/slow", slow)
        source.set("/links", linking())
        let server = try await ServerHarness(
            yaml: "pingback:\n  max_concurrent_verifications: 1", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let slowCall = Task { try await call(server, [("pingback.ping", [source.url("/slow").absoluteString, Self.target])])[0]["ok"] != nil }
        while source.hits("/slow") == 0 { try await Task.sleep(for: .milliseconds(10)) }
        let started = Date()
        let second = try await call(server, [("pingback.ping", [source.url("/links").absoluteString, Self.target])])
        #expect(fault(second[0]) == 50)
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(source.hits("/links") == 0)
        #expect(try await slowCall.value)
        await source.stop()
    }

    @Test func verificationTimeoutIsFault50() async throws {
        let source = try await FixtureServer.start()
        var slow = linking()
        slow.trickle = .milliseconds(100)
        source.set("/slow", slow)
        let server = try await ServerHarness(yaml: "pingback:\n  verify_timeout_seconds: 0.5", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let started = Date()
        let results = try await call(server, [("pingback.ping", [source.url("/slow").absoluteString, Self.target])])
        #expect(fault(results[0]) == 50)
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(server.rejectionLines.isEmpty)
        await source.stop()
    }

    /// A source behind a bot challenge is told as such, not "no link" (fault 17), and nothing is
    /// kept or logged against the sender.
    @Test func aChallengedSourceIsFault50SayingWhy() async throws {
        let source = try await FixtureServer.start()
        source.set("/challenged", BotChallengeTests.cloudflare)
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let results = try await call(server, [("pingback.ping", [source.url("/challenged").absoluteString, Self.target])])
        #expect(fault(results[0]) == 50)
        #expect((results[0]["message"] as? String)?.contains("bot challenge (cloudflare)") == true, "\(results[0])")
        #expect(server.rejectionLines.isEmpty)
        let listed = try await LinkbackProcess.run(["list", "--all", "--json", "--database", server.directory.file("linkback.sqlite")])
        #expect(JSON.value(listed.stdout) as? [Any] != nil && (JSON.value(listed.stdout) as? [Any])?.isEmpty == true, "\(listed.stdout)")
        await source.stop()
    }

    @Test func storesTheWordPressStyleExcerptAndTitle() async throws {
        let source = try await FixtureServer.start()
        source.set("/links", linking())
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        _ = try await call(server, [("pingback.ping", [source.url("/links").absoluteString, Self.target])])
        try await server.stop()
        let shown = try await LinkbackProcess.run([
            "verify", "--config", server.configPath, "--json", source.url("/links").absoluteString, Self.target,
        ])
        let mention = try #require(JSON.object(shown.stdout)?["mention"] as? [String: Any])
        #expect(mention["title"] as? String == "A post that links")
        #expect(mention["excerpt"] as? String == "[…] Before the link, Dave's post, after it. […]")
        await source.stop()
    }

    /// Fault 48 only for pairs that are registered (pending or approved): a pair stored only as
    /// rejected by verification is verified again when pinged (#16 item 5).
    @Test func aPairRejectedByVerificationIsVerifiedAgainNot48() async throws {
        let source = try await FixtureServer.start()
        source.set("/later", .html("no link yet"))
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let sent = try await server.postForm("/webmention", [("source", source.url("/later").absoluteString), ("target", Self.target)])
        let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
        _ = try await server.waitForStatus(location, in: ["rejected"])
        source.set("/later", linking())
        let results = try await call(server, [
            ("pingback.ping", [source.url("/later").absoluteString, Self.target]),
            ("pingback.ping", [source.url("/later").absoluteString, Self.target]),
        ])
        #expect(results[0]["ok"] != nil, "\(results[0])")
        #expect(fault(results[1]) == 48)
        let status = try await server.waitForStatus(location, in: ["pending"])
        #expect(status["status"] as? String == "pending")
        await source.stop()
    }

    /// Review #25's lost update, replayed through the real server: a pingback re-verifies a pair
    /// the queue rejected, its source trickles in slowly, and a moderator marks the mention spam
    /// (or deletes it) with the CLI meanwhile. The moderator's decision stands; the pingback is
    /// still answered as registered.
    @Test(arguments: [("spam", "spam"), ("delete", "deleted")])
    func aModeratorsDecisionDuringASlowPingbackStands(_ action: String, _ expected: String) async throws {
        let source = try await FixtureServer.start()
        source.set("/slow", .html("no link yet"))
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let sent = try await server.postForm("/webmention", [("source", source.url("/slow").absoluteString), ("target", Self.target)])
        let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
        _ = try await server.waitForStatus(location, in: ["rejected"])
        var slow = linking()
        slow.trickle = .milliseconds(20)
        slow.chunkSize = 1  // about three seconds for the page
        source.set("/slow", slow)
        let hitsBefore = source.hits("/slow")
        let pinging = Task {
            let results = try await call(server, [("pingback.ping", [source.url("/slow").absoluteString, Self.target])])
            return results.first?["ok"] != nil ? "ok" : "\(results)"
        }
        for _ in 0..<200 where source.hits("/slow") == hitsBefore { try await Task.sleep(for: .milliseconds(10)) }
        #expect(source.hits("/slow") > hitsBefore, "the pingback's fetch never started")
        let moderated = try await LinkbackProcess.run([action, "1", "--config", server.configPath], environment: ["NO_COLOR": "1"])
        #expect(moderated.status == 0, "\(moderated.stderr)")
        let answer = try await pinging.value
        #expect(answer == "ok")
        let status = try await server.waitForStatus(location, in: [expected, "pending", "approved"])
        #expect(status["status"] as? String == expected)
        await source.stop()
    }
}

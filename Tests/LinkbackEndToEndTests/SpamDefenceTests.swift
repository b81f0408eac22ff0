import Foundation
import LinkbackStore
import LinkbackTestSupport
import Testing

/// The spam rules through the real server: limits at their edges, the built-in ban, blocks
/// added while running, and the cap that keeps Linkback from flooding a source host.
@Suite struct SpamDefenceTests {
    static let target = "https://blog.example/posts/1"

    @Test func perClientRateLimitAnswers429WithRetryAfterAtTheBurstEdge() async throws {
        let server = try await ServerHarness(yaml: "spam:\n  rate_limit_per_minute: 6\n  rate_limit_burst: 3\n  pair_interval_seconds: 0")
        defer { server.cleanUp() }
        var statuses: [Int] = []
        for index in 0..<4 {
            statuses.append(try await server.postForm("/webmention", [("source", "https://a.example/\(index)"), ("target", Self.target)]).status)
        }
        #expect(statuses == [201, 201, 201, 429])
        let limited = try await server.postForm("/webmention", [("source", "https://a.example/9"), ("target", Self.target)])
        #expect(limited.status == 429)
        #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect(JSON.object(limited.body)?["error"] as? String == "rate_limited")
        // Pingback gets fault 49 instead.
        let fault = try await server.send("POST", "/xmlrpc", body: Array("<methodCall><methodName>system.listMethods</methodName></methodCall>".utf8),
            headers: [("Content-Type", "text/xml")])
        #expect(fault.status == 200 && fault.body.contains("<int>49</int>"))
        #expect(server.rejectionLines.filter { $0.contains("reason=rate-limited") }.count == 3)
    }

    @Test func samePairTooSoonIs429() async throws {
        let server = try await ServerHarness(yaml: "spam:\n  rate_limit_per_minute: 0\n  pair_interval_seconds: 1")
        defer { server.cleanUp() }
        let form = [("source", "https://a.example/p"), ("target", Self.target)]
        #expect(try await server.postForm("/webmention", form).status == 201)
        let again = try await server.postForm("/webmention", form)
        #expect(again.status == 429)
        #expect(again.headers["retry-after"] == "1")
        // When the interval is up the pair is taken again: walked to the second on a manual
        // clock in MentionLifecycleTests and StoreConformanceTests, not slept for here.
    }

    @Test func repeatOffendersAreBannedAtTheDoor() async throws {
        let server = try await ServerHarness(
            yaml: "spam:\n  rate_limit_per_minute: 0\n  pair_interval_seconds: 0\n  ban_after_rejections: 3\n  ban_window_minutes: 1\n  ban_minutes: 1")
        defer { server.cleanUp() }
        for _ in 0..<2 {
            #expect(try await server.postForm("/webmention", [("source", "garbage"), ("target", Self.target)]).status == 400)
        }
        // Two rejections: not banned yet; a good request still goes through.
        #expect(try await server.postForm("/webmention", [("source", "https://a.example/"), ("target", Self.target)]).status == 201)
        #expect(try await server.postForm("/webmention", [("source", "garbage"), ("target", Self.target)]).status == 400)
        let banned = try await server.postForm("/webmention", [("source", "https://a.example/2"), ("target", Self.target)])
        #expect(banned.status == 429)
        #expect(server.rejectionLines.last?.contains("reason=banned") == true)
    }

    @Test func blocksAddedToTheDatabaseTakeEffectWhileRunning() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        #expect(try await server.postForm("/webmention", [("source", "https://spam.example/a"), ("target", Self.target)]).status == 201)
        // Another process (the CLI) adds a block to the same database.
        let store = try SQLiteMentionStore(path: server.directory.file("linkback.sqlite"))
        try await store.addBlock(kind: .domain, value: "spam.example", reason: "test")
        try await store.close()
        let deadline = Date().addingTimeInterval(10)
        var status = 201
        while Date() < deadline {
            status = try await server.postForm("/webmention", [("source", "https://www.spam.example/b"), ("target", Self.target)]).status
            if status == 403 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        // Blocked means 403, as for a blocked address or user agent.
        #expect(status == 403)
        #expect(server.rejectionLines.last?.contains("reason=blocked-source") == true)
    }

    @Test func fetchesPerSourceHostAreCapped() async throws {
        let source = try await FixtureServer.start()
        for index in 0..<4 { source.set("/p\(index)", .html("<a href=\"\(Self.target)\">x</a>")) }
        let server = try await ServerHarness(
            yaml: "spam:\n  rate_limit_per_minute: 0\n  pair_interval_seconds: 0\n  fetches_per_source_host_per_minute: 2",
            allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        var answers: [String] = []
        for index in 0..<3 {
            let body = "<methodCall><methodName>pingback.ping</methodName><params><param><value>\(source.url("/p\(index)").absoluteString)</value></param><param><value>\(Self.target)</value></param></params></methodCall>"
            answers.append(try await server.send("POST", "/xmlrpc", body: Array(body.utf8), headers: [("Content-Type", "text/xml")]).body)
        }
        #expect(answers[0].contains("registered") && answers[1].contains("registered"))
        #expect(answers[2].contains("<int>50</int>"))
        #expect(source.hits("/p2") == 0)
        #expect(server.rejectionLines.last?.contains("reason=rate-limited") == true)
        await source.stop()
    }
}

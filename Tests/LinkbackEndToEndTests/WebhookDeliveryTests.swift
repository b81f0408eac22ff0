import Foundation
import LinkbackTestSupport
import Testing

/// Webhooks from a real `linkback serve` to a real receiver (Python's http.server checking the
/// HMAC signature), for approvals made by the CLI in another process, with failures and a server
/// restart between attempts.
@Suite(.serialized) struct WebhookDeliveryTests {
    static let secret = "webhook-secret-0123456789"

    /// The webhook receiver: checks signatures, fails the first `failures` requests.
    static func receiver(failures: Int, directory: TemporaryDirectory) async throws -> ScriptPeer {
        try await ScriptPeer(script: "webhook_receiver.py", arguments: [secret, String(failures), "{log}"], directory: directory)
    }

    private func server(
        _ receiver: ScriptPeer, source: FixtureServer, retrySeconds: Double, events: String? = nil, more: String = ""
    ) async throws -> ServerHarness {
        try await ServerHarness(
            yaml: """
                webhooks:
                  - url: http://127.0.0.1:\(receiver.port)/hook
                    secret: \(Self.secret)\(events.map { "\n    events: \($0)" } ?? "")

                webhook_delivery:
                  retry_base_seconds: \(retrySeconds)

                \(more)
                """,
            allowHosts: [source.hostPort, "127.0.0.1:\(receiver.port)"])
    }

    /// Sends a webmention through the endpoint and waits until it is verified (pending).
    private func pendingMention(_ server: ServerHarness, _ source: FixtureServer) async throws {
        let target = "https://blog.example/posts/1"
        source.set("/reply", .html(#"<div class="h-entry"><p class="e-content">Yes <a class="u-in-reply-to" href="\#(target)">this</a></p></div>"#))
        let sent = try await server.postForm("/webmention", [("source", source.url("/reply").absoluteString), ("target", target)])
        let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
        _ = try await server.waitForStatus(location, in: ["pending"])
    }

    @Test func anApprovalByTheCLIReachesTheReceiverSigned() async throws {
        let directory = try TemporaryDirectory("webhooks")
        defer { directory.remove() }
        let receiver = try await Self.receiver(failures: 0, directory: directory)
        defer { receiver.stop() }
        let source = try await FixtureServer.start()
        let server = try await server(receiver, source: source, retrySeconds: 1)
        defer { server.cleanUp() }
        try await pendingMention(server, source)

        let approve = try await LinkbackProcess.run(["approve", "--all-pending", "--yes", "--config", server.configPath])
        #expect(approve.status == 0, "\(approve.stderr)")
        let requests = try await receiver.waitFor(1)
        let request = try #require(requests.first)
        #expect(request["valid"] as? Bool == true)
        #expect(request["event"] as? String == "approved")
        let body = try #require(request["body"] as? [String: Any])
        #expect(body["secret"] as? String == Self.secret)
        #expect(body["source"] as? String == source.url("/reply").absoluteString)
        #expect(body["target"] as? String == "https://blog.example/posts/1")
        let post = try #require(body["post"] as? [String: Any])
        #expect(post["wm-property"] as? String == "in-reply-to")
        #expect(body["deleted"] == nil)

        // Marked spam by the CLI: a deletion.
        _ = try await LinkbackProcess.run(["spam", "1", "--no-block", "--config", server.configPath])
        let deletion = try #require(try await receiver.waitFor(2).last)
        #expect(deletion["event"] as? String == "deleted")
        #expect((deletion["body"] as? [String: Any])?["deleted"] as? Bool == true)
        await source.stop()
    }

    /// A webhook that asks for `pending` and `held` hears when a mention starts waiting for the
    /// owner, and why a spam signal held it; the next verification of the same waiting mention is
    /// nothing new.
    @Test func aWaitingMentionIsAnnouncedWhenAsked() async throws {
        let directory = try TemporaryDirectory("webhooks")
        defer { directory.remove() }
        let receiver = try await Self.receiver(failures: 0, directory: directory)
        defer { receiver.stop() }
        let source = try await FixtureServer.start()
        defer { Task { await source.stop() } }
        do {
            let server = try await server(receiver, source: source, retrySeconds: 1, events: "[pending, held]")
            defer { server.cleanUp() }
            try await pendingMention(server, source)
            let request = try #require(try await receiver.waitFor(1).first)
            #expect(request["valid"] as? Bool == true)
            #expect(request["event"] as? String == "pending")
            let body = try #require(request["body"] as? [String: Any])
            #expect(body["source"] as? String == source.url("/reply").absoluteString)
            #expect(body["reasons"] == nil)
            // Re-sent unchanged: still waiting, nothing new to announce.
            try await pendingMention(server, source)
            try await Task.sleep(for: .seconds(1.5))
            #expect(receiver.requests.count == 1)
        }
        // A score threshold every mention passes: held, with the signal's name.
        let server = try await server(
            receiver, source: source, retrySeconds: 1, events: "[held]", more: "spam:\n  pair_interval_seconds: 0\n  score:\n    hold_at: 0.01")
        defer { server.cleanUp() }
        try await pendingMention(server, source)
        let held = try #require(try await receiver.waitFor(2).last)
        #expect(held["event"] as? String == "held")
        #expect((held["body"] as? [String: Any])?["reasons"] as? [String] == ["spam-score"])
    }

    @Test func failedDeliveriesAreRetriedAcrossARestart() async throws {
        let directory = try TemporaryDirectory("webhooks")
        defer { directory.remove() }
        let receiver = try await Self.receiver(failures: 2, directory: directory)
        defer { receiver.stop() }
        let source = try await FixtureServer.start()
        let server = try await server(receiver, source: source, retrySeconds: 2)
        defer { server.cleanUp() }
        try await pendingMention(server, source)
        _ = try await LinkbackProcess.run(["approve", "--all-pending", "--yes", "--config", server.configPath])

        // Two failures (the second about 2 s after the first), then the server stops before the
        // third attempt (due about 4 s later) and starts again.
        let failures = try await receiver.waitFor(2)
        #expect(failures.map { $0["status"] as? Int } == [500, 500])
        #expect(try await server.stop() == 0)
        try await server.restart()
        let all = try await receiver.waitFor(3)
        #expect(all.map { $0["status"] as? Int } == [500, 500, 204])
        // The same change each time: receivers deduplicate by the delivery id.
        #expect(Set(all.compactMap { $0["delivery"] as? String }).count == 1)
        let listed = try await LinkbackProcess.run(["webhooks", "--json", "--config", server.configPath])
        let deliveries = try #require(JSON.value(listed.stdout) as? [[String: Any]])
        #expect(deliveries.count == 1)
        #expect(deliveries.first?["state"] as? String == "delivered")
        #expect(deliveries.first?["attempts"] as? Int == 3)
        await source.stop()
    }
}

import Foundation
import LinkbackTestSupport
import Testing

/// `verification.recheck_days` end to end: a real server re-checks its approved mentions; a gone
/// source is deleted, one whose server answers 503 is kept.
@Suite struct RecheckTests {
    static let target = "https://blog.example/posts/1"

    @Test func aSweepDeletesAGoneSourceAndKeepsOneThatAnswers503() async throws {
        let source = try await FixtureServer.start()
        let linking = FixtureServer.Page.html("<p><a href=\"\(Self.target)\">a post</a></p>")
        source.set("/gone", linking)
        source.set("/busy", linking)
        // A period of about four seconds (0.00005 days), batches every 43 ms; a failed attempt is final.
        let server = try await ServerHarness(
            yaml: """
                moderation:
                  auto_approve: true

                verification:
                  recheck_days: 0.00005
                  max_attempts: 1
                """,
            allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        var paths: [String: String] = [:]
        for name in ["/gone", "/busy"] {
            let answer = try await server.postForm("/webmention", [("source", source.url(name).absoluteString), ("target", Self.target)])
            paths[name] = String(try #require(answer.headers["location"]).dropFirst("https://mentions.example".count))
            _ = try await server.waitForStatus(paths[name]!, in: ["approved"])
        }
        source.set("/gone", .html("gone", status: 410))
        source.set("/busy", .html("busy", status: 503))
        let busyHits = source.hits("/busy")

        _ = try await server.waitForStatus(paths["/gone"]!, in: ["deleted"], timeout: 30)
        let deadline = Date().addingTimeInterval(30)
        while source.hits("/busy") == busyHits, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(source.hits("/busy") > busyHits)
        #expect(try await server.waitForStatus(paths["/busy"]!, in: ["approved"])["status"] as? String == "approved")

        let stats = try await LinkbackProcess.run(["stats", "--config", server.configPath, "--json"])
        let recheck = try #require(JSON.object(stats.stdout)?["recheck"] as? [String: Any], "\(stats.stdout)")
        let sweeps = [recheck["current"], recheck["last"]].compactMap { $0 as? [String: Any] }
        #expect(sweeps.contains { ($0["checked"] as? Int ?? 0) >= 2 }, "\(recheck)")
        #expect(sweeps.contains { ($0["deleted"] as? Int ?? 0) >= 1 }, "\(recheck)")
        let text = try await LinkbackProcess.run(["stats", "--config", server.configPath], environment: ["NO_COLOR": "1"])
        #expect(text.stdout.contains("periodic re-check (verification.recheck_days)"))
        await source.stop()
    }
}

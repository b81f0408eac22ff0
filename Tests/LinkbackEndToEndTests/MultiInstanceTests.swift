import AsyncHTTPClient
import Foundation
import LinkbackKit
import LinkbackTestSupport
import NIOCore
import Testing

/// Two real `linkback serve` processes sharing one real PostgreSQL database, as behind a load
/// balancer: mentions sent to either are verified once, none is lost when one instance is
/// SIGKILLed midway (the other takes over its claims when their lease ends), and moderation
/// through both admin APIs at once applies once.
@Suite(.serialized) struct MultiInstanceTests {
    static let token = "admin-token-0123456789abcdef"
    static let target = "https://blog.example/posts/1"

    static func instance(_ url: String, fixture: FixtureServer) async throws -> ServerHarness {
        try await ServerHarness(
            yaml: """
                database:
                  url: \(url)?sslmode=disable

                verification:
                  claim_lease_seconds: 3
                  concurrency: 8

                admin:
                  token: \(token)
                """, allowHosts: [fixture.hostPort])
    }

    @Test func aThousandMentionsAcrossTwoInstancesOneKilledAreEachVerifiedOnce() async throws {
        let url = try await PostgresCluster.makeDatabase("instances")
        let database = String(url.split(separator: "/").last!)
        let fixture = try await FixtureServer.start()
        let total = 1000
        for index in 0..<total {
            fixture.set("/s/\(index)", .html(#"<p class="h-entry">Nice <a href="\#(Self.target)">post</a></p>"#))
        }
        let first = try await Self.instance(url, fixture: fixture)
        let second = try await Self.instance(url, fixture: fixture)
        let client = CrashSafetyTests.client()

        // Eight senders, alternating instances; the first is SIGKILLed once 300 are acknowledged,
        // and what it can no longer take goes to the second, as a load balancer would.
        let acknowledged = Locked(0)
        let killed = Locked(false)
        let next = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    while true {
                        let index = next.withLock { value -> Int in
                            defer { value += 1 }
                            return value
                        }
                        guard index < total else { return }
                        let source = fixture.url("/s/\(index)").absoluteString
                        var useFirst = index.isMultiple(of: 2) && !killed.withLock { $0 }
                        while true {
                            let port = useFirst ? first.port : second.port
                            if (try? await CrashSafetyTests.send(.webmention, source: source, port: port, with: client)) == true {
                                break
                            }
                            guard useFirst else { throw FixtureFailure("the surviving instance refused \(source)") }
                            useFirst = false
                        }
                        let count = acknowledged.withLock { value -> Int in
                            value += 1
                            return value
                        }
                        if count == 300 {
                            killed.withLock { $0 = true }
                            first.process.signal(SIGKILL)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(acknowledged.withLock { $0 } == total)

        // Everything gets verified, the dead instance's claims after their lease.
        let cluster = try await PostgresCluster.shared()
        let deadline = Date().addingTimeInterval(120)
        var waiting = -1
        while Date() < deadline {
            waiting = Int(try await cluster.psql(
                "SELECT count(*) FROM mentions WHERE status = 'queued' OR reverify", database: database)) ?? -1
            if waiting == 0 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(waiting == 0, "still queued after two minutes")
        #expect(try await cluster.psql("SELECT count(*) FROM mentions", database: database) == "\(total)")
        #expect(try await cluster.psql("SELECT count(*) FROM mentions WHERE status = 'pending'", database: database) == "\(total)")
        // One verification recorded per mention, whoever did it. A sender whose request the killed
        // instance had stored but not yet answered sent it again to the other (an update, as
        // for any re-send): only those few may have been verified twice.
        let verifications = try await cluster.psql(
            """
            SELECT resent || ':' || verified || ':' || count(*) FROM (
                SELECT mention_id, count(*) FILTER (WHERE reason = 'update') > 0 AS resent,
                    count(*) FILTER (WHERE reason = 'verified') AS verified
                FROM events GROUP BY mention_id) AS v
            GROUP BY resent, verified ORDER BY resent, verified
            """, database: database
        ).split(separator: "\n").map { $0.split(separator: ":").map(String.init) }
        let once = verifications.first { $0[0] == "false" && $0[1] == "1" }.flatMap { Int($0[2]) } ?? 0
        let resent = verifications.filter { $0[0] == "true" && ["1", "2"].contains($0[1]) }.compactMap { Int($0[2]) }.reduce(0, +)
        #expect(once + resent == total, "resent:verified:mentions \(verifications)")
        #expect(resent <= 8, "resent:verified:mentions \(verifications)")
        // Each page fetched; the only second fetches are of what the killed instance had in flight
        // (at most its concurrency, 8) and of the mentions sent again to the other.
        let hits = (0..<total).map { fixture.hits("/s/\($0)") }
        #expect(hits.allSatisfy { $0 >= 1 })
        #expect(hits.reduce(0, +) - total <= 8 + resent, "extra fetches: \(hits.reduce(0, +) - total), resent \(resent)")

        // A restarted instance joins; both admin APIs approve one mention at once: it applies once.
        let restarted = try await Self.instance(url, fixture: fixture)
        let id = try await cluster.psql("SELECT min(id) FROM mentions", database: database)
        let answers = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<10 {
                let instance = index.isMultiple(of: 2) ? restarted : second
                group.addTask {
                    try await instance.send(
                        "POST", "/admin/api/mentions/\(id)/approve", body: [],
                        headers: [("Authorization", "Bearer \(Self.token)")]
                    ).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(answers.filter { $0 == 200 }.count == 1, "\(answers)")
        #expect(answers.filter { $0 == 409 }.count == 9, "\(answers)")
        #expect(try await cluster.psql(
            "SELECT count(*) FROM events WHERE mention_id = \(id) AND to_status = 'approved'", database: database) == "1")

        try await client.shutdown()
        restarted.process.signal(SIGTERM)
        second.process.signal(SIGTERM)
        _ = try? await restarted.process.waitForExit(timeout: 10)
        _ = try? await second.process.waitForExit(timeout: 10)
        first.cleanUp()
        second.cleanUp()
        restarted.cleanUp()
        await fixture.stop()
    }

    /// A client the built-in ban stops at one instance is stopped at the other too, within a
    /// refresh (five seconds), without a rejection there.
    @Test func aBanStartedByOneInstanceHoldsAtTheOther() async throws {
        let url = try await PostgresCluster.makeDatabase("bans")
        let spam = "spam:\n  rate_limit_per_minute: 0\n  pair_interval_seconds: 0\n  ban_after_rejections: 3\n  ban_window_minutes: 1\n  ban_minutes: 5"
        let database = "database:\n  url: \(url)?sslmode=disable"
        let first = try await ServerHarness(yaml: database + "\n\n" + spam)
        let second = try await ServerHarness(yaml: database + "\n\n" + spam)
        defer {
            first.cleanUp()
            second.cleanUp()
        }
        let good = [("source", "https://a.example/ok"), ("target", Self.target)]
        #expect(try await second.postForm("/webmention", good).status == 201)
        for _ in 0..<3 {
            #expect(try await first.postForm("/webmention", [("source", "garbage"), ("target", Self.target)]).status == 400)
        }
        #expect(try await first.postForm("/webmention", [("source", "https://a.example/1"), ("target", Self.target)]).status == 429)
        let deadline = Date().addingTimeInterval(15)
        var status = 0
        var attempt = 0
        while Date() < deadline {
            attempt += 1
            status = try await second.postForm("/webmention", [("source", "https://a.example/\(attempt + 10)"), ("target", Self.target)]).status
            if status == 429 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(status == 429)
        #expect(second.rejectionLines.last?.contains("reason=banned") == true)
        #expect(!second.rejectionLines.contains { $0.contains("reason=invalid-url") })
    }
}

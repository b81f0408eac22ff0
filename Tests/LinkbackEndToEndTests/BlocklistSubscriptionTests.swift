import Foundation
import LinkbackTestSupport
import Testing

/// Subscribed blocklists through the real server: lists in the three formats served by a real
/// local HTTP server, sources on them refused at the door, a list that fails keeping its last
/// copy, `blocklist sync --dry-run` changing nothing, and this instance's own verdicts published.
@Suite struct BlocklistSubscriptionTests {
    static let target = "https://blog.example/posts/1"

    private func send(_ server: ServerHarness, _ source: String) async throws -> (status: Int, body: String) {
        let answer = try await server.postForm("/webmention", [("source", source), ("target", Self.target)])
        return (answer.status, answer.body)
    }

    private func waitFor(_ text: String, in server: ServerHarness) async throws {
        let deadline = Date().addingTimeInterval(15)
        while !server.process.stderr.contains(text), Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(server.process.stderr.contains(text), "\(server.process.stderr.suffix(1500))")
    }

    @Test func listedSourcesAreRefusedAndAFailingListKeepsItsCopy() async throws {
        let lists = try await FixtureServer.start()
        lists.set("/domains.txt", .content("# hand kept\nspam-farm.example\n*.casino.example\n", type: "text/plain"))
        lists.set("/mastodon.csv", .content(
            "#domain,#severity,#reject_media\nsuspended.example,suspend,false\nlimited.example,noop,false\n", type: "text/csv"))
        lists.set("/words.txt", .content("viagra\nsex\n", type: "text/plain"))
        let yaml = """
            spam:
              rate_limit_per_minute: 0
              pair_interval_seconds: 0
              fetches_per_source_host_per_minute: 0
              publish_blocklist: true
              blocklists:
                - url: \(lists.url("/domains.txt"))
                - url: \(lists.url("/mastodon.csv"))
                  format: mastodon-csv
                - url: \(lists.url("/words.txt"))
                  format: wordpress
                - url: \(lists.url("/missing.txt"))
            """
        let server = try await ServerHarness(yaml: yaml, allowHosts: [lists.hostPort])
        defer { server.cleanUp() }
        try await waitFor("blocklists loaded: 4 entries from 3 lists", in: server)
        #expect(server.process.stderr.contains("blocklist not refreshed; its last copy stays"))

        for source in [
            "https://spam-farm.example/a", "https://www.casino.example/b", "https://suspended.example/c", "https://cheap-viagra.example/d",
        ] {
            let refused = try await send(server, source)
            #expect(refused.status == 403 && refused.body.contains("not accepted"), "\(source): \(refused)")
        }
        #expect(server.rejectionLines.count == 4 && server.rejectionLines.allSatisfy { $0.contains("reason=blocked-source") })
        #expect(try await send(server, "https://limited.example/e").status == 201, "a noop row blocks nothing")
        #expect(try await send(server, "https://essex.example/f").status == 201, "words match whole words only")

        // Each entry names its list.
        let database = ["--config", server.configPath]
        let blocks = try await LinkbackProcess.run(["blocks", "--json"] + database)
        let records = try #require(JSON.value(blocks.stdout) as? [[String: Any]], "\(blocks.stderr)")
        #expect(records.contains { $0["value"] as? String == "suspended.example" && $0["list"] as? String == lists.url("/mastodon.csv").absoluteString })
        #expect(records.count == 4)

        // A new version of a list, tried first: what it adds and drops, and the stored mention it hits.
        lists.set("/domains.txt", .content("spam-farm.example\nlimited.example\n", type: "text/plain"))
        let dry = try await LinkbackProcess.run(["blocklist", "sync", "--dry-run"] + database, environment: ["NO_COLOR": "1"])
        #expect(dry.status == 1, "the missing list is reported: \(dry.stderr)")
        #expect(dry.stdout.contains("\(lists.url("/domains.txt")): 2 entries, 1 added, 1 dropped; 1 stored mention from added domains"), "\(dry.stdout)")
        #expect(dry.stdout.contains("  + domain limited.example") && dry.stdout.contains("  - domain casino.example"), "\(dry.stdout)")
        #expect(dry.stdout.contains("missing.txt: not fetched") && dry.stdout.contains("Dry run: nothing stored."), "\(dry.stdout)")
        #expect(try await LinkbackProcess.run(["blocks", "--json"] + database).stdout == blocks.stdout, "a dry run changes nothing")

        // A list that fails keeps its last copy; the server keeps refusing what it listed.
        lists.set("/mastodon.csv", .content("down", type: "text/plain", status: 503))
        let synced = try await LinkbackProcess.run(["blocklist", "sync"] + database, environment: ["NO_COLOR": "1"])
        #expect(synced.stdout.contains("mastodon.csv: not fetched (") && synced.stdout.contains("its last copy (1 entry) stays"), "\(synced.stdout)")
        server.process.signal(SIGHUP)
        try await waitFor("blocklists loaded: 4 entries from 3 lists", in: server)
        let deadline = Date().addingTimeInterval(15)
        var status = 0
        while Date() < deadline {
            status = try await send(server, "https://limited.example/g").status
            if status == 403 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == 403, "the new copy applies after SIGHUP")
        #expect(try await send(server, "https://suspended.example/h").status == 403, "the failing list's copy still blocks")
        #expect(try await send(server, "https://www.casino.example/i").status == 201, "dropped from its list")

        // This instance's own verdicts are published; the lists it subscribes to are not.
        _ = try await LinkbackProcess.run(["block", "own-verdict.example"] + database)
        server.process.signal(SIGHUP)
        var published = ""
        while Date() < deadline.addingTimeInterval(10) {
            published = try await server.send("GET", "/api/blocklist.txt").body
            if published.contains("own-verdict.example") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(published.contains("\nown-verdict.example\n") && !published.contains("spam-farm.example"), "\(published)")
        await lists.stop()
    }

    @Test func nothingIsPublishedUnlessAsked() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        #expect(try await server.send("GET", "/api/blocklist.txt").status == 404)
    }
}

import Foundation
import LinkbackKit
import LinkbackStore
import LinkbackTestSupport
import Testing

/// The moderation commands run as the real binary against a real SQLite file.
@Suite struct ModerationCLITests {
    /// A database with mentions in known states: 1 pending (alice.example reply), 2 pending
    /// (spam.example), 3 approved pingback, 4 deleted.
    private func seeded() async throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory("cli")
        let path = directory.file("linkback.sqlite")
        let store = try SQLiteMentionStore(path: path)
        func add(_ source: String, _ proto: MentionProtocol, _ status: MentionStatus, type: MentionType = .mention) async throws {
            let incoming = IncomingMention(source: source, target: "https://blog.example/posts/1", site: "blog.example",
                protocol: proto, clientIP: "192.0.2.1", userAgent: "t")
            let stored = try await store.storeVerified(incoming, status: .pending,
                content: MentionContent(type: type, authorName: "Someone"), actor: .server)
            if status != .pending { try await store.transition(id: stored.id, to: status, actor: .server, reason: "seed") }
        }
        try await add("https://alice.example/reply", .webmention, .pending, type: .reply)
        try await add("https://www.spam.example/buy", .webmention, .pending)
        try await add("https://carol.example/post", .pingback, .approved)
        try await add("https://dave.example/gone", .webmention, .deleted)
        try await store.close()
        return (directory, path)
    }

    private func cli(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await LinkbackProcess.run(arguments, environment: ["NO_COLOR": "1"])
    }

    @Test func listsPendingByDefaultAndFilters() async throws {
        let (directory, db) = try await seeded()
        defer { directory.remove() }
        let table = try await cli(["list", "--database", db])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("ID  STATUS") == true)
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("2 ") && lines[2].hasPrefix("1 "))
        let json = try #require(JSON.value(try await cli(["list", "--database", db, "--json", "--all"]).stdout) as? [[String: Any]])
        #expect(json.map { $0["id"] as? Int } == [4, 3, 2, 1])
        #expect(Set(json[0].keys) == ["id", "status", "protocol", "source", "target", "site", "reason", "client_ip", "user_agent",
            "received", "updated", "verified", "attempts", "reverifying", "vouch", "private", "spam_reasons", "spam_score",
            "score_reasons", "token", "content"])
        let pingbacks = JSON.value(try await cli(["list", "--database", db, "--json", "--all", "--protocol", "pingback"]).stdout) as? [[String: Any]]
        #expect(pingbacks?.map { $0["id"] as? Int } == [3])
        let domain = JSON.value(try await cli(["list", "--database", db, "--json", "--source-domain", "spam.example"]).stdout) as? [[String: Any]]
        #expect(domain?.map { $0["id"] as? Int } == [2])
        let replies = JSON.value(try await cli(["list", "--database", db, "--json", "--type", "reply"]).stdout) as? [[String: Any]]
        #expect(replies?.map { $0["id"] as? Int } == [1])
        let page = JSON.value(try await cli(["list", "--database", db, "--json", "--all", "--limit", "1", "--offset", "1"]).stdout) as? [[String: Any]]
        #expect(page?.map { $0["id"] as? Int } == [3])
        #expect(try await cli(["list", "--database", db, "--json", "--since", "1d"]).stdout.contains("\"id\":1"))
    }

    @Test func moderatesAndRefusesIllegalTransitions() async throws {
        let (directory, db) = try await seeded()
        defer { directory.remove() }
        let approve = try await cli(["approve", "1", "--database", db, "--reason", "nice"])
        #expect(approve.status == 0)
        #expect(approve.stdout == "1: pending → approved\n")
        let deleted = try await cli(["approve", "4", "--database", db])
        #expect(deleted.status == 1)
        #expect(deleted.stderr.hasPrefix("linkback: 4: cannot approve: it was deleted"))
        let missing = try await cli(["reject", "99", "--database", db])
        #expect(missing.status == 1 && missing.stderr == "linkback: 99: no such mention\n")
        #expect(try await cli(["restore", "4", "--database", db]).stdout == "4: deleted → pending\n")
        #expect(try await cli(["delete", "3", "--database", db]).stdout == "3: approved → deleted\n")
        let shown = try #require(JSON.object(try await cli(["show", "1", "--database", db, "--json"]).stdout))
        #expect(shown["status"] as? String == "approved")
        let events = try #require(shown["events"] as? [[String: Any]])
        #expect(events.last?["actor"] as? String == "cli")
        #expect(events.last?["reason"] as? String == "nice")
        #expect(events.last?["from"] as? String == "pending")
        let text = try await cli(["show", "1", "--database", db])
        #expect(text.stdout.contains("author:    Someone"))
        #expect(text.stdout.contains("cli        pending → approved  (nice)"))
    }

    @Test func usageErrorsExit2() async throws {
        let (directory, db) = try await seeded()
        defer { directory.remove() }
        let none = try await cli(["approve", "--database", db])
        #expect(none.status == 2)
        #expect(none.stderr.contains("name at least one mention id, or --all-pending"))
        #expect(try await cli(["list", "--database", db, "--status", "bogus"]).status == 2)
        #expect(try await cli(["list", "--database", db, "--since", "yesterday-ish"]).status == 2)
        #expect(try await cli(["nonsense"]).status == 2)
        // A database that does not exist yet is created, not refused (#16 item 11); one that
        // cannot be created is one clear line.
        let fresh = try await cli(["list", "--database", directory.file("new/fresh.sqlite")])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.file("new/fresh.sqlite")))
        try directory.write("file", "not a directory")
        let impossible = try await cli(["list", "--database", directory.file("file/db.sqlite")])
        #expect(impossible.status == 1)
        #expect(impossible.stderr.hasPrefix("linkback: ") && impossible.stderr.split(separator: "\n").count == 1, "\(impossible.stderr)")
    }

    @Test func allPendingWithYes() async throws {
        let (directory, db) = try await seeded()
        defer { directory.remove() }
        let result = try await cli(["reject", "--all-pending", "--yes", "--database", db, "--json"])
        #expect(result.status == 0)
        let changed = JSON.value(result.stdout) as? [[String: Any]]
        #expect(changed?.map { $0["id"] as? Int } == [2, 1])
        #expect(changed?.allSatisfy { $0["status"] as? String == "rejected" } == true)
    }

    @Test func spamBlocksTheDomainAndBlockMarksExistingMentions() async throws {
        let (directory, db) = try await seeded()
        defer { directory.remove() }
        let spam = try await cli(["spam", "2", "--database", db])
        #expect(spam.stdout == "2: pending → spam\nblocked domain www.spam.example\n")
        #expect(try await cli(["spam", "1", "--no-block", "--database", db]).stdout == "1: pending → spam\n")
        #expect(try await cli(["restore", "1", "--database", db]).status == 0)

        let block = try await cli(["block", "alice.example", "--reason", "test", "--database", db])
        #expect(block.stdout == "blocked domain alice.example; 1 mention marked as spam\n")
        #expect(try await cli(["block", "192.0.2.0/24", "--database", db]).stdout == "blocked ip 192.0.2.0/24\n")
        #expect(try await cli(["block", "https://carol.example/bad/", "--database", db]).stdout == "blocked url https://carol.example/bad/\n")
        #expect(try await cli(["block", "--ip", "not-an-ip", "--database", db]).status == 2)
        let blocks = try #require(JSON.value(try await cli(["blocks", "--json", "--database", db]).stdout) as? [[String: Any]])
        #expect(blocks.map { $0["value"] as? String } == ["www.spam.example", "alice.example", "192.0.2.0/24", "https://carol.example/bad/"])
        #expect(try await cli(["unblock", "192.0.2.0/24", "--database", db]).stdout == "unblocked ip 192.0.2.0/24\n")
        let again = try await cli(["unblock", "192.0.2.0/24", "--database", db])
        #expect(again.status == 1 && again.stderr == "linkback: ip 192.0.2.0/24 is not blocked\n")
        // The approved pingback is left alone by the domain block.
        #expect(try await cli(["block", "carol.example", "--database", db]).stdout == "blocked domain carol.example; 0 mentions marked as spam\n")
    }

    @Test func cliAndServerShareTheDatabase() async throws {
        let source = try await FixtureServer.start()
        source.set("/p", .html("<a href=\"https://blog.example/posts/1\">x</a>"))
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let db = server.directory.file("linkback.sqlite")
        let body = "<methodCall><methodName>pingback.ping</methodName><params><param><value>\(source.url("/p").absoluteString)</value></param><param><value>https://blog.example/posts/1</value></param></params></methodCall>"
        _ = try await server.send("POST", "/xmlrpc", body: Array(body.utf8), headers: [("Content-Type", "text/xml")])
        let listed = try #require(JSON.value(try await cli(["list", "--json", "--database", db]).stdout) as? [[String: Any]])
        let id = try #require(listed.first?["id"] as? Int)
        // Approve with the CLI while the server runs; the server's read side sees it at once.
        #expect(try await cli(["approve", String(id), "--database", db]).status == 0)
        let get = "<methodCall><methodName>pingback.extensions.getPingbacks</methodName><params><param><value>https://blog.example/posts/1</value></param></params></methodCall>"
        let answer = try await server.send("POST", "/xmlrpc", body: Array(get.utf8), headers: [("Content-Type", "text/xml")])
        #expect(answer.body.contains("<string>\(source.url("/p").absoluteString)</string>"))
        // Many writes from both sides at once: no "database is locked", nothing lost.
        async let serverSide: Void = {
            for index in 0..<20 {
                _ = try await server.postForm("/webmention", [("source", "https://w\(index).example/"), ("target", "https://blog.example/posts/1")])
            }
        }()
        for _ in 0..<5 { #expect(try await cli(["reject", String(id), "--database", db]).status != 2) ; _ = try await cli(["approve", String(id), "--database", db]) }
        try await serverSide
        let all = JSON.value(try await cli(["list", "--all", "--json", "--limit", "100", "--database", db]).stdout) as? [[String: Any]]
        #expect(all?.count == 21)
        await source.stop()
    }

    @Test func allowedDomainsAreApprovedByARunningServer() async throws {
        let source = try await FixtureServer.start()
        source.set("/post", .html("<a href=\"https://blog.example/posts/1\">x</a>"))
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let db = server.directory.file("linkback.sqlite")
        #expect(try await cli(["allow", "127.0.0.1", "--database", db]).stdout == "allowed 127.0.0.1\n")
        #expect(try await cli(["allow", "127.0.0.1", "--database", db]).stdout == "127.0.0.1 was already allowed\n")
        #expect(try await cli(["allow", "--json", "--database", db]).stdout == "[\"127.0.0.1\"]\n")
        // The server reloads the list every five seconds, and at once on SIGHUP (`systemctl reload`).
        server.process.signal(SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        while !server.process.stderr.contains("from the database: 0 blocks, 1 allowed domain"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(server.process.stderr.contains("from the database: 0 blocks, 1 allowed domain"), "\(server.process.stderr)")
        let answer = try await server.postForm("/webmention", [("source", source.url("/post").absoluteString), ("target", "https://blog.example/posts/1")])
        let path = String(try #require(answer.headers["location"]).dropFirst("https://mentions.example".count))
        _ = try await server.waitForStatus(path, in: ["approved"])
        #expect(try await cli(["disallow", "127.0.0.1", "--database", db]).stdout == "disallowed 127.0.0.1\n")
        #expect(try await cli(["disallow", "127.0.0.1", "--database", db]).status == 1)
        await source.stop()
    }
}

import Foundation
import LinkbackTestSupport
import Testing

/// The owner's policy through the real server: a closed post refused before any fetch, rules by
/// type against auto-approval, and a trap sprung by a page that links to it, with its line read
/// by the real fail2ban-regex.
@Suite struct PolicyTests {
    static let post = "https://blog.example/posts/1"

    private func pingback(_ server: ServerHarness, _ source: String, _ target: String) async throws -> String {
        let body = "<methodCall><methodName>pingback.ping</methodName><params><param><value>\(source)</value></param><param><value>\(target)</value></param></params></methodCall>"
        return try await server.send("POST", "/xmlrpc", body: Array(body.utf8), headers: [("Content-Type", "text/xml")]).body
    }

    private func statusPath(_ answer: (status: Int, headers: [String: String], body: String)) throws -> String {
        String(try #require(answer.headers["location"]).dropFirst("https://mentions.example".count))
    }

    /// The HTTP status of a mention's status page once it answers 404, or the last one after 15 s.
    private func statusOnceGone(_ server: ServerHarness, _ path: String) async throws -> Int {
        let deadline = Date().addingTimeInterval(15)
        var status = 0
        while Date() < deadline {
            status = try await server.send("GET", path, headers: [("Accept", "application/json")]).status
            if status == 404 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return status
    }

    @Test func aClosedPostIsRefusedBeforeAnythingIsFetched() async throws {
        let source = try await FixtureServer.start()
        source.set("/p", .html("<a href=\"https://blog.example/drafts/1\">x</a> <a href=\"\(Self.post)\">y</a>"))
        let server = try await ServerHarness(
            yaml: "policy:\n  rules:\n    - target: /drafts/*\n      action: close", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let form = [("source", source.url("/p").absoluteString), ("target", "https://blog.example/drafts/1")]
        let refused = try await server.postForm("/webmention", form)
        #expect(refused.status == 400)
        #expect(JSON.object(refused.body)?["error"] as? String == "target_closed", "\(refused.body)")
        #expect(try await pingback(server, source.url("/p").absoluteString, "https://blog.example/drafts/1").contains("<int>33</int>"))
        #expect(source.hits("/p") == 0, "a closed post costs no fetch")
        #expect(server.rejectionLines.count == 2)
        #expect(server.rejectionLines.allSatisfy { $0.contains("reason=target-closed") }, "\(server.rejectionLines)")
        // Soft: the shipped filter's normal mode leaves an honest sender alone.
        #expect(try await Fail2banTests.regex(server.directory.file("fail2ban.log")).matched == 0)
        // Another post is open as before.
        let open = try await server.postForm("/webmention", [("source", source.url("/p").absoluteString), ("target", Self.post)])
        #expect(open.status == 201 || open.status == 202, "\(open.body)")
        await source.stop()
    }

    /// `moderate` holds replies although auto-approve is on; likes go through; a rule's change
    /// applies on SIGHUP.
    @Test func rulesByTypeOutrankAutoApproval() async throws {
        let source = try await FixtureServer.start()
        source.set("/reply", .html("<div class=\"h-entry\"><a class=\"u-in-reply-to\" href=\"\(Self.post)\">re</a> <p class=\"e-content\">Nice.</p></div>"))
        source.set("/like", .html("<div class=\"h-entry\"><a class=\"u-like-of\" href=\"\(Self.post)\">like</a></div>"))
        let server = try await ServerHarness(
            yaml: "moderation:\n  auto_approve: true\n\npolicy:\n  rules:\n    - types: [reply]\n      action: moderate",
            allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let reply = try await server.postForm("/webmention", [("source", source.url("/reply").absoluteString), ("target", Self.post)])
        let like = try await server.postForm("/webmention", [("source", source.url("/like").absoluteString), ("target", Self.post)])
        #expect(try await server.waitForStatus(try statusPath(reply), in: ["pending", "approved"])["status"] as? String == "pending")
        #expect(try await server.waitForStatus(try statusPath(like), in: ["pending", "approved"])["status"] as? String == "approved")
        await source.stop()
    }

    /// `systemctl reload` applies a new rule at once, and says so.
    @Test func aReloadAppliesTheRules() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        let form = [("source", "https://a.example/1"), ("target", "https://blog.example/drafts/1")]
        #expect(try await server.postForm("/webmention", form).status == 201)
        let original = try String(contentsOfFile: server.configPath, encoding: .utf8)
        try (original + "\npolicy:\n  rules:\n    - target: /drafts/*\n      action: close\n")
            .write(toFile: server.configPath, atomically: true, encoding: .utf8)
        server.process.signal(SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        while !server.process.stderr.contains("configuration reloaded"), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.process.stderr.contains("policy.rules: 0 → 1"), "\(server.process.stderr.suffix(1000))")
        let refused = try await server.postForm("/webmention", [("source", "https://a.example/2"), ("target", "https://blog.example/drafts/1")])
        #expect(refused.status == 400 && refused.body.contains("target_closed"), "\(refused.body)")
    }

    @Test func aPageThatLinksToATrapIsSpamItsHostBlockedAndItsSenderLogged() async throws {
        let source = try await FixtureServer.start()
        source.set("/copy", .html("<p>Copied: <a href=\"https://blog.example/trap/1\">more</a> <a href=\"\(Self.post)\">post</a></p>"))
        source.set("/other", .html("<p><a href=\"\(Self.post)\">post</a></p>"))
        source.set("/nolink", .html("<p>Nothing.</p>"))
        let server = try await ServerHarness(yaml: "policy:\n  traps: [\"/trap/*\"]", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        // A source that does not link springs nothing: no block, the usual no-link line.
        let framed = try await server.postForm("/webmention", [("source", source.url("/nolink").absoluteString), ("target", "https://blog.example/trap/1")])
        #expect(try await server.waitForStatus(try statusPath(framed), in: ["rejected"])["status"] as? String == "rejected")
        #expect(server.rejectionLines.last?.contains("reason=no-link") == true)

        let trapped = try await server.postForm("/webmention", [("source", source.url("/copy").absoluteString), ("target", "https://blog.example/trap/1")])
        #expect(trapped.status == 201 || trapped.status == 202, "the door does not give the trap away: \(trapped.body)")
        #expect(try await server.waitForStatus(try statusPath(trapped), in: ["spam"])["status"] as? String == "spam")
        // The block and the line follow the write that the status shows.
        let sprung = Date().addingTimeInterval(10)
        while !(server.rejectionLines.last?.contains("reason=trap") == true && server.process.stderr.contains("trap sprung")),
            Date() < sprung
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        let line = try #require(server.rejectionLines.last)
        #expect(line.contains("webmention rejected from 127.0.0.1 reason=trap"), "\(line)")
        #expect(server.process.stderr.contains("trap sprung: 127.0.0.1 blocked"), "\(server.process.stderr.suffix(2000))")
        let listed = try await LinkbackProcess.run(["blocks", "--json", "--database", server.directory.file("linkback.sqlite")])
        #expect(listed.stdout.contains("\"127.0.0.1\"") && listed.stdout.contains("linked to the trap https://blog.example/trap/1"), "\(listed.stdout)")
        // The real fail2ban-regex matches the trap line in the normal mode and the spam mode.
        let log = server.directory.file("fail2ban.log")
        let matched = try await Fail2banTests.regex(log)
        #expect(matched.matched == 2 && matched.addresses.allSatisfy { $0 == "127.0.0.1" }, "\(matched)")
        #expect(try await Fail2banTests.regex(log, mode: "spam").matched == 2)
        // The host's next mention is refused at the door once the block is loaded.
        server.process.signal(SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        var status = 0
        while Date() < deadline {
            status = try await server.postForm("/webmention", [("source", source.url("/other").absoluteString), ("target", Self.post)]).status
            if status == 403 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == 403)
        await source.stop()
    }

    @Test func aPingbackThatLinksToATrapGetsAFaultAndIsSpam() async throws {
        let source = try await FixtureServer.start()
        source.set("/copy", .html("<p><a href=\"https://blog.example/trap/2\">more</a></p>"))
        let server = try await ServerHarness(yaml: "policy:\n  traps: [\"https://blog.example/trap/\"]", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let answer = try await pingback(server, source.url("/copy").absoluteString, "https://blog.example/trap/2")
        #expect(answer.contains("<int>33</int>"), "\(answer)")
        #expect(server.rejectionLines.last?.contains("pingback rejected from 127.0.0.1 reason=trap") == true, "\(server.rejectionLines)")
        let listed = try await LinkbackProcess.run(["list", "--status", "spam", "--json", "--database", server.directory.file("linkback.sqlite")])
        #expect(listed.stdout.contains("https://blog.example/trap/2"), "\(listed.stdout)")
        await source.stop()
    }

    /// `drop`: answered as usual, verified, then nothing is kept, by either door; other types stay.
    @Test func aDroppedTypeIsAnsweredThenNotKept() async throws {
        let source = try await FixtureServer.start()
        source.set("/bookmark", .html("<div class=\"h-entry\"><a class=\"u-bookmark-of\" href=\"\(Self.post)\">saved</a></div>"))
        source.set("/bookmark-two", .html("<div class=\"h-entry\"><a class=\"u-bookmark-of\" href=\"\(Self.post)\">saved</a></div>"))
        source.set("/reply", .html("<div class=\"h-entry\"><a class=\"u-in-reply-to\" href=\"\(Self.post)\">re</a></div>"))
        let server = try await ServerHarness(
            yaml: "policy:\n  rules:\n    - types: [bookmark]\n      action: drop", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let bookmark = try await server.postForm("/webmention", [("source", source.url("/bookmark").absoluteString), ("target", Self.post)])
        #expect(bookmark.status == 201 || bookmark.status == 202, "\(bookmark.body)")
        let reply = try await server.postForm("/webmention", [("source", source.url("/reply").absoluteString), ("target", Self.post)])
        #expect(try await server.waitForStatus(try statusPath(reply), in: ["pending"])["status"] as? String == "pending")
        #expect(try await statusOnceGone(server, try statusPath(bookmark)) == 404, "the dropped mention is gone")
        #expect(source.hits("/bookmark") == 1, "it was verified")
        let answer = try await pingback(server, source.url("/bookmark-two").absoluteString, Self.post)
        #expect(answer.contains("registered"), "\(answer)")
        let listed = try await LinkbackProcess.run(["list", "--all", "--json", "--database", server.directory.file("linkback.sqlite")])
        let sources = (JSON.value(listed.stdout) as? [[String: Any]] ?? []).compactMap { $0["source"] as? String }
        #expect(sources == [source.url("/reply").absoluteString], "\(listed.stdout)")
        #expect(server.process.stderr.contains("dropped by the owner's policy"))
        #expect(server.rejectionLines.isEmpty, "a drop is no rejection")
        await source.stop()
    }

    /// `aggregate`: likes are verified, answered as usual and counted in `/api/count`, once per
    /// source, by either door; nothing that names who sent them is left in the database file.
    @Test func anAggregatedTypeIsCountedAndNotKept() async throws {
        let source = try await FixtureServer.start()
        let like = "<div class=\"h-entry\"><a class=\"p-author h-card\" href=\"/zelda\">Zelda Quuxworth</a>"
            + " <a class=\"u-like-of\" href=\"\(Self.post)\">liked</a></div>"
        source.set("/liked-by-zelda", .html(like))
        source.set("/liked-by-yorick", .html(like.replacingOccurrences(of: "Zelda", with: "Yorick")))
        source.set("/reply", .html("<div class=\"h-entry\"><a class=\"u-in-reply-to\" href=\"\(Self.post)\">re</a></div>"))
        let server = try await ServerHarness(
            yaml: "moderation:\n  auto_approve: true\n\npolicy:\n  rules:\n    - types: [like]\n      action: aggregate",
            allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let zelda = source.url("/liked-by-zelda").absoluteString
        let liked = try await server.postForm("/webmention", [("source", zelda), ("target", Self.post)])
        #expect(liked.status == 201 || liked.status == 202, "\(liked.body)")
        let reply = try await server.postForm("/webmention", [("source", source.url("/reply").absoluteString), ("target", Self.post)])
        #expect(try await server.waitForStatus(try statusPath(reply), in: ["approved"])["status"] as? String == "approved")
        #expect(try await statusOnceGone(server, try statusPath(liked)) == 404, "the counted like keeps no status page")
        // Sent again: verified again, not counted twice. Another like by pingback: counted.
        let again = try await server.postForm("/webmention", [("source", zelda), ("target", Self.post)])
        #expect(again.status == 201 || again.status == 202, "\(again.body)")
        let answer = try await pingback(server, source.url("/liked-by-yorick").absoluteString, Self.post)
        #expect(answer.contains("registered"), "\(answer)")
        var counts: [String: Any] = [:]
        let countDeadline = Date().addingTimeInterval(15)
        while Date() < countDeadline {
            counts = JSON.object(try await server.send("GET", "/api/count?target=\(ServerHarness.encode(Self.post))").body) ?? [:]
            if source.hits("/liked-by-zelda") == 2, (counts["type"] as? [String: Int])?["like"] == 2 {
                // The re-send's verification is done once the listing holds no queued row.
                let all = try await LinkbackProcess.run(["list", "--all", "--json", "--config", server.configPath])
                if (JSON.value(all.stdout) as? [[String: Any]])?.count == 1 { break }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(counts["count"] as? Int == 3, "\(counts)")
        #expect(counts["type"] as? [String: Int] == ["like": 2, "reply": 1], "\(counts)")
        #expect(counts["aggregated"] as? [String: Int] == ["like": 2], "\(counts)")
        // The listing has the reply alone; the counts follow a type filter.
        let target = ServerHarness.encode(Self.post)
        let listed = JSON.object(try await server.send("GET", "/api/mentions.jf2?target=\(target)").body)
        #expect((listed?["children"] as? [[String: Any]])?.count == 1)
        let likes = JSON.object(try await server.send("GET", "/api/count?target=\(target)&wm-property=like-of").body)
        #expect(likes?["type"] as? [String: Int] == ["like": 2], "\(String(describing: likes))")
        let counted = server.process.stderr.split(separator: "\n").filter { $0.contains("counted by the owner's policy") }
        #expect(counted.count == 3, "\(server.process.stderr)")  // the re-send was judged too
        #expect(!counted.contains { $0.contains("liked-by-") }, "the log of the count names no sender")
        #expect(try await server.stop() == 0)
        let directory = URL(fileURLWithPath: server.directory.file("linkback.sqlite")).deletingLastPathComponent()
        var bytes = Data()
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasPrefix("linkback.sqlite") {
            bytes += try Data(contentsOf: directory.appendingPathComponent(file))
        }
        #expect(bytes.count > 0)
        for name in ["liked-by-zelda", "liked-by-yorick", "Zelda Quuxworth", "Yorick Quuxworth"] {
            #expect(bytes.range(of: Data(name.utf8)) == nil, "\(name) is still in the database files")
        }
        await source.stop()
    }

    /// `policy test` replays the stored mentions through a candidate file and lists what would
    /// change (a moderator's decision left out), changing nothing.
    @Test func aCandidatePolicyIsTriedWithoutChangingAnything() async throws {
        let source = try await FixtureServer.start()
        let closed = "https://blog.example/posts/2"
        source.set("/reply", .html("<div class=\"h-entry\"><a class=\"u-in-reply-to\" href=\"\(Self.post)\">re</a></div>"))
        source.set("/like", .html("<div class=\"h-entry\"><a class=\"u-like-of\" href=\"\(Self.post)\">like</a></div>"))
        source.set("/mention", .html("<p><a href=\"\(closed)\">a post</a></p>"))
        source.set("/decided", .html("<div class=\"h-entry\"><a class=\"u-in-reply-to\" href=\"\(Self.post)\">re</a></div>"))
        let server = try await ServerHarness(yaml: "moderation:\n  auto_approve: true", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        for (page, target) in [("/reply", Self.post), ("/like", Self.post), ("/mention", closed), ("/decided", Self.post)] {
            let sent = try await server.postForm("/webmention", [("source", source.url(page).absoluteString), ("target", target)])
            #expect(try await server.waitForStatus(try statusPath(sent), in: ["approved"])["status"] as? String == "approved")
        }
        let config = ["--config", server.configPath]
        let before = try await LinkbackProcess.run(["list", "--all", "--json"] + config).stdout
        let decided = try #require((JSON.value(before) as? [[String: Any]])?.first { ($0["source"] as? String)?.hasSuffix("/decided") == true })
        #expect(try await LinkbackProcess.run(["reject", "\(try #require(decided["id"] as? Int))"] + config).status == 0)
        let listed = try await LinkbackProcess.run(["list", "--all", "--json"] + config).stdout

        let candidate = try String(contentsOfFile: server.configPath, encoding: .utf8)
            .replacingOccurrences(of: "auto_approve: true", with: "auto_approve: false")
            + "\npolicy:\n  rules:\n    - types: [like]\n      action: drop\n    - target: /posts/2\n      action: close\n"
        let file = try server.directory.write("candidate.yaml", candidate)
        let trial = try await LinkbackProcess.run(["policy", "test", "--candidate", file, "--json"] + config)
        #expect(trial.status == 0, "\(trial.stderr)")
        let changes = try #require(JSON.value(trial.stdout) as? [[String: Any]], "\(trial.stdout)")
        var outcome: [String: String] = [:]
        for change in changes {
            let page = String((change["source"] as? String ?? "").split(separator: "/").last ?? "")
            outcome[page] = "\(change["from"] ?? "") → \(change["to"] ?? "")"
        }
        #expect(outcome == ["reply": "approved → pending", "like": "approved → dropped", "mention": "approved → refused"], "\(trial.stdout)")
        #expect((changes.first { ($0["source"] as? String)?.hasSuffix("/mention") == true }?["reasons"] as? [String]) == ["target-closed"])
        let text = try await LinkbackProcess.run(["policy", "test", "--candidate", file] + config, environment: ["NO_COLOR": "1"])
        #expect(text.stdout.hasPrefix("Replayed 4 mentions of the last 30 days with \(file): 3 would change."), "\(text.stdout)")
        #expect(text.stdout.contains("approved → pending") && text.stdout.hasSuffix("Nothing was changed.\n"), "\(text.stdout)")
        #expect(try await LinkbackProcess.run(["list", "--all", "--json"] + config).stdout == listed, "nothing changed")
        await source.stop()
    }
}

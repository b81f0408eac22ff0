import Foundation
import LinkbackKit
import LinkbackStore
import LinkbackTestSupport
import Testing

/// import, export, reverify and stats run as the real binary.
@Suite struct TransferCLITests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/webmention-io.jf2").path

    private func cli(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await LinkbackProcess.run(arguments, environment: ["NO_COLOR": "1"])
    }

    @Test func importsAWebmentionIOExportOnceAndExportsItBack() async throws {
        let directory = try TemporaryDirectory("transfer")
        defer { directory.remove() }
        let db = directory.file("linkback.sqlite")
        try await SQLiteMentionStore(path: db).close()
        let first = try await cli(["import", Self.sample, "--database", db])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "3 imported, 0 already present, 1 skipped\n")
        #expect(try await cli(["import", Self.sample, "--database", db]).stdout == "0 imported, 3 already present, 1 skipped\n")

        let exported = try #require(JSON.value(try await cli(["export", "--database", db]).stdout) as? [[String: Any]])
        #expect(exported.count == 3)
        let reply = try #require(exported.first { ($0["source"] as? String) == "https://alice.example/2024/01/reply" })
        #expect(reply["status"] as? String == "approved")
        #expect(reply["received"] as? String == "2024-01-02T10:05:12Z")
        let content = try #require(reply["content"] as? [String: Any])
        #expect(content["type"] as? String == "reply")
        #expect(content["author_name"] as? String == "Alice Example")
        #expect(content["author_photo"] as? String == "https://webmention.io/avatar/alice.example/abc.jpg")
        #expect((content["content_html"] as? String)?.contains("<script") == false)
        let like = try #require(exported.first { ($0["source"] as? String)?.contains("brid.gy") == true })
        #expect((like["content"] as? [String: Any])?["type"] as? String == "like")

        let jf2 = try #require(JSON.object(try await cli(["export", "--format", "jf2", "--database", db]).stdout))
        let children = try #require(jf2["children"] as? [[String: Any]])
        #expect(Set(children.compactMap { $0["wm-property"] as? String }) == ["in-reply-to", "like-of", "mention-of"])
        #expect(children.allSatisfy { $0["wm-source"] is String && $0["wm-target"] is String })
        // What Linkback exports, Linkback (or webmention.io tooling) can import again.
        let other = directory.file("other.sqlite")
        try await SQLiteMentionStore(path: other).close()
        try directory.write("export.jf2", try await cli(["export", "--format", "jf2", "--database", db]).stdout)
        #expect(try await cli(["import", directory.file("export.jf2"), "--database", other]).stdout == "3 imported, 0 already present, 0 skipped\n")

        let csv = try await cli(["export", "--format", "csv", "--database", db]).stdout.split(separator: "\n")
        #expect(csv.first == "id,status,protocol,type,source,target,author_name,author_url,title,published,received")
        #expect(csv.count == 4)

        let bad = try directory.write("bad.json", "{\"items\": []}")
        let refused = try await cli(["import", bad, "--database", db])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not a JF2 feed"))
    }

    /// #16 item 12: Linkback's own JF2 export, imported into an empty database, exports again
    /// exactly as before: statuses, protocols, fragments, dates, content and ids.
    @Test func anExportImportRoundTripReproducesTheExport() async throws {
        let directory = try TemporaryDirectory("roundtrip")
        defer { directory.remove() }
        let db = directory.file("linkback.sqlite")
        let store = try SQLiteMentionStore(path: db)
        let received = Date(timeIntervalSince1970: 1_760_000_000)
        let comment = MentionChild(
            url: "https://c.example/1", name: nil, contentHTML: "Agreed <i>entirely</i>", contentText: "Agreed entirely",
            authorName: "Carol", authorURL: "https://c.example/", authorPhoto: "https://c.example/c.png",
            published: "2025-10-02T10:00:00Z")
        let cases: [(String, String, MentionProtocol, MentionStatus, MentionContent)] = [
            ("https://a.example/reply", "https://blog.example/posts/1", .webmention, .approved,
             MentionContent(type: .reply, title: "Re", contentHTML: "<p>Nice <b>post</b></p>", contentText: "Nice post",
                authorName: "Alice", authorURL: "https://a.example/", published: "2025-10-01T10:00:00Z", children: [comment])),
            ("https://b.example/ping", "https://blog.example/posts/1", .pingback, .approved, MentionContent(title: "Ping")),
            ("https://c.example/spam", "https://blog.example/posts/1", .pingback, .spam, MentionContent()),
            ("https://d.example/gone", "https://blog.example/posts/2", .webmention, .deleted, MentionContent(type: .like)),
            ("https://e.example/off", "https://blog.example/posts/2#comment-3", .webmention, .rejected,
             MentionContent(type: .repost)),
            ("https://f.example/new", "https://blog.example/posts/3", .webmention, .pending,
             MentionContent(type: .rsvp, rsvp: "yes")),
            ("https://g.example/wait", "https://blog.example/posts/3", .webmention, .queued, MentionContent()),
        ]
        for (index, (source, target, proto, status, content)) in cases.enumerated() {
            // The first is vouched for, the second private: both must survive the move.
            let incoming = IncomingMention(
                source: source, target: target, site: "blog.example", protocol: proto,
                vouch: index == 0 ? "https://friend.example/blogroll" : nil, isPrivate: index == 1)
            _ = try await store.storeVerified(
                incoming, status: status, content: content, actor: .cli, received: received.addingTimeInterval(Double(index)))
        }
        try await store.close()
        let export = try await cli(["export", "--format", "jf2", "--database", db])
        #expect(export.status == 0, "\(export.stderr)")
        let file = try directory.write("export.jf2", export.stdout)

        // The copy does not exist yet: import creates it (#16 item 11), as every command does.
        let copy = directory.file("copy.sqlite")
        let imported = try await cli(["import", file, "--database", copy])
        #expect(imported.stdout == "7 imported, 0 already present, 0 skipped\n", "\(imported.stderr)")
        let again = try await cli(["export", "--format", "jf2", "--database", copy])
        #expect(JSON.same(again.stdout, export.stdout), "\(again.stdout)\n---\n\(export.stdout)")
        let entries = JSON.object(again.stdout)?["children"] as? [[String: Any]] ?? []
        let reply = entries.first { $0["wm-source"] as? String == "https://a.example/reply" }
        #expect((reply?["children"] as? [[String: Any]])?.first?["url"] as? String == "https://c.example/1")
        #expect(reply?["wm-vouch"] as? String == "https://friend.example/blogroll")
        #expect(entries.first { $0["wm-source"] as? String == "https://b.example/ping" }?["wm-private"] as? Bool == true)
        #expect(entries.filter { $0["wm-private"] as? Bool == true }.count == 1)
        let statuses = entries.compactMap { $0["wm-status"] as? String }
        #expect(Set(statuses) == Set(MentionStatus.allCases.map(\.rawValue)))

        // A status or protocol Linkback does not know is skipped, not guessed.
        let odd = try directory.write("odd.jf2", #"""
            {"type": "feed", "children": [
              {"wm-source": "https://x.example/1", "wm-target": "https://blog.example/posts/1", "wm-status": "hidden"},
              {"wm-source": "https://x.example/2", "wm-target": "https://blog.example/posts/1", "wm-protocol": "trackback"}]}
            """#)
        #expect(try await cli(["import", odd, "--database", copy]).stdout == "0 imported, 0 already present, 2 skipped\n")
    }

    @Test func reverifyKeepsLinkingMentionsAndDeletesGoneOnes() async throws {
        let source = try await FixtureServer.start()
        source.set("/keeps", .html("<a href=\"https://blog.example/posts/1\">x</a>"))
        source.set("/gone", .html("bye", status: 410))
        source.set("/down", .html("oops", status: 503))
        let directory = try TemporaryDirectory("reverify")
        defer { directory.remove() }
        let db = directory.file("linkback.sqlite")
        let config = try directory.write("linkback.yaml", "database:\n  path: \(db)\nfetch:\n  allow_hosts: [\"\(source.hostPort)\"]\n")
        let store = try SQLiteMentionStore(path: db)
        for path in ["/keeps", "/gone", "/down"] {
            _ = try await store.storeVerified(
                IncomingMention(source: source.url(path).absoluteString, target: "https://blog.example/posts/1", site: "blog.example",
                    protocol: .webmention),
                status: .approved, content: MentionContent(), actor: .server, received: nil)
        }
        try await store.close()
        let result = try await cli(["reverify", "--all", "--config", config])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "3 checked: 1 still valid, 1 deleted, 1 failed (1 source-server-error)\n")
        let all = try #require(JSON.value(try await cli(["list", "--all", "--json", "--config", config]).stdout) as? [[String: Any]])
        let statuses = Dictionary(uniqueKeysWithValues: all.map { ($0["source"] as! String, $0["status"] as! String) })
        #expect(statuses[source.url("/keeps").absoluteString] == "approved")
        #expect(statuses[source.url("/gone").absoluteString] == "deleted")
        #expect(statuses[source.url("/down").absoluteString] == "approved")
        #expect(try await cli(["reverify", "--config", config]).status == 2)
        await source.stop()
    }

    @Test func statsCountMentionsAndTheDaysRejections() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        _ = try await server.postForm("/webmention", [("source", "https://a.example/"), ("target", "https://blog.example/posts/1")])
        for _ in 0..<2 { _ = try await server.postForm("/webmention", [("source", "garbage"), ("target", "https://blog.example/posts/1")]) }
        _ = try await server.postForm("/webmention", [("source", "https://a.example/"), ("target", "https://other.example/")])
        let stats = try #require(JSON.object(try await cli(["stats", "--json", "--config", server.configPath]).stdout))
        #expect((stats["by_protocol"] as? [String: Int])?["webmention"] == 1)
        #expect((stats["rejections_24h"] as? [String: Int]) == ["invalid-url": 2, "target-not-supported": 1])
        #expect((stats["top_offenders_24h"] as? [[String: String]])?.first?["ip"] == "127.0.0.1")
        let text = try await cli(["stats", "--config", server.configPath]).stdout
        #expect(text.contains("rejections in the last 24 hours\n  invalid-url"))

        // #16 item 13: with --database alone, from a directory without any configuration, the
        // rejections are still those of the server that uses that database.
        let elsewhere = try TemporaryDirectory("stats-elsewhere")
        defer { elsewhere.remove() }
        let byDatabase = try await LinkbackProcess.run(
            ["stats", "--json", "--database", server.directory.file("linkback.sqlite")], environment: ["NO_COLOR": "1"],
            directory: elsewhere.path)
        let fromDatabase = try #require(JSON.object(byDatabase.stdout), "\(byDatabase.stderr)")
        #expect((fromDatabase["rejections_24h"] as? [String: Int]) == ["invalid-url": 2, "target-not-supported": 1])
    }

    /// Text from a source page that a spreadsheet would run as a formula is exported inert, and
    /// control characters that reached an old database are shown, not sent to the terminal.
    @Test func csvCellsNeverStartAFormulaAndTheTerminalNeverGetsControls() async throws {
        let directory = try TemporaryDirectory("transfer")
        defer { directory.remove() }
        let db = directory.file("linkback.sqlite")
        let store = try SQLiteMentionStore(path: db)
        let stored = try await store.storeVerified(
            IncomingMention(source: "https://s.example/p", target: "https://blog.example/p", site: "blog.example",
                protocol: .webmention),
            status: .pending,
            content: MentionContent(title: "=HYPERLINK(\"https://evil.example\",\"x\")", authorName: "@SUM(1+1)\u{1B}[2J"),
            actor: .cli)
        try await store.close()
        let csv = try await cli(["export", "--format", "csv", "--database", db])
        #expect(csv.status == 0, "\(csv.stderr)")
        let row = try #require(csv.stdout.split(separator: "\n").dropFirst().first)
        #expect(row.contains(#""'=HYPERLINK(""https://evil.example"",""x"")""#), "\(row)")
        #expect(row.contains("'@SUM(1+1)"), "\(row)")
        #expect(!row.contains(",=") && !row.contains(",@"))

        let show = try await cli(["show", String(stored.id), "--database", db])
        #expect(show.stdout.contains("@SUM(1+1)\\u{1B}[2J"), "\(show.stdout)")
        #expect(!show.stdout.contains("\u{1B}"))
        let list = try await cli(["list", "--all", "--database", db])
        #expect(!list.stdout.contains("\u{1B}"), "\(list.stdout)")
    }

    /// Moving from webmention.io: the export imported into a running server keeps its wm-ids, so
    /// a build that remembers the last id it saw goes on with `since_id` and hears of the
    /// mentions that arrive after the move.
    @Test func aBuildKeepsItsSinceIDAcrossTheMove() async throws {
        let source = try await FixtureServer.start()
        let post = "https://blog.example/2024/01/post"
        source.set("/new", .html(#"<div class="h-entry"><a class="u-in-reply-to" href="\#(post)">re</a> after the move</div>"#))
        let token = "move-token-0123456789abcdef"
        let server = try await ServerHarness.approving(fetching: source, readToken: token)
        defer { server.cleanUp() }
        let imported = try await cli(["import", Self.sample, "--config", server.configPath])
        #expect(imported.stdout == "3 imported, 0 already present, 1 skipped\n", "\(imported.stderr)")
        func ids(since: Int) async throws -> [Int] {
            let answer = try await server.send("GET", "/api/mentions.jf2?token=\(token)&since_id=\(since)&sort-dir=up")
            #expect(answer.status == 200)
            return (JSON.object(answer.body)?["children"] as? [[String: Any]] ?? []).compactMap { $0["wm-id"] as? Int }
        }
        let before = try await ids(since: 0)
        #expect(before.count == 3 && before.allSatisfy { (1_700_001...1_700_004).contains($0) }, "\(before)")
        // The build last saw the export's second mention.
        #expect(try await ids(since: before[1]) == [before[2]])

        let sent = try await server.postForm("/webmention", [("source", source.url("/new").absoluteString), ("target", post)])
        #expect(sent.status == 201)
        let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
        _ = try await server.waitForStatus(location, in: ["approved"])
        let after = try await ids(since: before[2])
        #expect(after.count == 1 && after[0] > before[2], "\(after)")
        await source.stop()
    }
}

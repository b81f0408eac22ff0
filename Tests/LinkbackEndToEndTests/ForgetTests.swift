import Foundation
import LinkbackTestSupport
import Testing

/// The right to erasure through a real `linkback serve`: `linkback forget` (another process, on
/// the same SQLite file) erases a domain's and an author's mentions, their names leave the
/// database file, a real webhook receiver hears they were deleted, and their re-sends are refused.
@Suite(.serialized) struct ForgetTests {
    static let target = "https://blog.example/posts/1"

    static func reply(_ name: String, author: String, _ text: String) -> FixtureServer.Page {
        .html("""
            <div class="h-entry"><a class="p-author h-card" href="\(author)">\(name)</a>
            <p class="e-content">\(text) <a class="u-in-reply-to" href="\(target)">this</a></p></div>
            """)
    }

    @Test func forgettingADomainAndAnAuthorErasesThemAndRefusesTheirReSends() async throws {
        let directory = try TemporaryDirectory("forget")
        defer { directory.remove() }
        let receiver = try await WebhookDeliveryTests.receiver(failures: 0, directory: directory)
        defer { receiver.stop() }
        let zelda = try await FixtureServer.start(host: "127.0.0.2")
        let yara = try await FixtureServer.start(host: "127.0.0.3")
        let other = try await FixtureServer.start(host: "127.0.0.4")
        zelda.set("/reply", Self.reply("Zelda Quux", author: "https://zelda.example/", "Zelda's secret thoughts"))
        yara.set("/reply", Self.reply("Yara Vimes", author: "https://yara.example/", "Yara's private musings"))
        other.set("/keep", Self.reply("Kim Keeper", author: "https://kim.example/", "Kim stays"))
        let server = try await ServerHarness(
            yaml: """
                moderation:
                  allow_domains: [127.0.0.2, 127.0.0.3, 127.0.0.4]

                api:
                  tokens:
                    - token: forget-build-token-0123
                      sites: [blog.example]

                webhooks:
                  - url: http://127.0.0.1:\(receiver.port)/hook
                    secret: \(WebhookDeliveryTests.secret)
                    events: [deleted]
                """,
            allowHosts: [zelda.hostPort, yara.hostPort, other.hostPort, "127.0.0.1:\(receiver.port)"])
        defer { server.cleanUp() }
        func send(_ source: URL) async throws -> (status: Int, location: String?) {
            let sent = try await server.postForm("/webmention", [("source", source.absoluteString), ("target", Self.target)])
            return (sent.status, sent.headers["location"]?.replacingOccurrences(of: "https://mentions.example", with: ""))
        }
        for source in [zelda.url("/reply"), yara.url("/reply"), other.url("/keep")] {
            let location = try #require(try await send(source).location)
            _ = try await server.waitForStatus(location, in: ["approved"])
        }
        let database = server.directory.file("linkback.sqlite")
        func file() throws -> Data {
            try ["", "-wal"].reduce(into: Data()) { all, suffix in
                all += (try? Data(contentsOf: URL(fileURLWithPath: database + suffix))) ?? Data()
            }
        }
        #expect(try file().range(of: Data("Zelda Quux".utf8)) != nil)

        // What would go, first.
        let dry = try await LinkbackProcess.run(["forget", "127.0.0.2", "--dry-run", "--config", server.configPath])
        #expect(dry.status == 0 && dry.stdout.contains("would forget 1 mention from 127.0.0.2:"), "\(dry.stdout) \(dry.stderr)")
        #expect(dry.stdout.contains(zelda.url("/reply").absoluteString))

        let domain = try await LinkbackProcess.run(["forget", "127.0.0.2", "--config", server.configPath])
        #expect(domain.status == 0, "\(domain.stderr)")
        #expect(domain.stdout.hasPrefix("forgot 1 mention from 127.0.0.2 (ids 1); 1 was shown and is announced as deleted; re-sends are refused"), "\(domain.stdout)")
        let author = try await LinkbackProcess.run(["forget", "https://yara.example", "--json", "--config", server.configPath])
        #expect(author.status == 0, "\(author.stderr)")
        let report = try #require(JSON.object(author.stdout), "\(author.stdout)")
        #expect(report["kind"] as? String == "author" && report["ids"] as? [Int] == [2] && report["visible"] as? Int == 1)

        // The receiver hears both went, and nothing of who they were.
        let hooks = try await receiver.waitFor(2)
        #expect(hooks.map { $0["event"] as? String } == ["deleted", "deleted"])
        let bodies = hooks.compactMap { $0["body"] as? [String: Any] }
        #expect(bodies.allSatisfy { ($0["source"] as? String)?.hasPrefix("forgotten:") == true }, "\(bodies)")
        #expect(!"\(bodies)".contains("Zelda") && !"\(bodies)".contains("Yara"))

        // Their names, sources and texts are in neither the database nor its log; Kim's are.
        let bytes = try file()
        for gone in ["Quux", "quux", "Vimes", "vimes", "Zelda Quux", "Zelda's secret", "zelda.example", "Yara Vimes", "Yara's private", "yara.example", "127.0.0.2:"] {
            #expect(bytes.range(of: Data(gone.utf8)) == nil, "\(gone) is still in the database file")
        }
        #expect(bytes.range(of: Data("Kim Keeper".utf8)) != nil)
        // A static build hears of it through the changes feed: a stub, no name.
        let changes = try await server.send("GET", "/api/changes.json?token=forget-build-token-0123&since_id=0")
        let changed = try #require(JSON.object(changes.body)?["children"] as? [[String: Any]], "\(changes.body)")
        let stub = try #require(changed.first { $0["wm-id"] as? Int == 1 }, "\(changes.body)")
        #expect(stub["wm-change"] as? String == "deleted" && stub["wm-source"] as? String == "forgotten:1", "\(stub)")
        #expect(!changes.body.contains("Zelda") && !changes.body.contains("Yara") && changes.body.contains("Kim Keeper"))
        let read = try await server.send("GET", "/api/mentions.jf2?target=\(Self.target)")
        #expect(read.body.contains("Kim Keeper") && !read.body.contains("forgotten:"), "\(read.body)")

        // A re-send from the domain is refused at the door (once the server has read the tombstones).
        var refused = (status: 0, location: String?.none)
        for _ in 0..<100 {
            refused = try await send(zelda.url("/another"))
            if refused.status == 403 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(refused.status == 403)
        #expect(server.rejectionLines.contains { $0.contains("reason=forgotten") })
        // The author's new post, from another host, is fetched and then kept nowhere.
        other.set("/yara-again", Self.reply("Yara Vimes", author: "https://yara.example/", "Yara again"))
        let again = try #require(try await send(other.url("/yara-again")).location)
        var gone = false
        for _ in 0..<100 {
            let status = try await server.send("GET", again)
            if status.status == 404 { gone = true; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(gone)
        let listed = try await LinkbackProcess.run(["list", "--all", "--json", "--config", server.configPath])
        #expect(!listed.stdout.contains("Yara") && !listed.stdout.contains("yara-again"), "\(listed.stdout)")
        for fixture in [zelda, yara, other] { await fixture.stop() }
    }
}

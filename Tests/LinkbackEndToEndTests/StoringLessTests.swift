import Foundation
import LinkbackTestSupport
import Testing

/// Data minimisation through a real `linkback serve`: `storage.keep` stores a like's author but
/// not its text, a reply whole; `linkback purge` erases client addresses after
/// `storage.forget_client_after_days`.
@Suite(.serialized) struct StoringLessTests {
    @Test func aLikeKeepsItsAuthorOnlyAndOldClientAddressesArePurged() async throws {
        let pages = try await FixtureServer.start()
        let target = "https://blog.example/posts/1"
        for (path, property, text) in [("/like", "u-like-of", "Liked it, a private aside"), ("/reply", "u-in-reply-to", "A public reply")] {
            pages.set(path, .html("""
                <div class="h-entry"><a class="p-author h-card" href="https://ann.example/">Ann</a>
                <p class="e-content">\(text) <a class="\(property)" href="\(target)">this</a></p></div>
                """))
        }
        // 0.00002 days is under two seconds.
        let server = try await ServerHarness(
            yaml: """
                moderation:
                  allow_domains: [127.0.0.1]

                storage:
                  keep:
                    - types: [like]
                      fields: [author]
                  forget_client_after_days: 0.00002
                """,
            allowHosts: [pages.hostPort])
        defer { server.cleanUp() }
        for path in ["/like", "/reply"] {
            let sent = try await server.postForm(
                "/webmention", [("source", pages.url(path).absoluteString), ("target", target)], headers: [("User-Agent", "Ann's blog")])
            _ = try await server.waitForStatus(
                try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: ""), in: ["approved"])
        }
        func listed() async throws -> [String: [String: Any]] {
            let list = try await LinkbackProcess.run(["list", "--all", "--json", "--config", server.configPath])
            let mentions = try #require(JSON.value(list.stdout) as? [[String: Any]], "\(list.stdout)")
            return Dictionary(uniqueKeysWithValues: mentions.map { (($0["source"] as? String ?? "").components(separatedBy: "/").last ?? "", $0) })
        }
        var mentions = try await listed()
        let like = try #require(mentions["like"]?["content"] as? [String: Any])
        #expect(like["author_name"] as? String == "Ann" && like["content_text"] == nil && like["content_html"] == nil, "\(like)")
        let reply = try #require(mentions["reply"]?["content"] as? [String: Any])
        #expect((reply["content_text"] as? String)?.contains("A public reply") == true)
        #expect(mentions.values.allSatisfy { $0["client_ip"] as? String == "127.0.0.1" && $0["user_agent"] as? String == "Ann's blog" })

        try await Task.sleep(for: .seconds(2))
        let purge = try await LinkbackProcess.run(["purge", "--config", server.configPath])
        #expect(purge.status == 0 && purge.stdout.hasPrefix("erased the client address and user agent of 2 mentions"), "\(purge.stdout) \(purge.stderr)")
        mentions = try await listed()
        #expect(mentions.values.allSatisfy { ($0["client_ip"] ?? NSNull()) is NSNull && ($0["user_agent"] ?? NSNull()) is NSNull }, "\(mentions)")
        #expect(try await LinkbackProcess.run(["purge", "--config", server.configPath]).stdout.hasPrefix("erased the client address and user agent of 0 mentions"))
        await pages.stop()
    }
}

import Foundation
import LinkbackTestSupport
import Testing

/// `linkback verify` run as the real binary against a real local source server.
@Suite struct VerifyCommandTests {
    private func run(_ server: FixtureServer, _ path: String, json: Bool = false) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("linkback.yaml", "fetch:\n  allow_hosts: [\"\(server.hostPort)\"]\n")
        return try await LinkbackProcess.run(
            ["verify", "--config", config] + (json ? ["--json"] : [])
                + [server.url(path).absoluteString, "https://blog.example/posts/1"])
    }

    @Test func printsTypeAuthorAndExcerptWhenTheLinkIsThere() async throws {
        let server = try await FixtureServer.start()
        server.set("/reply", .html("""
            <html><head><title>A reply</title></head><body>
            <div class="h-entry"><a class="p-author h-card" href="https://alice.example/">Alice</a>
            <p class="p-name e-content">Nice one, <a class="u-in-reply-to" href="https://blog.example/posts/1">Dave</a>!</p></div>
            </body></html>
            """))
        server.set("/plain", .html("<html><head><title>Links</title></head><body><p>Some text before <a href=\"https://blog.example/posts/1\">the post</a> and after.</p></body></html>"))
        let reply = try await run(server, "/reply")
        #expect(reply.status == 0, "\(reply.stderr)")
        #expect(reply.stdout.contains("outcome: link found\n"))
        #expect(reply.stdout.contains("type: reply\n"))
        #expect(reply.stdout.contains("author: Alice <https://alice.example/>\n"))
        #expect(reply.stdout.contains("content: Nice one, Dave!"))

        let plain = try await run(server, "/plain")
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("type: mention\n"))
        #expect(plain.stdout.contains("title: Links\n"))
        #expect(plain.stdout.contains("excerpt: […] Some text before the post and after. […]"))

        let json = try await run(server, "/reply", json: true)
        let object = try #require(JSON.object(json.stdout))
        #expect(object["outcome"] as? String == "link-found")
        let mention = try #require(object["mention"] as? [String: Any])
        #expect(mention["type"] as? String == "reply")
        #expect(mention["author_name"] as? String == "Alice")
        await server.stop()
    }

    @Test func saysNoLinkForATargetInACommentAndExits1() async throws {
        let server = try await FixtureServer.start()
        server.set("/comment", .html("<html><body><!-- <a href=\"https://blog.example/posts/1\">x</a> --><p>nothing</p></body></html>"))
        let result = try await run(server, "/comment")
        #expect(result.status == 1)
        #expect(result.stdout == "outcome: no link: the source does not link to the target\n")
        await server.stop()
    }

    @Test func refusesPrivateAddressesWithoutTheAllowList() async throws {
        let server = try await FixtureServer.start()
        server.set("/page", .html("<a href=\"https://blog.example/posts/1\">x</a>"))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("linkback.yaml", "")
        let result = try await LinkbackProcess.run(
            ["verify", "--config", config, server.url("/page").absoluteString, "https://blog.example/posts/1"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("outcome: refused to fetch: 127.0.0.1 is in the special-purpose range 127.0.0.0/8"))
        // The error names the fix (#16 item 11).
        #expect(result.stdout.contains("add it to fetch.allow_hosts"), "\(result.stdout)")
        #expect(result.stdout.contains(server.hostPort), "\(result.stdout)")
        #expect(server.hits("/page") == 0)
        await server.stop()
    }

    /// The benchmark's extraction command reads a directory of pages and reports on every one.
    @Test func benchExtractMeasuresEveryPageInADirectory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.file("pages"), withIntermediateDirectories: true)
        _ = try directory.write("pages/reply.html", #"<div class="h-entry"><a class="u-in-reply-to" href="https://blog.example/posts/1">x</a></div>"#)
        _ = try directory.write("pages/other.html", #"<p><a href="https://elsewhere.example/">no</a></p>"#)
        _ = try directory.write("pages/notes.txt", "not a page")
        let result = try await LinkbackProcess.run(
            ["bench-extract", "--json", "--seconds", "0.05", directory.file("pages")])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(JSON.value(result.stdout) as? [String: Any], "\(result.stdout)")
        #expect(report["files"] as? Int == 2)
        #expect(report["linksFound"] as? Int == 1)
        #expect((report["parseMBPerSecond"] as? Double ?? 0) > 0)
        #expect((report["extractionMBPerSecond"] as? Double ?? 0) > 0)
        let empty = try await LinkbackProcess.run(["bench-extract", directory.file("nothing")])
        #expect(empty.status != 0)
        #expect(empty.stderr.contains("no such file or directory"), "\(empty.stderr)")
    }
}

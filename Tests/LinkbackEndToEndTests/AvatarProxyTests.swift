import Foundation
import LinkbackTestSupport
import Testing

/// `api.avatars: proxy` through a real `linkback serve`, real image bytes from a real HTTP
/// server, and the widget in a real headless Chromium.
@Suite(.serialized) struct AvatarProxyTests {
    static let target = "https://blog.example/posts/1"

    static func image(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LinkbackCoreTests/Fixtures/images/" + name)
        return Array(try Data(contentsOf: url))
    }

    static func like(_ name: String, photo: URL) -> FixtureServer.Page {
        .html("""
            <div class="h-entry"><span class="p-author h-card"><img class="u-photo" src="\(photo)" alt="">
            <a class="u-url p-name" href="https://\(name.lowercased()).example/">\(name)</a></span>
            <a class="u-like-of" href="\(target)">liked</a></div>
            """)
    }

    @Test func photosAreServedFromHereFetchedOnceAndCheckedByTheirBytes() async throws {
        let pages = try await FixtureServer.start()
        pages.set("/face.png", FixtureServer.Page(headers: [("Content-Type", "image/png")], body: try Self.image("face.png")))
        // HTML that calls itself a PNG, and a real PNG over avatars.max_bytes.
        pages.set("/evil.png", FixtureServer.Page(
            headers: [("Content-Type", "image/png")], body: Array("<html><script>alert(1)</script></html>".utf8)))
        pages.set("/huge.png", FixtureServer.Page(headers: [("Content-Type", "image/png")], body: try Self.image("huge-pixels.png")))
        for (name, photo) in [("Alice", "/face.png"), ("Bob", "/face.png"), ("Eve", "/evil.png"), ("Mallory", "/huge.png")] {
            pages.set("/\(name)", Self.like(name, photo: pages.url(photo)))
        }
        let port = Int(try await Command.check("python3", ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let linkback = "http://127.0.0.1:\(port)"
        let avatars = try TemporaryDirectory("avatars")
        defer { avatars.remove() }
        let server = try await ServerHarness(
            yaml: """
                server:
                  port: \(port)
                  base_url: \(linkback)
                  public_dir: \(ServerHarness.publicDirectory)

                moderation:
                  allow_domains: [127.0.0.1]

                api:
                  avatars: proxy

                avatars:
                  max_bytes: 20000
                  directory: \(avatars.path)
                """,
            allowHosts: [pages.hostPort])
        defer { server.cleanUp() }
        for name in ["Alice", "Bob", "Eve", "Mallory"] {
            let sent = try await server.postForm("/webmention", [("source", pages.url("/\(name)").absoluteString), ("target", Self.target)])
            _ = try await server.waitForStatus(
                try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
                    .replacingOccurrences(of: linkback, with: ""), in: ["approved"])
        }
        let feed = try await server.send("GET", "/api/mentions.jf2?target=\(Self.target)")
        let entries = try #require(JSON.object(feed.body)?["children"] as? [[String: Any]], "\(feed.body)")
        var photos: [String: String] = [:]
        for entry in entries {
            let author = entry["author"] as? [String: Any] ?? [:]
            photos[author["name"] as? String ?? ""] = author["photo"] as? String ?? ""
        }
        // Alice's and Bob's photo is the same file, named by its hash, fetched from its host once.
        let alice = try #require(photos["Alice"])
        #expect(alice.hasPrefix(linkback + "/avatars/") && alice.hasSuffix(".png") && photos["Bob"] == alice, "\(photos)")
        #expect(pages.hits("/face.png") == 1)
        // Neither the HTML nor the oversize image is kept: no photo at all.
        #expect(photos["Eve"] == "" && photos["Mallory"] == "", "\(photos)")
        let served = try await server.send("GET", String(alice.dropFirst(linkback.count)))
        #expect(served.status == 200)
        #expect(served.headers["content-type"] == "image/png" && served.headers["x-content-type-options"] == "nosniff")
        #expect(served.headers["cache-control"]?.contains("immutable") == true)
        #expect(served.headers["content-security-policy"] == "default-src 'none'; sandbox")
        let files = try FileManager.default.contentsOfDirectory(atPath: avatars.path)
        #expect(files.count == 1, "\(files)")
        for path in ["/avatars/../linkback.yaml", "/avatars/" + String(repeating: "0", count: 64) + ".html", "/avatars/x.png"] {
            #expect(try await server.send("GET", path).status == 404, "\(path)")
        }

        // The widget on another origin loads no image from anywhere but this server.
        pages.set("/post.html", BrowserTests.blogPage(linkback: linkback, target: Self.target))
        let result = try await BrowserTests.run(["widget", pages.url("/post.html").absoluteString])
        let widget = try #require((result["widgets"] as? [[String: Any]])?.first)
        let html = widget["html"] as? String ?? ""
        #expect(widget["faces"] as? Int == 4, "\(widget)")
        let sources = html.components(separatedBy: #"src=""#).dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(sources.count == 2 && sources.allSatisfy { $0.hasPrefix(linkback + "/avatars/") }, "\(sources)")
        #expect(pages.hits("/face.png") == 1 && pages.hits("/evil.png") == 1 && pages.hits("/huge.png") == 1)
        // Eve and Mallory show their initials.
        #expect(widget["placeholders"] as? Int == 2, "\(widget)")

        // A reply whose source lists ten comments with photos: its author's and seven of theirs are
        // fetched (AvatarProxy.perMention), the rest dropped, none left pointing elsewhere.
        var comments = ""
        for index in 0..<10 {
            pages.set("/c\(index).gif", FixtureServer.Page(headers: [("Content-Type", "image/gif")], body: try Self.image("face.gif")))
            comments += #"<div class="p-comment h-cite"><span class="p-author h-card"><img class="u-photo" src="\#(pages.url("/c\(index).gif"))" alt=""><span class="p-name">C\#(index)</span></span> <span class="p-content">hi</span></div>"#
        }
        pages.set("/Carol", .html(#"<div class="h-entry"><span class="p-author h-card"><img class="u-photo" src="\#(pages.url("/face.png"))" alt="">Carol</span> "#
            + #"<p class="e-content">Re <a class="u-in-reply-to" href="\#(Self.target)">this</a></p>\#(comments)</div>"#))
        let carol = try await server.postForm("/webmention", [("source", pages.url("/Carol").absoluteString), ("target", Self.target)])
        _ = try await server.waitForStatus(
            try #require(carol.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
                .replacingOccurrences(of: linkback, with: ""), in: ["approved"])
        #expect((0..<10).map { pages.hits("/c\($0).gif") } == [1, 1, 1, 1, 1, 1, 1, 0, 0, 0])
        let thread = try await server.send("GET", "/api/mentions.jf2?target=\(Self.target)&wm-property=in-reply-to")
        #expect(!(0..<10).contains { thread.body.contains("/c\($0).gif") } && thread.body.contains("C9"), "\(thread.body)")

        // Forgetting Alice and Bob removes the file they shared.
        for name in ["alice", "bob"] {
            let forgot = try await LinkbackProcess.run(["forget", "https://\(name).example/", "--config", server.configPath])
            #expect(forgot.status == 0 && forgot.stdout.hasPrefix("forgot 1 mention by https://\(name).example"), "\(forgot.stdout) \(forgot.stderr)")
        }
        // Carol still shows that photo (and her commenters theirs, one file for their same bytes).
        #expect(try FileManager.default.contentsOfDirectory(atPath: avatars.path).count == 2)
        let everyone = try await LinkbackProcess.run(["forget", "127.0.0.1", "--config", server.configPath])
        #expect(everyone.stdout.hasPrefix("forgot 3 mentions from 127.0.0.1"), "\(everyone.stdout) \(everyone.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: avatars.path).isEmpty)
        await pages.stop()
    }
}

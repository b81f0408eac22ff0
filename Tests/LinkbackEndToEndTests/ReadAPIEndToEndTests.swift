import Foundation
import LinkbackTestSupport
import Testing

/// The read API of a real `linkback serve`, with mentions sent through its real webmention
/// endpoint, verified against a real local page, and read back over loopback as a static-site
/// build reads webmention.io.
@Suite struct ReadAPIEndToEndTests {
    static let token = "build-token-0123456789abcdef"

    @Test func aBuildReadsWhatWasSentAndApproved() async throws {
        let source = try await FixtureServer.start()
        let target = "https://blog.example/posts/1"
        source.set("/reply", .html("""
            <div class="h-entry"><a class="p-author h-card" href="https://alice.example/">Alice</a>
            <a class="u-in-reply-to" href="\(target)">re</a><p class="e-content">Nice <b>post</b>!</p></div>
            """))
        source.set("/unlinked", .html("<p>no link here</p>"))
        let token = Self.token
        let server = try await ServerHarness.approving(fetching: source, readToken: token)
        defer { server.cleanUp() }
        let sent = try await server.postForm("/webmention", [("source", source.url("/reply").absoluteString), ("target", target)])
        #expect(sent.status == 201)
        let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
        _ = try await server.waitForStatus(location, in: ["approved"])

        // Exactly what a static-site build fetches.
        let build = try await server.send("GET", "/api/mentions.jf2?token=\(token)&per-page=1000")
        #expect(build.status == 200)
        #expect(build.headers["access-control-allow-origin"] == "*")
        #expect(build.headers["cache-control"] == "public, max-age=30")
        let children = try #require(JSON.object(build.body)?["children"] as? [[String: Any]])
        #expect(children.count == 1)
        let entry = try #require(children.first)
        #expect(entry["wm-source"] as? String == source.url("/reply").absoluteString)
        #expect(entry["in-reply-to"] as? String == target)
        #expect((entry["author"] as? [String: Any])?["name"] as? String == "Alice")
        #expect((entry["content"] as? [String: Any])?["html"] as? String == "Nice <b>post</b>!")

        // A page's own request by target; a mention that is not approved never shows. (Its
        // verification is waited for: 127.0.0.1 is an allowed domain, so a page that links would
        // be approved.)
        let other = try await server.postForm("/webmention", [("source", source.url("/unlinked").absoluteString), ("target", target)])
        #expect(other.status == 201)
        let otherLocation = try #require(other.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
        _ = try await server.waitForStatus(otherLocation, in: ["rejected"])
        let count = try await server.send("GET", "/api/count?target=\(target)")
        #expect(JSON.same(count.body, #"{"count":1,"type":{"reply":1}}"#), "\(count.body)")
        let wrong = try await server.send("GET", "/api/mentions.jf2?token=not-the-token-at-all")
        #expect(wrong.status == 401)
        await source.stop()
    }

    /// A static build that keeps its copy with `/api/changes.json`: it hears of new mentions, of
    /// new content, and of mentions that went away (the source lost its link, a moderator took
    /// one down), and a build that starts afresh, a change a page, ends with the same copy.
    @Test func aStaticBuildFollowsChangesIncludingDeletions() async throws {
        let source = try await FixtureServer.start()
        let (post1, post2) = ("https://blog.example/posts/1", "https://blog.example/posts/2")
        func reply(_ text: String) -> FixtureServer.Page {
            .html(#"<div class="h-entry"><a class="u-in-reply-to" href="\#(post1)">re</a><p class="e-content">\#(text)</p></div>"#)
        }
        source.set("/reply", reply("First thoughts."))
        source.set("/like", .html(#"<div class="h-entry"><a class="u-like-of" href="\#(post2)">liked</a></div>"#))
        let token = Self.token
        let server = try await ServerHarness.approving(fetching: source, readToken: token)
        defer { server.cleanUp() }
        func send(_ path: String, _ target: String, until statuses: Set<String> = ["approved"]) async throws {
            let sent = try await server.postForm("/webmention", [("source", source.url(path).absoluteString), ("target", target)])
            #expect(sent.status == 201 || sent.status == 202)
            let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
            _ = try await server.waitForStatus(location, in: statuses)
        }
        func changes(after id: Int, _ extra: String = "") async throws -> (children: [[String: Any]], last: Int, more: Bool) {
            let answer = try await server.send("GET", "/api/changes.json?token=\(token)&since_id=\(id)\(extra)")
            #expect(answer.status == 200, "\(answer.body)")
            #expect(answer.headers["cache-control"] == "private, no-cache")
            let feed = try #require(JSON.object(answer.body))
            return (try #require(feed["children"] as? [[String: Any]]), try #require(feed["last_id"] as? Int),
                    try #require(feed["has_more"] as? Bool))
        }
        func summary(_ children: [[String: Any]]) -> [String] {
            children.map { "\($0["wm-change"] as? String ?? "?") \($0["wm-source"] as? String ?? "?")" }
        }
        let (replyURL, likeURL) = (source.url("/reply").absoluteString, source.url("/like").absoluteString)

        try await send("/reply", post1)
        try await send("/like", post2)
        let first = try await changes(after: 0)
        #expect(summary(first.children) == ["created \(replyURL)", "created \(likeURL)"])
        #expect(!first.more)
        #expect((first.children[0]["content"] as? [String: Any])?["text"] as? String == "First thoughts.")
        #expect(first.children[0]["wm-status"] as? String == "approved")
        let replyID = try #require(first.children[0]["wm-id"] as? Int)

        // New content: updated, shown as it is now.
        source.set("/reply", reply("Second thoughts."))
        try await send("/reply", post1)
        let second = try await changes(after: first.last)
        #expect(summary(second.children) == ["updated \(replyURL)"])
        #expect((second.children.first?["content"] as? [String: Any])?["text"] as? String == "Second thoughts.")
        #expect(try await changes(after: second.last).children.isEmpty)

        // The like's page drops its link; a moderator deletes the reply.
        source.set("/like", .html("<p>nothing to see</p>"))
        try await send("/like", post2, until: ["deleted", "rejected"])
        let deleted = try await LinkbackProcess.run(["delete", "--database", server.directory.file("linkback.sqlite"), "\(replyID)"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        let third = try await changes(after: second.last)
        #expect(summary(third.children) == ["deleted \(likeURL)", "deleted \(replyURL)"])
        let stub = try #require(third.children.last)
        #expect(stub["wm-status"] as? String == "deleted" && stub["wm-id"] as? Int == replyID)
        #expect(stub["wm-target"] as? String == post1 && stub["content"] == nil && stub["author"] == nil)

        // Narrowed to post 1, from the start: the reply's history in one change, its last.
        #expect(summary(try await changes(after: 0, "&target=\(ServerHarness.encode(post1))").children)
            == ["deleted \(replyURL)"])

        // A build from scratch, one mention a page: it ends with nothing, as the site shows.
        var copy: [Int: String] = [:]
        var last = 0
        var pages = 0
        while pages < 10 {
            let page = try await changes(after: last, "&per-page=1")
            pages += 1
            #expect(page.children.count <= 1)
            for change in page.children {
                let id = try #require(change["wm-id"] as? Int)
                copy[id] = change["wm-change"] as? String == "deleted" ? nil : change["wm-source"] as? String
            }
            last = page.last
            if !page.more { break }
        }
        #expect(copy.isEmpty && (2..<10).contains(pages), "\(pages) pages")

        // A token is needed; a domain it does not cover is refused.
        let anonymous = try await server.send("GET", "/api/changes.json?since_id=0&target=\(ServerHarness.encode(post1))")
        #expect(anonymous.status == 400 && anonymous.body.contains("read token"))
        #expect(try await server.send("GET", "/api/changes.json?token=\(token)&domain=other.example").status == 403)
        #expect(try await server.send("GET", "/api/changes.json?token=\(token)&per-page=1001").status == 400)
        await source.stop()
    }

    /// Threads: a reply to a stored reply (its `in-reply-to` names the first reply's URL and the
    /// post, as Bridgy and WordPress send it) carries `wm-parent`, and so does a reply sent to the
    /// post's `#mention-N`; the fragment nests them. The answer arrives before the reply it
    /// answers: the thread is found when it is read.
    @Test func aReplyToAStoredReplyIsDrawnInItsThread() async throws {
        let source = try await FixtureServer.start()
        let post = "https://blog.example/posts/1"
        let first = source.url("/first").absoluteString
        source.set("/first", .html(#"<div class="h-entry"><a class="u-in-reply-to" href="\#(post)">re</a><p class="e-content">First!</p></div>"#))
        source.set("/answer", .html("""
            <div class="h-entry"><a class="u-in-reply-to" href="\(first)">Alice's reply</a> on <a class="u-in-reply-to" href="\(post)">the post</a>
            <p class="e-content">Agreed with Alice.</p></div>
            """))
        let server = try await ServerHarness.approving(fetching: source, readToken: Self.token)
        defer { server.cleanUp() }
        func send(_ path: String, _ target: String) async throws -> String {
            let sent = try await server.postForm("/webmention", [("source", source.url(path).absoluteString), ("target", target)])
            let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
            _ = try await server.waitForStatus(location, in: ["approved"])
            return location
        }
        _ = try await send("/answer", post)
        _ = try await send("/first", post)
        func entries() async throws -> [String: [String: Any]] {
            let read = try await server.send("GET", "/api/mentions.jf2?target=\(ServerHarness.encode(post))")
            let children = try #require(JSON.object(read.body)?["children"] as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: children.map { (($0["wm-source"] as? String ?? "").replacingOccurrences(of: "http://\(source.hostPort)", with: ""), $0) })
        }
        var read = try await entries()
        let firstID = try #require(read["/first"]?["wm-id"] as? Int)
        #expect(read["/answer"]?["wm-parent"] as? Int == firstID)
        #expect(read["/first"]?["wm-parent"] == nil)

        // A reply sent to the first reply's fragment on the post.
        source.set("/fragment", .html(#"<div class="h-entry"><a class="u-in-reply-to" href="\#(post)#mention-\#(firstID)">re</a> Me too.</div>"#))
        _ = try await send("/fragment", "\(post)#mention-\(firstID)")
        read = try await entries()
        #expect(read["/fragment"]?["wm-parent"] as? Int == firstID)
        let answerID = try #require(read["/answer"]?["wm-id"] as? Int)
        // A build that keeps its copy through the changes feed hears of the thread too.
        let changes = try await server.send("GET", "/api/changes.json?token=\(Self.token)&since_id=0")
        let changed = try #require(JSON.object(changes.body)?["children"] as? [[String: Any]], "\(changes.body)")
        #expect(changed.first { $0["wm-id"] as? Int == answerID }?["wm-parent"] as? Int == firstID, "\(changes.body)")
        #expect(changed.first { $0["wm-id"] as? Int == firstID }?["wm-parent"] == nil)

        let fragment = try await server.send("GET", "/api/mentions.html?target=\(ServerHarness.encode(post))").body
        let thread = try #require(fragment.range(of: #"<li id="mention-\#(firstID)">"#))
        let replies = try #require(fragment.range(of: #"<ol class="linkback-replies">"#, range: thread.upperBound..<fragment.endIndex))
        let nested = try #require(fragment.range(of: #"<li id="mention-\#(answerID)">"#))
        #expect(replies.lowerBound < nested.lowerBound, "\(fragment)")
        #expect(fragment.components(separatedBy: #"<ol class="linkback-replies">"#).count == 2, "one thread: \(fragment)")
        await source.stop()
    }

    /// One interaction, one entry: the same like arrives from Alice's own post and through
    /// Bridgy from its syndicated copy (the post's u-syndication is the copy's u-url). It is
    /// listed once, with the other in `wm-aliases`, and counted once; if a moderator deletes the
    /// one listed, the other takes its place.
    @Test func oneLikeSentFromTwoSourcesIsOneEntry() async throws {
        let source = try await FixtureServer.start()
        let post = "https://blog.example/posts/1"
        let copy = "https://social.example/@alice/1"
        source.set("/alice", .html("""
            <div class="h-entry"><a class="u-like-of" href="\(post)">liked</a> <a class="u-syndication" href="\(copy)">also on social</a></div>
            """))
        source.set("/bridgy", .html("""
            <div class="h-entry"><a class="u-url" href="\(copy)">Alice's like</a> <a class="u-like-of" href="\(post)">liked</a></div>
            """))
        source.set("/bob", .html(#"<div class="h-entry"><a class="u-like-of" href="\#(post)">liked</a></div>"#))
        let server = try await ServerHarness.approving(fetching: source, readToken: Self.token)
        defer { server.cleanUp() }
        for path in ["/alice", "/bridgy", "/bob"] {
            let sent = try await server.postForm("/webmention", [("source", source.url(path).absoluteString), ("target", post)])
            let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
            _ = try await server.waitForStatus(location, in: ["approved"])
        }
        func likes() async throws -> [[String: Any]] {
            let read = try await server.send("GET", "/api/mentions.jf2?target=\(ServerHarness.encode(post))&sort-dir=up")
            return try #require(JSON.object(read.body)?["children"] as? [[String: Any]])
        }
        func count() async throws -> Int? {
            JSON.object(try await server.send("GET", "/api/count?target=\(ServerHarness.encode(post))").body)?["count"] as? Int
        }
        var listed = try await likes()
        #expect(listed.map { $0["wm-source"] as? String } == [source.url("/alice").absoluteString, source.url("/bob").absoluteString])
        #expect(listed.first?["wm-aliases"] as? [String] == [source.url("/bridgy").absoluteString])
        #expect(listed.last?["wm-aliases"] == nil)
        #expect(try await count() == 2)

        let alice = try #require(listed.first?["wm-id"] as? Int)
        // The changes feed lists every copy; a copy names the mention it copies.
        let changes = try await server.send("GET", "/api/changes.json?token=\(Self.token)&since_id=0")
        let created = try #require(JSON.object(changes.body)?["children"] as? [[String: Any]])
        #expect(created.count == 3)
        #expect(created.first { ($0["wm-source"] as? String)?.hasSuffix("/bridgy") == true }?["wm-alias-of"] as? Int == alice)
        #expect(created.filter { $0["wm-alias-of"] != nil }.count == 1)
        #expect(created.first { $0["wm-id"] as? Int == alice }?["wm-aliases"] as? [String] == [source.url("/bridgy").absoluteString])
        let deleted = try await LinkbackProcess.run(["delete", "--database", server.directory.file("linkback.sqlite"), "\(alice)"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        listed = try await likes()
        #expect(Set(listed.compactMap { $0["wm-source"] as? String }) == [source.url("/bridgy").absoluteString, source.url("/bob").absoluteString])
        #expect(try await count() == 2)
        await source.stop()
    }
}

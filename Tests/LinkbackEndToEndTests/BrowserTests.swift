import Foundation
import LinkbackTestSupport
import Testing

/// The mentions widget and the moderation dashboard in a real headless Chromium (Debian's, driven
/// by Selenium), against a real `linkback serve` with mentions sent through its real endpoints,
/// the blog page on another origin. Screenshots go to `$LINKBACK_SCREENSHOTS` when set
/// (`make screenshots` refreshes the README's).
@Suite(.serialized) struct BrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scripts/browser.py").path
    static let target = "https://blog.example/posts/1"
    static let token = "dashboard-token-0123456789"

    static func run(_ arguments: [String], screenshot: String? = nil) async throws -> [String: Any] {
        var all = [script] + arguments
        if let screenshot, let directory = ProcessInfo.processInfo.environment["LINKBACK_SCREENSHOTS"] {
            all += ["--screenshot", directory + "/" + screenshot]
        }
        let output = try await Command.check("python3", all).stdout
        return try #require(JSON.object(output), "\(output)")
    }

    /// Console errors other than the failed image and API loads the tests cause on purpose.
    static func unexpectedErrors(_ result: [String: Any]) -> [String] {
        (result["errors"] as? [String] ?? []).filter { !$0.contains("Failed to load resource") }
    }

    static func blogPage(linkback: String, target: String, lang: String? = nil) -> FixtureServer.Page {
        .html(blogHTML(linkback: linkback, target: target, lang: lang))
    }

    static func blogHTML(linkback: String, target: String, lang: String? = nil) -> String {
        """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A post</title>
            <link rel="stylesheet" href="\(linkback)/mentions.css"></head>
            <body><article><h1>A post</h1><p>A blog post on another host; below it, the mentions widget.</p></article>
            <div data-linkback-target="\(target)"\(lang.map { " data-lang=\"\($0)\"" } ?? "")></div>
            <script type="module" src="\(linkback)/mentions.js"></script></body></html>
            """
    }

    static func entry(_ name: String, _ property: String, photo: String? = nil, content: String = "") -> String {
        let card = photo.map { #"<img class="u-photo" src="\#($0)" alt="">"# } ?? ""
        return """
            <div class="h-entry"><a class="p-author h-card" href="https://\(name.filter(\.isLetter).lowercased()).example/">\(card)<span class="p-name">\(name)</span></a>
            <a class="\(property)" href="\(target)">the post</a><div class="e-content">\(content)</div></div>
            """
    }

    /// The README's picture: a post as a reader sees it, with likes, a repost and two replies, the
    /// second answering the first (drawn in its thread, as the server's fragment draws it).
    @Test func theWidgetUnderARealisticPost() async throws {
        let pages = try await FixtureServer.start()
        let people = [
            ("Ana Lima", "u-like-of", ""), ("Tom Becker", "u-like-of", ""), ("Priya Shah", "u-repost-of", ""),
            ("Jonas Berg", "u-in-reply-to", "Thanks for writing this up — the part about caching feeds saved me an evening."),
            ("Mei Chen", "u-in-reply-to", "Same here, Jonas: I tried it with my static site and it just worked."),
        ]
        for (index, person) in people.enumerated() { pages.set("/p\(index)", .html(Self.entry(person.0, person.1, content: person.2))) }
        // Mei answers Jonas's reply as well as the post.
        pages.set("/p4", .html(Self.entry(people[4].0, people[4].1, content: people[4].2)
            .replacingOccurrences(of: "<div class=\"e-content\">", with: #"<a class="u-in-reply-to" href="\#(pages.url("/p3"))">Jonas</a><div class="e-content">"#)))
        let server = try await ServerHarness(yaml: "moderation:\n  allow_domains: [127.0.0.1]", allowHosts: [pages.hostPort])
        defer { server.cleanUp() }
        for index in people.indices {
            let sent = try await server.postForm("/webmention", [("source", pages.url("/p\(index)").absoluteString), ("target", Self.target)])
            let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
            _ = try await server.waitForStatus(location, in: ["approved"])
        }
        pages.set("/post.html", Self.blogPage(linkback: "http://127.0.0.1:\(server.port)", target: Self.target))
        let result = try await Self.run(["widget", pages.url("/post.html").absoluteString], screenshot: "widget.png")
        let widget = try #require((result["widgets"] as? [[String: Any]])?.first)
        #expect(widget["state"] as? String == "ready")
        #expect(widget["count"] as? Int == 5)
        #expect(widget["comments"] as? Int == 1)
        // Dates as readers read them, not US numeric: the headless browser's English, month named.
        let today = Date().formatted(.dateTime.year().month(.abbreviated).day().locale(Locale(identifier: "en_US")))
        #expect((widget["text"] as? String)?.contains(today) == true, "\(today) in \(widget["text"] ?? "")")

        // The same post in German (data-lang): every word and the dates.
        pages.set("/post-de.html", Self.blogPage(linkback: "http://127.0.0.1:\(server.port)", target: Self.target, lang: "de-DE"))
        let german = try #require((try await Self.run(["widget", pages.url("/post-de.html").absoluteString])["widgets"] as? [[String: Any]])?.first)
        let text = german["text"] as? String ?? ""
        #expect(german["piles"] as? [String: Int] == ["Gefällt": 2, "Geteilt": 1], "\(german["piles"] ?? "")")
        #expect(text.contains("Erwähnungen") && text.contains("antwortete") && !text.contains("replied"), "\(text)")
        let heute = Date().formatted(.dateTime.year().month(.abbreviated).day().locale(Locale(identifier: "de_DE")))
        #expect(text.contains(heute), "\(heute) in \(text)")
        #expect(Set(widget["titles"] as? [String] ?? []) == ["Ana Lima", "Tom Becker", "Priya Shah"])
        let threads = try #require(widget["threads"] as? [[String]], "\(widget)")
        #expect(threads.count == 1)
        let fragment = try await server.send("GET", "/api/mentions.html?target=\(Self.target)").body
        if let thread = threads.first, thread.count == 2 {
            // The fragment draws the same thread: the answer's <li> inside the first reply's.
            let parent = try #require(fragment.range(of: #"<li id="\#(thread[0])">"#))
            let child = try #require(fragment.range(of: #"<li id="\#(thread[1])">"#))
            #expect(parent.upperBound < child.lowerBound && fragment[parent.upperBound..<child.lowerBound].contains("linkback-replies"))
        }
        await pages.stop()
    }

    @Test func theWidgetShowsApprovedMentionsAsInertText() async throws {
        let pages = try await FixtureServer.start()
        let payload = #"<img src=x onerror="window.__pwned='name'">"#
        pages.set("/like-a", .html(Self.entry("Alice", "u-like-of", photo: pages.url("/missing.png").absoluteString)))
        pages.set("/like-b", .html(Self.entry("Bob", "u-like-of")))
        // Carol's reply has a comment of its own, shown beneath it as text (its script never runs).
        pages.set("/reply", .html(Self.entry("Carol", "u-in-reply-to", content: "Great <em>post</em>, thanks")
            .replacingOccurrences(of: "</div></div>", with: "</div><div class=\"p-comment h-cite\"><span class=\"p-author\">"
                + "Heidi</span> <span class=\"p-content\">Me too &lt;img src=x onerror=\"window.__pwned='child'\"&gt;</span>"
                + "</div></div>")))
        pages.set("/xss", .html(Self.entry(payload.replacingOccurrences(of: "<", with: "&lt;"), "u-in-reply-to",
            content: #"<img src=x onerror="window.__pwned='content'"><script>window.__pwned='script'</script>hi"#)))
        pages.set("/pending", .html(Self.entry("Dave", "u-in-reply-to", content: "not yet")))
        pages.set("/nolink", .html("<p>Eve never linked: rejected by verification</p>"))
        let server = try await ServerHarness(
            yaml: "moderation:\n  allow_domains: [127.0.0.1]",
            allowHosts: [pages.hostPort, "localhost:\(pages.port)"])
        defer { server.cleanUp() }
        var locations: [(String, String)] = []
        for (path, status) in [("/like-a", "approved"), ("/like-b", "approved"), ("/reply", "approved"), ("/xss", "approved")] {
            let sent = try await server.postForm("/webmention", [("source", pages.url(path).absoluteString), ("target", Self.target)])
            locations.append((try #require(sent.headers["location"]), status))
        }
        let pending = try await server.postForm(
            "/webmention", [("source", "http://localhost:\(pages.port)/pending"), ("target", Self.target)])
        locations.append((try #require(pending.headers["location"]), "pending"))
        let rejected = try await server.postForm("/webmention", [("source", pages.url("/nolink").absoluteString), ("target", Self.target)])
        locations.append((try #require(rejected.headers["location"]), "rejected"))
        for (location, status) in locations {
            _ = try await server.waitForStatus(location.replacingOccurrences(of: "https://mentions.example", with: ""), in: [status])
        }
        let linkback = "http://127.0.0.1:\(server.port)"
        pages.set("/post.html", Self.blogPage(linkback: linkback, target: Self.target))
        pages.set("/none.html", Self.blogPage(linkback: linkback, target: "https://blog.example/posts/none"))

        let result = try await Self.run(["widget", pages.url("/post.html").absoluteString])
        let widget = try #require((result["widgets"] as? [[String: Any]])?.first)
        #expect(widget["state"] as? String == "ready")
        #expect(widget["count"] as? Int == 4)
        #expect(widget["faces"] as? Int == 2)
        #expect(widget["piles"] as? [String: Int] == ["Likes": 2], "\(widget["piles"] ?? "")")
        #expect(widget["comments"] as? Int == 2)
        #expect(Set(widget["titles"] as? [String] ?? []) == ["Alice", "Bob"])
        #expect((widget["names"] as? [String])?.contains("Carol") == true)
        // The payload is shown as the text it is, and nothing ran.
        #expect((widget["names"] as? [String])?.contains(payload) == true)
        #expect(result["pwned"] is NSNull)
        #expect((widget["text"] as? String)?.contains("Great post, thanks") == true)
        #expect((widget["text"] as? String)?.contains("Heidi: Me too <img src=x onerror=\"window.__pwned='child'\">") == true,
            "\(widget["text"] ?? "")")
        #expect((widget["text"] as? String)?.contains("not yet") == false)
        #expect((widget["text"] as? String)?.contains("Eve") == false)
        #expect(widget["handlers"] as? Int == 0)
        // Alice's photo fails, the others have none: placeholders for all four.
        #expect(widget["placeholders"] as? Int == 4)
        #expect(Self.unexpectedErrors(result).isEmpty, "\(result["errors"] ?? "")")

        let none = try await Self.run(["widget", pages.url("/none.html").absoluteString])
        let empty = try #require((none["widgets"] as? [[String: Any]])?.first)
        #expect(empty["state"] as? String == "ready")
        #expect(empty["empty"] as? Bool == true)

        // The server-side fragment for builds, with the same mentions.
        let fragment = try await server.send("GET", "/api/mentions.html?target=\(Self.target)")
        #expect(fragment.status == 200)
        #expect(fragment.body.contains("Carol") && !fragment.body.contains("<img src=x"))
        #expect(fragment.body.contains("&lt;img src=x onerror=&quot;window.__pwned=&#39;name&#39;&quot;&gt;"))
        await pages.stop()
    }

    @Test func theWidgetStaysQuietWhenTheAPIIsDown() async throws {
        // The widget served by a host that has no read API: every API call fails.
        let pages = try await FixtureServer.start()
        let widget = try String(contentsOfFile: ServerHarness.publicDirectory + "/mentions.js", encoding: .utf8)
        pages.set("/mentions.js", .content(widget, type: "text/javascript"))
        pages.set("/post.html", Self.blogPage(linkback: "http://127.0.0.1:\(pages.port)", target: Self.target))
        let result = try await Self.run(["widget", pages.url("/post.html").absoluteString])
        let state = try #require((result["widgets"] as? [[String: Any]])?.first)
        #expect(state["state"] as? String == "error")
        #expect((state["text"] as? String)?.isEmpty == true)
        #expect(Self.unexpectedErrors(result).isEmpty, "\(result["errors"] ?? "")")
        await pages.stop()
    }

    /// A popular post (webmention.io's widget showed "Likes 50" and no replies for 66 likes): the
    /// replies come first and page on their own, each pile shows its newest faces and the count
    /// of all.
    @Test func theWidgetPagesThroughManyMentions() async throws {
        let directory = try TemporaryDirectory("browser")
        defer { directory.remove() }
        let target = "https://blog.example/posts/many"
        let children = (0..<150).map { index in
            let property = index < 80 ? "like-of" : index < 85 ? "repost-of" : index < 140 ? "in-reply-to" : "mention-of"
            return #"{"wm-source": "https://s\#(index).example/p", "wm-target": "\#(target)", "wm-property": "\#(property)", "author": {"name": "Person \#(index)"}, "content": {"text": "text \#(index)"}}"#
        }
        try directory.write("many.jf2", #"{"type": "feed", "children": [\#(children.joined(separator: ","))]}"#)
        let pages = try await FixtureServer.start()
        let server = try await ServerHarness(yaml: "moderation:\n  allow_domains: [127.0.0.1]", allowHosts: [pages.hostPort])
        defer { server.cleanUp() }
        let imported = try await LinkbackProcess.run(["import", directory.file("many.jf2"), "--config", server.configPath])
        #expect(imported.stdout.hasPrefix("150 imported"), "\(imported.stdout) \(imported.stderr)")
        // A late answer to the first comment: it comes on the second page, its parent on the first.
        pages.set("/late", .html(#"<div class="h-entry"><a class="u-in-reply-to" href="https://s85.example/p">re</a> "#
            + #"<a class="u-in-reply-to" href="\#(target)">post</a> <span class="p-author">Late</span> <p class="e-content">I agree</p></div>"#))
        let sent = try await server.postForm("/webmention", [("source", pages.url("/late").absoluteString), ("target", target)])
        _ = try await server.waitForStatus(
            try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: ""), in: ["approved"])
        pages.set("/many.html", Self.blogPage(linkback: "http://127.0.0.1:\(server.port)", target: target))
        let first = try await Self.run(["widget", pages.url("/many.html").absoluteString])
        let page = try #require((first["widgets"] as? [[String: Any]])?.first)
        // 50 of the 65 comments, 30 faces of the likes and all 5 reposts.
        #expect(page["comments"] as? Int == 50)
        #expect(page["faces"] as? Int == 35)
        #expect(page["count"] as? Int == 85)
        #expect(page["more"] as? Bool == true)
        #expect((page["threads"] as? [[String]])?.isEmpty == true)
        // The piles say how many there are, not how many faces are loaded.
        #expect(page["piles"] as? [String: Int] == ["Likes": 80, "Reposts": 5], "\(page["piles"] ?? "")")
        // The newest faces: the last likes imported.
        #expect((page["titles"] as? [String])?.contains("Person 79") == true && (page["titles"] as? [String])?.contains("Person 0") == false)
        let all = try await Self.run(["widget", pages.url("/many.html").absoluteString, "--more"])
        let everything = try #require((all["widgets"] as? [[String: Any]])?.first)
        // All 65 comments at the top, and the late answer moved under the first when it came.
        #expect(everything["comments"] as? Int == 65)
        let threads = everything["threads"] as? [[String]] ?? []
        #expect(threads.count == 1 && threads.first?.first == "mention-86", "\(threads)")
        #expect(everything["faces"] as? Int == 35)
        #expect(everything["more"] as? Bool == false)
        #expect(everything["lazy"] as? Bool == true)
        await pages.stop()
    }

    /// The widget shows what the server renders for builds (`/api/mentions.html`), on a popular
    /// post: 80 likes (their avatars loading, failing or missing) and 5 replies, one in another's
    /// thread, with a link and a picture in their content. Side by side in Chromium, the two have
    /// the same elements and attributes, the same text, the same size and the same pixels.
    @Test func theWidgetAndTheFragmentRenderAlike() async throws {
        let directory = try TemporaryDirectory("browser")
        defer { directory.remove() }
        let pages = try await FixtureServer.start()
        for index in 0..<6 {
            pages.set("/face-\(index).svg", .content(
                #"<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" fill="hsl(\#(index * 60), 60%, 55%)"/></svg>"#,
                type: "image/svg+xml"))
        }
        let target = "https://blog.example/posts/popular"
        let likes = (0..<80).map { index in
            // Most have a photo that loads; every seventh one's host has lost it; every eleventh has none.
            let photo = index % 11 == 0 ? "" : #", "photo": "\#(pages.url(index % 7 == 0 ? "/gone.png" : "/face-\(index % 6).svg"))""#
            return #"{"wm-source": "https://l\#(index).example/like", "wm-target": "\#(target)", "wm-property": "like-of", "#
                + #""author": {"name": "Liker \#(index)", "url": "https://l\#(index).example/"\#(photo)}}"#
        }
        try directory.write("likes.jf2", #"{"type": "feed", "children": [\#(likes.joined(separator: ","))]}"#)
        let server = try await ServerHarness(yaml: "moderation:\n  allow_domains: [127.0.0.1]", allowHosts: [pages.hostPort])
        defer { server.cleanUp() }
        let imported = try await LinkbackProcess.run(["import", directory.file("likes.jf2"), "--config", server.configPath])
        #expect(imported.stdout.hasPrefix("80 imported"), "\(imported.stdout) \(imported.stderr)")
        for index in 0..<5 {
            let photo = index == 2 ? pages.url("/gone.png").absoluteString : pages.url("/face-\(index).svg").absoluteString
            var entry = Self.entry("Replier \(index)", "u-in-reply-to", photo: photo,
                content: #"Reply \#(index) with <a href="https://example.org/\#(index)">a link</a> and a picture <img src="\#(pages.url("/face-1.svg"))" alt="pic">"#)
                .replacingOccurrences(of: Self.target, with: target)
            // The fourth answers the second as well as the post.
            if index == 3 {
                entry = entry.replacingOccurrences(
                    of: #"<div class="e-content">"#, with: #"<a class="u-in-reply-to" href="\#(pages.url("/r1"))">re</a><div class="e-content">"#)
            }
            pages.set("/r\(index)", .html(entry))
            let sent = try await server.postForm("/webmention", [("source", pages.url("/r\(index)").absoluteString), ("target", target)])
            let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
            _ = try await server.waitForStatus(location, in: ["approved"])
        }
        let linkback = "http://127.0.0.1:\(server.port)"
        pages.set("/widget.html", Self.blogPage(linkback: linkback, target: target))
        // The same page as a static build makes it: the fragment fetched once and pasted in.
        let fragment = try await server.send("GET", "/api/mentions.html?target=\(ServerHarness.encode(target))")
        #expect(fragment.status == 200)
        let fragmentPage = Self.blogHTML(linkback: linkback, target: target).replacingOccurrences(
            of: #"<div data-linkback-target="\#(target)"></div>"#, with: fragment.body)
            .replacingOccurrences(of: #"<script type="module" src="\#(linkback)/mentions.js"></script>"#, with: "")
        pages.set("/built.html", .html(fragmentPage))

        let result = try await Self.run(["compare", pages.url("/widget.html").absoluteString, pages.url("/built.html").absoluteString])
        let widget = try #require(result["widget"] as? [String: Any])
        let built = try #require(result["fragment"] as? [String: Any])
        let markup = try #require(widget["markup"] as? String)
        #expect(markup == built["markup"] as? String, "widget:\n\(markup)\nfragment:\n\(built["markup"] ?? "")")
        #expect(widget["text"] as? String == built["text"] as? String)
        #expect(widget["box"] as? [String: Double] == built["box"] as? [String: Double])
        #expect(widget["pixels"] as? String == built["pixels"] as? String)
        // What both show: the newest 30 likes under "Likes 80", five replies, one of them in a
        // thread, no picture from the replies' content, and the lost photos as initials.
        let text = widget["text"] as? String ?? ""
        #expect(text.contains("Likes 80") && text.contains("Reply 4 with a link and a picture"), "\(text)")
        #expect(markup.components(separatedBy: #"<li title="Liker "#).count - 1 == 30)
        #expect(markup.contains(#"<li title="Liker 79">"#) && !markup.contains(#"<li title="Liker 49">"#))
        #expect(markup.components(separatedBy: #"<li id="mention-"#).count - 1 == 5)
        #expect(markup.components(separatedBy: #"<ol class="linkback-replies">"#).count - 1 == 1)
        #expect(!markup.contains(#"alt="pic""#) && markup.contains(#"<a href="https://example.org/4" rel="nofollow ugc noopener">a link</a>"#))
        #expect((widget["broken"] as? Int ?? 0) > 0 && widget["broken"] as? Int == built["broken"] as? Int, "\(widget["broken"] ?? "")")
        #expect(Self.unexpectedErrors(result).isEmpty, "\(result["errors"] ?? "")")
        await pages.stop()
    }

    @Test func theDashboardModeratesByClicking() async throws {
        let pages = try await FixtureServer.start()
        for name in ["Erin", "Frank", "Grace"] {
            pages.set("/\(name)", .html(Self.entry(name, "u-in-reply-to", content: "from \(name)")))
        }
        // Grace's reply has a comment of its own: the dashboard says so beside its status.
        pages.set("/Grace", .html(Self.entry("Grace", "u-in-reply-to", content: "from Grace").replacingOccurrences(
            of: "</div></div>", with: "</div><div class=\"p-comment h-cite\"><span class=\"p-author\">Heidi</span> "
                + "<span class=\"p-content\">Me too</span></div></div>")))
        let server = try await ServerHarness(
            yaml: "admin:\n  token: \(Self.token)", allowHosts: [pages.hostPort])
        defer { server.cleanUp() }
        for name in ["Erin", "Frank", "Grace"] {
            let sent = try await server.postForm("/webmention", [("source", pages.url("/\(name)").absoluteString), ("target", Self.target)])
            let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
            _ = try await server.waitForStatus(location, in: ["pending"])
        }
        // The last day's rejections for the graph: a few real ones now, and earlier hours from the
        // log as a running server would have written it (rejected, and refused while banned).
        for _ in 0..<3 { _ = try await server.postForm("/webmention", [("source", "junk"), ("target", Self.target)]) }
        let currentHour = (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600
        var earlier = ""
        for (hoursAgo, rejected, banned) in [(20, 4, 0), (14, 9, 3), (9, 15, 12), (8, 6, 20), (3, 2, 1)] {
            let stamp = Date(timeIntervalSince1970: currentHour - Double(hoursAgo) * 3600 + 60).iso8601
            for index in 0..<(rejected + banned) {
                let reason = index < rejected ? "malformed-xml" : "banned"
                earlier += "\(stamp) linkback[1]: pingback rejected from 203.0.113.\(hoursAgo) reason=\(reason) ua=\"PHP/5.2.10\"\n"
            }
        }
        let handle = try #require(FileHandle(forWritingAtPath: server.directory.file("fail2ban.log")))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(earlier.utf8))
        try handle.close()
        // A server counts what it logs itself and reads the log once, at start: restart it.
        try await server.stop()
        try await server.restart()
        for _ in 0..<100 {
            let stats = try await server.send("GET", "/admin/api/stats", headers: [("Authorization", "Bearer \(Self.token)")])
            let total = ((JSON.object(stats.body)?["rejections_24h"] as? [String: Int]) ?? [:]).values.reduce(0, +)
            if total >= 75 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        // The page's security headers.
        let page = try await server.send("GET", "/admin.html")
        #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
        #expect(page.headers["x-frame-options"] == "DENY")
        #expect(page.headers["referrer-policy"] == "no-referrer")

        let url = "http://127.0.0.1:\(server.port)/admin.html"
        let wrong = try await Self.run(["dashboard", url, "not-the-token", "[]"])
        #expect((wrong["login_error"] as? String)?.contains("not accepted") == true)

        let result = try await Self.run(
            ["dashboard", url, Self.token, #"[["approve", 1], ["bulk", "spam", [2, 3]]]"#], screenshot: "dashboard.png")
        #expect(result["messages"] as? [String] == ["1: now approved", "2 changed"])
        let rows = result["rows_before"] as? [[String: Any]] ?? []
        #expect(rows.filter { ($0["text"] as? String)?.contains("1 comment") == true }.map { $0["id"] as? Int } == [3], "\(rows)")
        // The graph: 24 hours, every hour's counts in its title, stacked bars where there were any.
        let chart = try #require(result["chart"] as? [String: Any])
        let hours = chart["hours"] as? [String] ?? []
        #expect(hours.count == 24)
        // This hour: the three junk webmentions and the wrong token's 401s.
        let now = hours.last.flatMap { $0.split(separator: " ").dropFirst(2).first.flatMap { Int($0) } } ?? 0
        #expect(now >= 3 && hours.last?.hasSuffix(" rejected, 0 refused while banned") == true, "\(hours)")
        #expect(chart["caption"] as? String == "Rejections per hour, last 24 h: \(72 + now) in all")
        #expect(hours.filter { $0.hasSuffix(": 0 rejected, 0 refused while banned") }.count == 18, "\(hours)")
        #expect(hours[hours.count - 1 - 9].hasSuffix(": 15 rejected, 12 refused while banned"), "\(hours)")
        // Stacked by reason: one bar part per reason and hour (this hour: invalid-url and bad-admin-token).
        #expect(chart["bars"] as? Int == 11, "\(chart)")
        #expect((chart["width"] as? Double ?? 0) > 200)
        #expect(Self.unexpectedErrors(result).isEmpty, "\(result["errors"] ?? "")")
        let listed = try await LinkbackProcess.run(["list", "--all", "--json", "--config", server.configPath])
        let statuses = Dictionary(uniqueKeysWithValues: (JSON.value(listed.stdout) as? [[String: Any]] ?? []).compactMap { mention in
            (mention["id"] as? Int).map { ($0, mention["status"] as? String ?? "") }
        })
        #expect(statuses == [1: "approved", 2: "spam", 3: "spam"])
        await pages.stop()
    }

    /// On a 390 px phone the inbox has no horizontal scroll, each card names its post, the approve
    /// button is on screen, the three charts are drawn; the keyboard moves and moderates.
    @Test func theDashboardWorksOnAPhoneAndFromTheKeyboard() async throws {
        let pages = try await FixtureServer.start()
        let posts = ["https://blog.example/posts/1", "https://blog.example/posts/2", "https://blog.example/posts/2"]
        for (index, post) in posts.enumerated() {
            pages.set("/r\(index)", .html(Self.entry("Reader \(index)", "u-in-reply-to", content: "A long reply, number \(index), "
                + String(repeating: "with words that wrap ", count: 12)).replacingOccurrences(of: Self.target, with: post)
                .replacingOccurrences(of: "<div class=\"h-entry\">", with: "<div class=\"h-entry\"><h1 class=\"p-name\">Reply \(index)</h1>")))
        }
        let server = try await ServerHarness(yaml: "admin:\n  token: \(Self.token)", allowHosts: [pages.hostPort])
        defer { server.cleanUp() }
        for (index, post) in posts.enumerated() {
            let sent = try await server.postForm("/webmention", [("source", pages.url("/r\(index)").absoluteString), ("target", post)])
            let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
            _ = try await server.waitForStatus(location, in: ["pending"])
        }
        let url = "http://127.0.0.1:\(server.port)/admin.html"
        let result = try await Self.run(["dashboard", url, Self.token, #"[["keys", "ja"]]"#, "--width", "390"], screenshot: "dashboard-phone.png")
        let layout = try #require(result["layout"] as? [String: Any])
        let inner = try #require(layout["innerWidth"] as? Int)
        #expect(inner <= 400 && (layout["scrollWidth"] as? Int ?? .max) <= inner, "\(layout)")
        let approve = try #require(layout["approve"] as? [String: Any])
        #expect((approve["right"] as? Double ?? .infinity) <= Double(inner) && (approve["height"] as? Double ?? 0) >= 40, "\(approve)")
        let rows = try #require(result["rows_before"] as? [[String: Any]])
        #expect(Set(rows.compactMap { $0["post"] as? String }) == ["/posts/1", "/posts/2"], "\(rows)")
        #expect(rows.allSatisfy { ($0["text"] as? String)?.contains("“Reply ") == true }, "the source's title: \(rows)")
        #expect(rows.first?["current"] as? Bool == true)
        // j moved to the second card, a approved it.
        let second = try #require(rows[1]["id"] as? Int)
        #expect(result["messages"] as? [String] == ["\(second): now approved"], "\(result["messages"] ?? "")")
        let charts = try #require(result["charts"] as? [String: [String: Any]])
        #expect(Set(charts.keys) == ["rejections-chart", "bans-chart", "mentions-chart"])
        #expect(charts.values.allSatisfy { ($0["width"] as? Double ?? 0) > 300 }, "\(charts)")
        let mentions = try #require(charts["mentions-chart"])
        #expect(mentions["rects"] as? Int == 1 && mentions["legend"] as? [String] == ["reply"], "\(mentions)")
        #expect((mentions["caption"] as? String)?.hasPrefix("Mentions per day by type, last 30 days: 3") == true, "\(mentions)")
        #expect(Self.unexpectedErrors(result).isEmpty, "\(result["errors"] ?? "")")
        let listed = try await LinkbackProcess.run(["list", "--all", "--json", "--config", server.configPath])
        let approved = (JSON.value(listed.stdout) as? [[String: Any]] ?? []).filter { $0["status"] as? String == "approved" }
        #expect(approved.compactMap { $0["id"] as? Int } == [second])
        await pages.stop()
    }

    /// The dashboard's "forget": it asks (having counted what would go), then erases the author.
    @Test func theDashboardForgetsAnAuthor() async throws {
        let pages = try await FixtureServer.start()
        pages.set("/Ivy", .html(Self.entry("Ivy", "u-in-reply-to", content: "please forget me")))
        let server = try await ServerHarness(yaml: "admin:\n  token: \(Self.token)", allowHosts: [pages.hostPort])
        defer { server.cleanUp() }
        let sent = try await server.postForm("/webmention", [("source", pages.url("/Ivy").absoluteString), ("target", Self.target)])
        _ = try await server.waitForStatus(
            try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: ""), in: ["pending"])
        let url = "http://127.0.0.1:\(server.port)/admin.html"
        let result = try await Self.run(["dashboard", url, Self.token, #"[["click", 1, "forget"]]"#])
        #expect(result["messages"] as? [String] == [
            "asked: Forget https://ivy.example/? 1 mention will be erased (only a stub stays), its name will leave the database, "
                + "and new mentions from it will be refused.",
            "forgot https://ivy.example/: 1 erased",
        ], "\(result["messages"] ?? "")")
        #expect(Self.unexpectedErrors(result).isEmpty, "\(result["errors"] ?? "")")
        let listed = try await LinkbackProcess.run(["list", "--all", "--json", "--config", server.configPath])
        #expect(listed.stdout.contains("forgotten:1") && !listed.stdout.contains("Ivy"), "\(listed.stdout)")
        await pages.stop()
    }

    /// A mention held as a farm's text, or by its spam score, says so beside its status (the
    /// score with what spoke for spam), and one click (after a question) marks the whole cluster
    /// as spam.
    @Test func theDashboardShowsWhyAMentionIsHeldAndSpamsItsCluster() async throws {
        var farms: [FixtureServer] = []
        for host in ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"] {
            let farm = try await FixtureServer.start(host: host)
            farm.set("/a", .html("<p>\(CopyDetectionTests.farmText) <a href=\"\(Self.target)\">a blog</a></p>"))
            farm.set("/casino", .html("<title>Casino bonus</title><p>Slots, roulette, jackpot: <a href=\"\(Self.target)\">a blog</a></p>"))
            farms.append(farm)
        }
        let server = try await ServerHarness(
            yaml: "admin:\n  token: \(Self.token)\n\nmoderation:\n  auto_approve: true\n\nspam:\n  score:\n    spam_at: off",
            allowHosts: farms.map(\.hostPort))
        defer { server.cleanUp() }
        for (index, (farm, page)) in zip(farms, ["/a", "/a", "/a", "/casino"]).enumerated() {
            let sent = try await server.postForm("/webmention", [("source", farm.url(page).absoluteString), ("target", Self.target)])
            let location = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
            _ = try await server.waitForStatus(location, in: [index < 2 ? "approved" : "pending"])
        }
        let url = "http://127.0.0.1:\(server.port)/admin.html"
        let result = try await Self.run(["dashboard", url, Self.token, #"[["click", 3, "spam cluster"]]"#])
        let rows = result["rows_before"] as? [[String: Any]] ?? []
        #expect(rows.map { $0["id"] as? Int } == [4, 3], "only the held ones are pending: \(rows)")
        #expect((rows.last?["text"] as? String)?.contains("farm text") == true, "\(rows)")
        let casino = rows.first?["text"] as? String ?? ""
        #expect(casino.contains("spam score") && casino.contains("\"casino\"") && casino.contains("score 0."), "\(casino)")
        #expect(result["messages"] as? [String] == [
            "asked: Mark 3 mentions from 3 hosts as spam and block those hosts?", "3 marked as spam",
        ], "\(result["messages"] ?? "")")
        #expect(Self.unexpectedErrors(result).isEmpty, "\(result["errors"] ?? "")")
        let listed = try await LinkbackProcess.run(["list", "--all", "--json", "--config", server.configPath])
        let statuses = (JSON.value(listed.stdout) as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
        #expect(statuses == ["pending", "spam", "spam", "spam"], "\(listed.stdout)")
        for farm in farms { await farm.stop() }
    }
}

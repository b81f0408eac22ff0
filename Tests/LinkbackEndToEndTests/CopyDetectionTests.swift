import Foundation
import LinkbackTestSupport
import Testing

/// Copies of the post and farms of one text, through the real server: the post fetched from a real
/// local site, sources on several loopback hosts, auto-approval on (what copy detection must
/// overrule), the reasons read back with the CLI.
@Suite struct CopyDetectionTests {
    static let postText = """
        Last weekend I finally rebuilt the garden shed that the winter storms had flattened. The old frame was pine,
        soft and split along every joint, so this time I used larch posts set on concrete pads and a roof of
        corrugated steel sheets screwed down with rubber washers. The hardest part was squaring the walls on a
        slope: I ended up cutting each stud to its own length and checking the diagonals after every third one.
        It took two days, four hundred screws and more coffee than I care to admit, but the door finally closes.
        """
    static let farmText = """
        Discover the best online casino bonuses of the year, hand picked by our experts who test every site for
        fairness, fast withdrawals and friendly support. Whether you love slots, blackjack or live roulette, our
        guide shows you where to play today with free spins and no deposit offers that are updated every single
        morning. Read the full review of each casino, compare the welcome packages side by side and start
        winning with confidence at the tables and machines that pay out the most in your country this month.
        """

    private func send(_ server: ServerHarness, _ source: URL, _ target: URL) async throws -> String {
        let answer = try await server.postForm("/webmention", [("source", source.absoluteString), ("target", target.absoluteString)])
        #expect(answer.status == 201 || answer.status == 202, "\(answer.body)")
        return String(try #require(answer.headers["location"]).dropFirst("https://mentions.example".count))
    }

    private func settled(_ server: ServerHarness, _ path: String) async throws -> String? {
        try await server.waitForStatus(path, in: ["pending", "approved", "rejected", "spam"])["status"] as? String
    }

    private func mentions(_ server: ServerHarness) async throws -> [[String: Any]] {
        let listed = try await LinkbackProcess.run(["list", "--all", "--json", "--database", server.directory.file("linkback.sqlite")])
        return try #require(JSON.value(listed.stdout) as? [[String: Any]], "\(listed.stderr)")
    }

    @Test func aCopyOfThePostIsHeldAndAReplyThatQuotesItIsNot() async throws {
        let site = try await FixtureServer.start()
        site.set("/post", .html("""
            <nav>Home · Archive</nav><article class="h-entry"><h1 class="p-name">The shed</h1>
            <div class="e-content"><p>\(Self.postText)</p></div></article>
            """))
        let scraper = try await FixtureServer.start(host: "127.0.0.2")
        let post = site.url("/post")
        scraper.set("/copy", .html("""
            <header>DIY Daily — your home for home ideas</header><nav>Home | Gardens | Sheds</nav>
            <div class="post"><h2>The shed</h2><p>\(Self.postText)</p><p>Source: <a href="\(post)">original</a></p></div>
            <footer>Related: cheap sheds, best screws 2026</footer>
            """))
        scraper.set("/copy-two", .html("<p>\(Self.postText) <a href=\"\(post)\">via</a></p>"))
        let friend = try await FixtureServer.start(host: "127.0.0.3")
        friend.set("/reply", .html("""
            <div class="h-entry"><a class="u-in-reply-to" href="\(post)">In reply to the shed post</a>
            <div class="e-content"><p>"The hardest part was squaring the walls on a slope" — that was my experience too.
            I built a lean-to against the garage last spring and gave up on levelling the ground: I poured a small slab,
            which cost more but saved a week of fiddling with packers and shims. Your larch posts sound far better than
            the treated softwood I used, which has already started to grey and check. Did you paint the steel sheets?</p></div></div>
            """))
        // A declared repost carries the post's text openly: no copy.
        friend.set("/repost", .html(
            "<div class=\"h-entry\"><a class=\"u-repost-of\" href=\"\(post)\">Reposted</a>"
                + "<div class=\"e-content\"><p>\(Self.postText)</p></div></div>"))
        let server = try await ServerHarness(
            yaml: "moderation:\n  auto_approve: true", sites: [site.hostPort],
            allowHosts: [site.hostPort, scraper.hostPort, friend.hostPort])
        defer { server.cleanUp() }

        let copy = try await send(server, scraper.url("/copy"), post)
        #expect(try await settled(server, copy) == "pending")
        let reply = try await send(server, friend.url("/reply"), post)
        #expect(try await settled(server, reply) == "approved", "a reply that quotes a line is no copy")
        #expect(try await settled(server, try await send(server, friend.url("/repost"), post)) == "approved", "a repost is no copy")
        // Through the other door, too: a pingback is judged the same way.
        let ping = """
            <?xml version="1.0"?><methodCall><methodName>pingback.ping</methodName><params>
            <param><value>\(scraper.url("/copy-two"))</value></param><param><value>\(post)</value></param></params></methodCall>
            """
        let answer = try await server.send("POST", "/xmlrpc", body: Array(ping.utf8), headers: [("Content-Type", "text/xml")])
        #expect(answer.body.contains("registered"), "\(answer.body)")

        let listed = try await mentions(server)
        func mention(_ source: String) throws -> [String: Any] {
            try #require(listed.first { $0["source"] as? String == source }, "\(source) in \(listed)")
        }
        for source in [scraper.url("/copy"), scraper.url("/copy-two")] {
            let held = try mention(source.absoluteString)
            #expect(held["status"] as? String == "pending", "\(held)")
            #expect(held["spam_reasons"] as? [String] == ["copy-of-target"], "\(held)")
        }
        #expect(try mention(friend.url("/reply").absoluteString)["spam_reasons"] as? [String] == [])
        #expect(site.hits("/post") == 1, "the post is fetched once and kept: \(site.hits("/post"))")
        // The history says why, and `show` does too.
        let id = try #require(try mention(scraper.url("/copy").absoluteString)["id"] as? Int)
        let shown = try await LinkbackProcess.run(
            ["show", "\(id)", "--database", server.directory.file("linkback.sqlite")], environment: ["NO_COLOR": "1"])
        #expect(shown.stdout.contains("held for:  copy-of-target"), "\(shown.stdout)")
        #expect(shown.stdout.contains("queued → pending  (held: copy-of-target)"), "\(shown.stdout)")
        for fixture in [site, scraper, friend] { await fixture.stop() }
    }

    /// One text from three hosts within the window is a farm: the first two pass (nothing to
    /// compare with yet), the third and later are held; a text sent again by one host is no farm.
    @Test func oneTextFromSeveralHostsIsHeldFromTheThird() async throws {
        let post = URL(string: "https://blog.example/posts/1")!
        var farms: [FixtureServer] = []
        for host in ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"] {
            let farm = try await FixtureServer.start(host: host)
            farm.set("/a", .html("<article><h1>Top casinos</h1><p>\(Self.farmText)</p><a href=\"\(post)\">a great blog</a></article>"))
            farm.set("/b", .html("<p>Sponsored: \(Self.farmText) See <a href=\"\(post)\">this</a>.</p>"))
            farms.append(farm)
        }
        let server = try await ServerHarness(
            yaml: "moderation:\n  auto_approve: true\n\nadmin:\n  token: farm-secret", allowHosts: farms.map(\.hostPort))
        defer { server.cleanUp() }
        // Twice from the first host: one host is not a farm.
        #expect(try await settled(server, try await send(server, farms[0].url("/a"), post)) == "approved")
        #expect(try await settled(server, try await send(server, farms[0].url("/b"), post)) == "approved")
        #expect(try await settled(server, try await send(server, farms[1].url("/a"), post)) == "approved")
        #expect(try await settled(server, try await send(server, farms[2].url("/b"), post)) == "pending")
        #expect(try await settled(server, try await send(server, farms[3].url("/a"), post)) == "pending")
        let held = try await mentions(server).filter { $0["status"] as? String == "pending" }
        #expect(held.count == 2)
        #expect(held.allSatisfy { $0["spam_reasons"] as? [String] == ["copy-cluster"] }, "\(held)")

        // The owner sees the whole cluster from any of its mentions, and marks it spam at once.
        let heldID = try #require(held.first?["id"] as? Int)
        let cluster = try await server.send(
            "GET", "/admin/api/mentions/\(heldID)/cluster", headers: [("Authorization", "Bearer farm-secret")])
        let members = try #require(JSON.value(cluster.body) as? [[String: Any]], "\(cluster.body)")
        #expect(members.count == 5 && members.first?["id"] as? Int == heldID, "\(cluster.body)")
        let spammed = try await LinkbackProcess.run(
            ["spam", "--cluster", "\(heldID)", "--database", server.directory.file("linkback.sqlite")], environment: ["NO_COLOR": "1"])
        #expect(spammed.status == 0, "\(spammed.stderr)")
        #expect(spammed.stdout.contains("\(heldID): a cluster of 5 mentions"), "\(spammed.stdout)")
        let after = try await mentions(server)
        #expect(after.count == 5 && after.allSatisfy { $0["status"] as? String == "spam" }, "\(after.map { $0["status"] ?? "" })")
        let blocks = try await LinkbackProcess.run(["blocks", "--json", "--database", server.directory.file("linkback.sqlite")])
        for farm in farms { #expect(blocks.stdout.contains("http://\(farm.hostPort)/"), "\(blocks.stdout)") }
        for farm in farms { await farm.stop() }
    }
}

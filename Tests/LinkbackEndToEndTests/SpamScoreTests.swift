import Foundation
import LinkbackTestSupport
import Testing

/// The spam score through the real server: it learns from decisions made with the real CLI, so a
/// new look-alike of what the owner marked spam is caught while a genuine reply stays approved;
/// `linkback score retrain` rebuilds the same model from the database.
@Suite struct SpamScoreTests {
    static let post = "https://blog.example/posts/1"

    static func reply(_ author: String, _ text: String, date: Bool = true) -> FixtureServer.Page {
        .html(
            "<div class=\"h-entry\"><a class=\"p-author h-card\" href=\"/\(author.filter(\.isLetter))\">\(author)</a>"
                + (date ? "<time class=\"dt-published\" datetime=\"2026-12-01T10:00:00Z\">1 Dec</time>" : "")
                + "<a class=\"u-in-reply-to\" href=\"\(post)\">re</a><p class=\"e-content\">\(text)</p></div>")
    }

    static let genuine = [
        "My tomato seedlings finally sprouted after I moved them near the kitchen window, thank you.",
        "Your notes on pruning the apple tree were great; the orchard looks healthier this spring.",
        "I tried composting coffee grounds as you suggested and the soil in my garden beds improved.",
        "Lovely photos of the allotment; which variety of runner beans did you plant this season?",
    ]
    static let offers = [
        "Premium wholesale widgets with exclusive distributor pricing and guaranteed overnight shipping.",
        "Exclusive warehouse clearance: premium widgets, wholesale distributor rates, guaranteed delivery.",
        "Guaranteed lowest wholesale prices on premium widgets from our exclusive distributor warehouse.",
    ]

    private func send(_ server: ServerHarness, _ source: String) async throws -> [String: Any] {
        let sent = try await server.postForm("/webmention", [("source", source), ("target", Self.post)])
        let path = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
        return try await server.waitForStatus(path, in: ["pending", "approved", "spam"])
    }

    private func mentions(_ server: ServerHarness) async throws -> [[String: Any]] {
        let listed = try await LinkbackProcess.run(["list", "--all", "--json", "--config", server.configPath])
        return JSON.value(listed.stdout) as? [[String: Any]] ?? []
    }

    @Test func theScoreLearnsFromTheOwnersDecisions() async throws {
        let pages = try await FixtureServer.start()
        for (index, text) in Self.genuine.enumerated() { pages.set("/garden-\(index)", Self.reply("Gardener \(index)", text)) }
        for (index, text) in Self.offers.enumerated() { pages.set("/offer-\(index)", Self.reply("Deal Desk", text, date: false)) }
        pages.set("/offer-new", Self.reply("Deal Desk", "Premium distributor widgets at exclusive wholesale prices, guaranteed.", date: false))
        pages.set("/garden-new", Self.reply("Gardener 9", "The runner beans from your allotment post are climbing the fence now."))
        let server = try await ServerHarness(yaml: "moderation:\n  auto_approve: true", allowHosts: [pages.hostPort])
        defer { server.cleanUp() }

        // Day one: nothing learnt, and nothing here is in the built-in prior: all approved.
        for index in Self.genuine.indices {
            #expect(try await send(server, pages.url("/garden-\(index)").absoluteString)["status"] as? String == "approved")
        }
        for index in Self.offers.indices {
            #expect(try await send(server, pages.url("/offer-\(index)").absoluteString)["status"] as? String == "approved")
        }
        // The owner marks the offers spam with the CLI (the host is shared, so no block).
        let config = ["--config", server.configPath]
        for mention in try await mentions(server) where (mention["source"] as? String)?.contains("/offer-") == true {
            let id = try #require(mention["id"] as? Int)
            let score = try #require(mention["spam_score"] as? Double)
            #expect(score < 0.5, "\(mention)")
            let spammed = try await LinkbackProcess.run(["spam", "\(id)", "--no-block"] + config)
            #expect(spammed.status == 0, "\(spammed.stderr)")
        }

        // A new look-alike is caught, with its reasons; a new genuine reply is approved.
        let lookAlike = try await send(server, pages.url("/offer-new").absoluteString)
        #expect(lookAlike["status"] as? String == "spam", "\(lookAlike)")
        let reply = try await send(server, pages.url("/garden-new").absoluteString)
        #expect(reply["status"] as? String == "approved", "\(reply)")
        let stored = try await mentions(server)
        let caught = try #require(stored.first { ($0["source"] as? String)?.hasSuffix("/offer-new") == true })
        #expect(caught["spam_score"] as? Double ?? 0 >= 0.95, "\(caught)")
        #expect(caught["spam_reasons"] as? [String] == ["spam-score"], "\(caught)")
        let reasons = caught["score_reasons"] as? [String] ?? []
        // The words the owner's spam taught it, never the genuine replies' or the prior's.
        let taught = Set(["premium", "wholesale", "exclusive", "distributor", "guaranteed", "widgets", "prices"].map { "\"\($0)\"" })
        #expect(!reasons.isEmpty && reasons.allSatisfy(taught.contains), "\(reasons)")
        let fine = try #require(stored.first { ($0["source"] as? String)?.hasSuffix("/garden-new") == true })
        #expect(fine["spam_score"] as? Double ?? 1 < 0.5, "\(fine)")
        let show = try await LinkbackProcess.run(["show", "\(try #require(caught["id"] as? Int))"] + config)
        #expect(show.stdout.contains("spam → ") == false && show.stdout.contains("spam: spam-score"), "\(show.stdout)")

        // Rebuilt from the database, the model gives the same scores.
        let retrained = try await LinkbackProcess.run(["score", "retrain"] + config)
        #expect(retrained.status == 0, "\(retrained.stderr)")
        #expect(retrained.stdout.contains("learnt 8 mentions"), "\(retrained.stdout)")  // 5 approved, 3 spammed by the owner
        let explained = try await LinkbackProcess.run(["score", "explain", "\(try #require(caught["id"] as? Int))", "--json"] + config)
        let again = try #require(JSON.object(explained.stdout), "\(explained.stdout) \(explained.stderr)")
        #expect(again["spam_score"] as? Double ?? 0 >= 0.95, "\(again)")
        await pages.stop()
    }

    /// A source in another language than the post it links to says so among its reasons (the
    /// post read by copy detection); one in the post's language does not.
    @Test func aSourceInAnotherLanguageThanThePostSaysSo() async throws {
        let site = try await FixtureServer.start()
        site.set("/post", .html("<html lang=\"en\"><body><article><p>\(CopyDetectionTests.postText)</p></article></body></html>"))
        let post = site.url("/post")
        let sources = try await FixtureServer.start(host: "127.0.0.2")
        // Long enough for copy detection, which reads the post (and so learns its language).
        let german = """
            Letztes Wochenende habe ich endlich den Gartenschuppen wieder aufgebaut, den die Winterstürme umgeworfen
            hatten. Der alte Rahmen war aus Kiefer, weich und an jeder Verbindung gespalten, also habe ich diesmal
            Lärchenpfosten auf Betonplatten gesetzt und ein Dach aus Wellblech mit Gummischeiben verschraubt. Am
            schwierigsten war es, die Wände am Hang rechtwinklig zu bekommen, aber jetzt schließt die Tür endlich.
            """
        sources.set("/de", .html("<html lang=\"de-DE\"><body><p>\(german) <a href=\"\(post)\">hier</a></p></body></html>"))
        let english = """
            Your account of the shed made me smile, because I spent last autumn doing nearly the same thing with a
            chicken coop that a fallen branch had crushed. I went with cedar rather than larch, set the posts in
            gravel instead of concrete, and learned the hard way that a level on a slope lies unless you check it twice.
            Thanks for the tip about rubber washers under the roofing screws; mine leak in every heavy rain.
            """
        sources.set("/en", .html("<html lang=\"en-GB\"><body><p>\(english) <a href=\"\(post)\">here</a></p></body></html>"))
        let server = try await ServerHarness(sites: [site.hostPort], allowHosts: [site.hostPort, sources.hostPort])
        defer { server.cleanUp() }
        for page in ["/de", "/en"] {
            let sent = try await server.postForm("/webmention", [("source", sources.url(page).absoluteString), ("target", post.absoluteString)])
            let path = try #require(sent.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: "")
            _ = try await server.waitForStatus(path, in: ["pending", "approved"])
        }
        let stored = try await mentions(server)
        func reasons(_ page: String) -> [String] {
            stored.first { ($0["source"] as? String)?.hasSuffix(page) == true }?["score_reasons"] as? [String] ?? ["missing"]
        }
        #expect(reasons("/de").contains("another language than the post's"), "\(reasons("/de"))")
        #expect(!reasons("/en").contains("another language than the post's"), "\(reasons("/en"))")
        await site.stop()
        await sources.stop()
    }

    /// `policy test` weighs the stored scores against a candidate's thresholds, changing nothing.
    @Test func aPolicyTestComparesTheStoredScoresWithTheCandidatesThresholds() async throws {
        let pages = try await FixtureServer.start()
        pages.set("/garden", Self.reply("Gardener", Self.genuine[0]))
        let server = try await ServerHarness(yaml: "moderation:\n  auto_approve: true", allowHosts: [pages.hostPort])
        defer { server.cleanUp() }
        #expect(try await send(server, pages.url("/garden").absoluteString)["status"] as? String == "approved")
        let config = try String(contentsOfFile: server.configPath, encoding: .utf8)
        for (threshold, outcome) in [("hold_at", "pending"), ("spam_at", "spam")] {
            let candidate = try server.directory.write(
                "\(threshold).yaml", config.replacingOccurrences(of: "spam:\n", with: "spam:\n  score:\n    \(threshold): 0.01\n"))
            let trial = try await LinkbackProcess.run(["policy", "test", "--candidate", candidate, "--json", "--config", server.configPath])
            #expect(trial.status == 0, "\(trial.stderr)")
            let changes = JSON.value(trial.stdout) as? [[String: Any]] ?? []
            #expect(changes.count == 1 && changes.first?["to"] as? String == outcome, "\(trial.stdout)")
            #expect((changes.first?["reasons"] as? [String])?.contains("spam-score") == true, "\(trial.stdout)")
        }
        #expect(try await mentions(server).map { $0["status"] as? String } == ["approved"], "nothing changed")
        await pages.stop()
    }
}

import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif
import Hummingbird
import HummingbirdTesting
import LinkbackServer
import LinkbackTestSupport
import Logging
import Testing
import LinkbackKit
import LinkbackStore

/// The public read API through the router, over a real SQLite file: webmention.io's parameters and
/// shapes, approved mentions only, token and domain scoping, caching and CORS.
@Suite struct ReadAPITests {
    static let token = "read-token-0123456789"
    static let otherToken = "other-token-0123456789"

    /// A server with two sites and mentions in every status; `body` gets the app's test client.
    /// `rsvps` adds approved RSVPs (their answers, in reception order) to `https://blog.example/p4`.
    private func withAPI(
        rsvps: [String] = [], _ body: @escaping @Sendable (any TestClientProtocol, [String: Mention]) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var config = Config.defaults
        config.sites = [HostPort(host: "blog.example", port: nil), HostPort(host: "other.example", port: nil)]
        config.api.tokens = [
            .init(token: Self.token, sites: [HostPort(host: "blog.example", port: nil)]),
            .init(token: Self.otherToken, sites: config.sites),
        ]
        config.api.maxAge = 120
        let store = try SQLiteMentionStore(path: directory.file("db.sqlite"))
        var mentions: [String: Mention] = [:]
        func add(_ name: String, source: String, target: String, site: String = "blog.example", status: MentionStatus,
            _ content: MentionContent, received: Date) async throws
        {
            mentions[name] = try await store.storeVerified(
                IncomingMention(source: source, target: target, site: site, protocol: .webmention), status: status,
                content: content, actor: .server, received: received)
        }
        let t0 = Date(timeIntervalSince1970: 1_780_000_000)
        try await add("reply", source: "https://alice.example/r", target: "https://blog.example/p1", status: .approved,
            MentionContent(type: .reply, title: "Re: p1", contentHTML: "<p>Agreed</p>", contentText: "Agreed",
                authorName: "Alice", authorURL: "https://alice.example/", authorPhoto: "https://alice.example/a.jpg",
                published: "2026-06-01T10:00:00Z"), received: t0)
        try await add("like", source: "https://bob.example/l", target: "https://blog.example/p1", status: .approved,
            MentionContent(type: .like, authorName: "Bob"), received: t0.addingTimeInterval(60))
        try await add("rsvp", source: "https://carol.example/e", target: "https://blog.example/p2", status: .approved,
            MentionContent(type: .rsvp, rsvp: "yes", authorName: "Carol"), received: t0.addingTimeInterval(120))
        try await add("pending", source: "https://dave.example/x", target: "https://blog.example/p1", status: .pending,
            MentionContent(type: .mention), received: t0.addingTimeInterval(180))
        try await add("spam", source: "https://spam.example/x", target: "https://blog.example/p1", status: .spam,
            MentionContent(type: .mention), received: t0.addingTimeInterval(190))
        try await add("other", source: "https://erin.example/m", target: "https://other.example/q", site: "other.example",
            status: .approved, MentionContent(type: .mention, excerpt: "[…] see this […]", authorName: "Erin"),
            received: t0.addingTimeInterval(240))
        try await add("xss", source: "https://mallory.example/x", target: "https://blog.example/p3", status: .approved,
            MentionContent(type: .reply, title: "<script>alert(1)</script>", contentHTML: "<p>hi</p>",
                contentText: "<img src=x onerror=alert(2)>", authorName: "<img src=x onerror=alert(3)>"),
            received: t0.addingTimeInterval(300))
        for (index, answer) in rsvps.enumerated() {
            try await add("rsvp-\(index)", source: "https://guest\(index).example/e", target: "https://blog.example/p4", status: .approved,
                MentionContent(type: .rsvp, rsvp: answer, authorName: "Guest \(index)"), received: t0.addingTimeInterval(400 + Double(index)))
        }
        let log = try RejectionLog(destination: directory.file("fail2ban.log"))
        let server = LinkbackServer(config: config, store: store, rejectionLog: log, logger: Logger(label: "test"))
        let snapshot = mentions
        try await server.application().test(.router) { client in try await body(client, snapshot) }
        try await store.close()
    }

    static func get(_ client: any TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws
        -> (status: HTTPResponse.Status, headers: HTTPFields, body: String)
    {
        try await client.execute(uri: uri, method: .get, headers: headers) { response in
            (response.status, response.headers, String(buffer: response.body))
        }
    }

    static func children(_ body: String) throws -> [[String: Any]] {
        let feed = try #require(JSON.object(body))
        #expect(feed["type"] as? String == "feed")
        return try #require(feed["children"] as? [[String: Any]])
    }

    @Test func jf2ListsApprovedMentionsOfATargetInWebmentionIOsShape() async throws {
        try await withAPI { client, mentions in
            let answer = try await Self.get(client, "/api/mentions.jf2?target=https://blog.example/p1")
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType] == "application/json; charset=utf-8")
            let children = try Self.children(answer.body)
            #expect(children.compactMap { $0["wm-source"] as? String } == ["https://bob.example/l", "https://alice.example/r"])
            let reply = try #require(children.last)
            let expected = """
                {"type": "entry", "url": "https://alice.example/r", "published": "2026-06-01T10:00:00Z",
                 "wm-received": "2026-05-28T20:26:40Z", "wm-id": \(mentions["reply"]!.id),
                 "wm-source": "https://alice.example/r", "wm-target": "https://blog.example/p1", "wm-protocol": "webmention",
                 "wm-property": "in-reply-to", "wm-private": false, "in-reply-to": "https://blog.example/p1", "name": "Re: p1",
                 "author": {"type": "card", "name": "Alice", "url": "https://alice.example/", "photo": "https://alice.example/a.jpg"},
                 "content": {"html": "<p>Agreed</p>", "text": "Agreed"}}
                """
            let actual = String(decoding: try JSONSerialization.data(withJSONObject: reply), as: UTF8.self)
            #expect(JSON.same(actual, expected), "\(actual)")
            let like = try #require(children.first)
            #expect(like["like-of"] as? String == "https://blog.example/p1")
            #expect(like["published"] is NSNull)
            #expect(like["content"] == nil)
        }
    }

    @Test func legacyLinksShape() async throws {
        try await withAPI { client, mentions in
            for path in ["/api/mentions", "/api/mentions.json"] {
                let answer = try await Self.get(client, path + "?target=https://blog.example/p1&sort-dir=up")
                let links = try #require(JSON.object(answer.body)?["links"] as? [[String: Any]])
                #expect(links.count == 2)
                let reply = links[0]
                #expect(reply["source"] as? String == "https://alice.example/r")
                #expect(reply["target"] as? String == "https://blog.example/p1")
                #expect(reply["verified"] as? Bool == true)
                #expect(reply["private"] as? Bool == false)
                #expect(reply["id"] as? Int == Int(mentions["reply"]!.id))
                #expect(reply["verified_date"] is String)
                #expect((reply["activity"] as? [String: Any])?["type"] as? String == "reply")
                let data = try #require(reply["data"] as? [String: Any])
                #expect(data["url"] as? String == "https://alice.example/r")
                #expect(data["name"] as? String == "Re: p1")
                #expect(data["content"] as? String == "<p>Agreed</p>")
                #expect(data["published"] as? String == "2026-06-01T10:00:00Z")
                #expect(data["published_ts"] as? Int == 1_780_308_000)
                #expect((data["author"] as? [String: Any])?["name"] as? String == "Alice")
                #expect((links[1]["activity"] as? [String: Any])?["type"] as? String == "like")
            }
        }
    }

    @Test func parametersFilterSortAndPage() async throws {
        try await withAPI { client, mentions in
            func sources(_ query: String) async -> [String] {
                do {
                    let answer = try await Self.get(client, "/api/mentions.jf2?" + query)
                    #expect(answer.status == .ok, "\(query): \(answer.body)")
                    return try Self.children(answer.body).compactMap { $0["wm-source"] as? String }
                } catch {
                    Issue.record("\(query): \(error)")
                    return []
                }
            }
            let p1 = "target=https%3A%2F%2Fblog.example%2Fp1"
            // Several targets, in both spellings, and targets in another spelling of the same URL.
            #expect(await sources("target[]=https://blog.example/p1&target%5B%5D=HTTPS://BLOG.example/p2").count == 3)
            #expect(await sources("\(p1)&wm-property=like-of") == ["https://bob.example/l"])
            #expect(await sources("target[]=https://blog.example/p1&target[]=https://blog.example/p2&wm-property[]=rsvp&wm-property[]=in-reply-to")
                == ["https://carol.example/e", "https://alice.example/r"])
            #expect(await sources("\(p1)&sort-dir=up") == ["https://alice.example/r", "https://bob.example/l"])
            #expect(await sources("\(p1)&per-page=1") == ["https://bob.example/l"])
            #expect(await sources("\(p1)&perPage=1&page=1") == ["https://alice.example/r"])
            #expect(await sources("\(p1)&per-page=1&page=2").isEmpty)
            #expect(await sources("\(p1)&since=2026-05-28T20:27:00Z") == ["https://bob.example/l"])
            #expect(await sources("\(p1)&since_id=\(mentions["reply"]!.id)") == ["https://bob.example/l"])
            #expect(await sources("\(p1)&sort-by=published&sort-dir=down") == ["https://alice.example/r", "https://bob.example/l"])
            #expect(await sources("\(p1)&sort-by=updated").count == 2)
        }
    }

    /// webmention.io's `sort-by=rsvp`: yes, maybe, interested, no, each by reception.
    @Test func rsvpsSortByTheirAnswer() async throws {
        try await withAPI(rsvps: ["no", "yes", "interested", "maybe", "yes"]) { client, _ in
            let answer = try await Self.get(client, "/api/mentions.jf2?target=https://blog.example/p4&sort-by=rsvp&sort-dir=up")
            let order = try Self.children(answer.body).compactMap { $0["wm-source"] as? String }
            #expect(order == ["1", "4", "3", "2", "0"].map { "https://guest\($0).example/e" }, "\(order)")
            // Down (the default): still yes first, the later yes before the earlier.
            let down = try await Self.get(client, "/api/mentions.jf2?target=https://blog.example/p4&sort-by=rsvp")
            #expect(try Self.children(down.body).compactMap { $0["wm-source"] as? String }.prefix(2)
                == ["https://guest4.example/e", "https://guest1.example/e"])
            let bad = try await Self.get(client, "/api/mentions.jf2?target=https://blog.example/p4&sort-by=answer")
            #expect(bad.status == .badRequest && bad.body.contains("rsvp"))
        }
    }

    /// `jsonp=NAME` wraps the JSON answers for a script tag; anything but a plain name is refused,
    /// and so is JSONP for a token that sees Private Webmentions. `/api/links` is the old name.
    @Test func jsonpAndTheOldLinksPath() async throws {
        try await withAPI { client, _ in
            let p1 = "target=https://blog.example/p1"
            let wrapped = try await Self.get(client, "/api/mentions.jf2?\(p1)&jsonp=window.showMentions")
            #expect(wrapped.status == .ok)
            #expect(wrapped.headers[.contentType] == "application/javascript; charset=utf-8")
            #expect(wrapped.headers[.init("X-Content-Type-Options")!] == "nosniff")
            #expect(wrapped.body.hasPrefix("/**/window.showMentions({") && wrapped.body.hasSuffix("});"))
            let json = String(wrapped.body.dropFirst("/**/window.showMentions(".count).dropLast(2))
            #expect(try Self.children(json).count == 2)
            let plain = try await Self.get(client, "/api/mentions.jf2?\(p1)")
            #expect(plain.headers[.eTag] != wrapped.headers[.eTag])
            let count = try await Self.get(client, "/api/count.json?\(p1)&jsonp=cb")
            #expect(count.body.hasPrefix("/**/cb({") && count.body.contains("\"count\":2"))
            for name in ["alert(1)", "a;b", "1abc", "a..b", "<x>", String(repeating: "a", count: 65), ""] {
                let refused = try await Self.get(client, "/api/mentions.jf2?\(p1)&jsonp=" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
                #expect(refused.status == .badRequest, "\(name)")
            }
            let atom = try await Self.get(client, "/api/mentions.atom?\(p1)&jsonp=cb")
            #expect(atom.status == .badRequest)
            let links = try await Self.get(client, "/api/links?\(p1)")
            #expect(links.status == .ok && (JSON.object(links.body)?["links"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test func onlyApprovedMentionsEver() async throws {
        try await withAPI { client, _ in
            let all = try await Self.get(client, "/api/mentions.jf2?token=\(Self.otherToken)&per-page=1000")
            let sources = Set(try Self.children(all.body).compactMap { $0["wm-source"] as? String })
            #expect(!sources.contains("https://dave.example/x") && !sources.contains("https://spam.example/x"))
            #expect(sources.count == 5)
            let count = try await Self.get(client, "/api/count?target=https://blog.example/p1")
            #expect(JSON.same(count.body, #"{"count":2,"type":{"like":1,"reply":1}}"#), "\(count.body)")
            let countJSON = try await Self.get(client, "/api/count.json?target=https://blog.example/p2")
            #expect(JSON.same(countJSON.body, #"{"count":1,"type":{"rsvp":1}}"#), "\(countJSON.body)")
        }
    }

    @Test func aTokenSeesOnlyItsSitesAndDomainNarrowsThem() async throws {
        try await withAPI { client, _ in
            let blog = try await Self.get(client, "/api/mentions.jf2?token=\(Self.token)&per-page=1000")
            let targets = Set(try Self.children(blog.body).compactMap { $0["wm-target"] as? String })
            #expect(targets == ["https://blog.example/p1", "https://blog.example/p2", "https://blog.example/p3"])
            // Another site's domain, or its target, through this token: nothing of it.
            let refused = try await Self.get(client, "/api/mentions.jf2?token=\(Self.token)&domain=other.example")
            #expect(refused.status == .forbidden)
            let viaTarget = try await Self.get(client, "/api/mentions.jf2?token=\(Self.token)&target=https://other.example/q")
            #expect(try Self.children(viaTarget.body).isEmpty)
            let narrowed = try await Self.get(client, "/api/mentions.jf2?token=\(Self.otherToken)&domain=other.example")
            #expect(try Self.children(narrowed.body).compactMap { $0["wm-source"] as? String } == ["https://erin.example/m"])
        }
    }

    @Test(arguments: [
        ("/api/mentions.jf2", HTTPResponse.Status.badRequest, "invalid_input"),
        ("/api/mentions.jf2?token=wrong-token-0123456789", .unauthorized, "invalid_token"),
        ("/api/mentions.jf2?target=not-a-url", .badRequest, "invalid_input"),
        ("/api/mentions.jf2?target=https://blog.example/p1&per-page=0", .badRequest, "invalid_input"),
        ("/api/mentions.jf2?target=https://blog.example/p1&per-page=10001", .badRequest, "invalid_input"),
        ("/api/mentions.jf2?target=https://blog.example/p1&page=-1", .badRequest, "invalid_input"),
        ("/api/mentions.jf2?target=https://blog.example/p1&sort-by=size", .badRequest, "invalid_input"),
        ("/api/mentions.jf2?target=https://blog.example/p1&sort-dir=left", .badRequest, "invalid_input"),
        ("/api/mentions.jf2?target=https://blog.example/p1&since=yesterday", .badRequest, "invalid_input"),
        ("/api/mentions.jf2?target=https://blog.example/p1&since_id=x", .badRequest, "invalid_input"),
        ("/api/mentions.jf2?target=https://blog.example/p1&wm-property=likes", .badRequest, "invalid_input"),
        ("/api/mentions.jf2?domain=blog.example", .badRequest, "invalid_input"),
        ("/api/count", .badRequest, "invalid_input"),
        ("/api/mentions?target=%ZZ", .badRequest, "invalid_input"),
    ])
    func invalidRequestsNameTheProblem(uri: String, status: HTTPResponse.Status, error: String) async throws {
        try await withAPI { client, _ in
            let answer = try await Self.get(client, uri)
            #expect(answer.status == status, "\(uri): \(answer.body)")
            let object = JSON.object(answer.body)
            #expect(object?["error"] as? String == error)
            #expect((object?["error_description"] as? String)?.isEmpty == false)
            #expect(answer.headers[.accessControlAllowOrigin] == "*")
        }
    }

    @Test func cachingAndCORS() async throws {
        try await withAPI { client, _ in
            let uri = "/api/mentions.jf2?target=https://blog.example/p1"
            let first = try await Self.get(client, uri)
            #expect(first.headers[.accessControlAllowOrigin] == "*")
            #expect(first.headers[.cacheControl] == "public, max-age=120")
            let tag = try #require(first.headers[.eTag])
            let again = try await Self.get(client, uri, headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified)
            #expect(again.body.isEmpty)
            #expect(again.headers[.eTag] == tag)
            let other = try await Self.get(client, "/api/mentions.jf2?target=https://blog.example/p2", headers: [.ifNoneMatch: tag])
            #expect(other.status == .ok)
            #expect(other.headers[.eTag] != tag)
        }
    }

    @Test func markupComesOutInert() async throws {
        try await withAPI { client, _ in
            // JSON carries it as data (a theme must escape it, as it must for webmention.io);
            // the Atom feed escapes it.
            let atom = try await Self.get(client, "/api/mentions.atom?target=https://blog.example/p3")
            #expect(atom.status == .ok)
            #expect(atom.headers[.contentType] == "application/atom+xml; charset=utf-8")
            #expect(!atom.body.contains("<script") && !atom.body.contains("<img"))
            #expect(atom.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            // Well-formed XML, as a feed reader needs.
            #expect(XMLParser(data: Data(atom.body.utf8)).parse(), "\(atom.body)")
            let jf2 = try Self.children(try await Self.get(client, "/api/mentions.jf2?target=https://blog.example/p3").body)
            #expect((jf2.first?["author"] as? [String: Any])?["name"] as? String == "<img src=x onerror=alert(3)>")
        }
    }
    /// `/api/mentions.html` is the widget's rendering: faces under their count, comments oldest
    /// first and paged ("Show more" links to the next page, which holds comments only), in the
    /// reader's language with the month named.
    @Test func theFragmentPagesAndSpeaksTheReadersLanguage() async throws {
        try await withAPI(rsvps: ["yes", "no", "maybe"]) { client, mentions in
            let post = try await Self.get(client, "/api/mentions.html?target=https://blog.example/p1")
            #expect(post.status == .ok)
            #expect(post.body.hasPrefix(#"<section class="linkback" lang="en"><h2 class="linkback-heading">Mentions</h2>"#), "\(post.body)")
            #expect(post.body.contains(#"<h3>Likes <span class="linkback-count">1</span></h3>"#))
            #expect(post.body.contains(#"<time datetime="2026-06-01T10:00:00Z">Jun 1, 2026</time>"#), "\(post.body)")
            // Alice's photo over her initial.
            #expect(post.body.contains(#"<span class="linkback-avatar" aria-hidden="true">A<img src="https://alice.example/a.jpg" alt="" data-initial="A""#))
            #expect(!post.body.contains("linkback-more"))

            let german = try await Self.get(client, "/api/mentions.html?target=https://blog.example/p1&lang=de-AT")
            #expect(german.body.contains("Erwähnungen") && german.body.contains("antwortete") && german.body.contains("1. Juni 2026"),
                "\(german.body)")
            #expect(german.headers[.eTag] != post.headers[.eTag])
            // A language without words of its own is English.
            let japanese = try await Self.get(client, "/api/mentions.html?target=https://blog.example/p1&lang=ja")
            #expect(japanese.body == post.body)
            let bad = try await Self.get(client, "/api/mentions.html?target=https://blog.example/p1&lang=%3Cscript%3E")
            #expect(bad.status == .badRequest && bad.body.contains("lang must be a language tag"), "\(bad.body)")

            // Three RSVPs, two a page.
            let first = try await Self.get(client, "/api/mentions.html?target=https://blog.example/p4&per-page=2&lang=fr")
            let ids = (0..<3).compactMap { mentions["rsvp-\($0)"]?.id }
            #expect(first.body.contains(#"<li id="mention-\#(ids[0])">"#) && first.body.contains(#"<li id="mention-\#(ids[1])">"#))
            #expect(!first.body.contains(#"<li id="mention-\#(ids[2])">"#))
            #expect(first.body.contains("Réponse : yes"), "\(first.body)")
            let next = "/api/mentions.html?target=https%3A%2F%2Fblog.example%2Fp4&amp;per-page=2&amp;lang=fr&amp;page=1"
            #expect(first.body.contains(#"\#(next)" rel="nofollow">Afficher plus</a>"#), "\(first.body)")
            let second = try await Self.get(client, "/api/mentions.html?target=https://blog.example/p4&per-page=2&lang=fr&page=1")
            #expect(second.body.hasPrefix(#"<section class="linkback" lang="fr"><ol class="linkback-comments"><li id="mention-\#(ids[2])">"#),
                "\(second.body)")
            #expect(!second.body.contains("linkback-more") && !second.body.contains("<h2"))
            // A build's read token never goes into the page's "Show more" link.
            let built = try await Self.get(client, "/api/mentions.html?target=https://blog.example/p4&per-page=2&token=\(Self.token)")
            #expect(built.body.contains("page=1") && !built.body.contains(Self.token), "\(built.body)")
        }
    }
}

import Foundation
import Testing

@testable import LinkbackKit

/// Extraction from real-world-shaped pages (in Fixtures/pages), checked without a network.
@Suite struct MentionExtractionTests {
    static let pages = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pages")
    let target = URL(string: "https://blog.example/posts/1")!

    private func content(_ name: String, source: String, target: URL? = nil) throws -> VerificationOutcome {
        let bytes = try [UInt8](Data(contentsOf: Self.pages.appendingPathComponent(name)))
        let resource = FetchedResource(url: URL(string: source)!, status: 200, mediaType: "text/html", charset: nil, body: bytes)
        let verifier = Verifier(fetcher: GuardedFetcher(limits: FetchLimits(), userAgent: "test"))
        return verifier.check(resource, target: target ?? self.target)
    }

    @Test func wordPressPostWithoutMicroformatsGivesTitleAndExcerpt() throws {
        guard case .linkFound(let mention, _) = try content("wordpress-post.html", source: "https://carol.example/2026/11/comments/") else {
            Issue.record("no link found")
            return
        }
        #expect(mention.type == .mention)
        #expect(mention.title == "Thoughts on static site comments – Carol's Notes")
        #expect(mention.authorName == "carol.example")
        // At most 100 characters either side of the link text, cut at word boundaries.
        #expect(
            mention.excerpt
                == "[…] to solve the problem with external services, and the results have been mixed at best. Dave wrote a great overview of webmention receivers last week, which convinced me to switch away from my old comment plugin for good. More on that […]"
        )
        #expect(mention.contentHTML == nil)
    }

    @Test func wordPressLinkOnlyInScriptOrCommentTextIsNoLink() throws {
        let other = URL(string: "https://blog.example/posts/2")!
        #expect(try content("wordpress-post.html", source: "https://carol.example/p", target: other) == .noLink)
    }

    @Test func knownReplyGivesTypeAuthorAndSanitisedContent() throws {
        guard case .linkFound(let mention, _) = try content("known-reply.html", source: "https://erin.example/2026/agreed") else {
            Issue.record("no link found")
            return
        }
        #expect(mention.type == .reply)
        #expect(mention.authorName == "Erin Example")
        #expect(mention.authorURL == "https://erin.example/profile/erin")
        #expect(mention.authorPhoto == "https://erin.example/file/abc/erin.jpg")
        #expect(mention.published == "2026-11-24T18:30:00+00:00")
        #expect(mention.title == nil)
        #expect(mention.contentText == "Agreed about the fetch limits. a chart Click")
        #expect(
            mention.contentHTML
                == #"<p>Agreed about the <strong>fetch limits</strong>. <img src="https://erin.example/file/def/chart.png" alt="a chart"> <a>Click</a></p>"#
        )
        #expect(mention.excerpt == nil)
    }

    /// Review item 9: the stored text keeps blocks apart ("talkingOne question" before); the
    /// microformats value itself stays the spec's text content.
    @Test func theTextOfSeveralParagraphsKeepsThemApart() throws {
        let html = """
            <div class="h-entry"><div class="e-content"><p>We were talking</p><p>One question</p><ul><li>first</li>\
            <li>second<br>line</li></ul><a class="u-in-reply-to" href="https://blog.example/posts/1">re</a></div></div>
            """
        let resource = FetchedResource(
            url: URL(string: "https://a.example/r")!, status: 200, mediaType: "text/html", charset: nil, body: Array(html.utf8))
        let verifier = Verifier(fetcher: GuardedFetcher(limits: FetchLimits(), userAgent: "test"))
        guard case .linkFound(let mention, _) = verifier.check(resource, target: target) else {
            Issue.record("no link found")
            return
        }
        #expect(mention.contentText == "We were talking One question first second line re")
        let document = HTMLDocument(resource)
        let content = try #require(MF2Parser.parse(document).items.first?["content"].first)
        guard case .html(let embedded, _) = content else { Issue.record("no e-content"); return }
        #expect(embedded.value == "We were talkingOne questionfirstsecondlinere")
    }

    /// Review F11: a spam page's megabyte-long author name, title, date and comments are stored
    /// within fixed limits (and at most 50 comments).
    @Test func everyStoredFieldHasALimit() throws {
        let huge = String(repeating: "spam ", count: 2_000)
        let comment = "<div class=\"p-comment h-cite\"><span class=\"p-author\">\(huge)</span> <span class=\"p-name\">\(huge)</span></div>"
        let html = """
            <div class="h-entry"><span class="p-name">\(huge)</span><time class="dt-published">\(huge)</time>\
            <a class="p-author h-card" href="https://a.example/\(String(repeating: "x", count: 5000))">\(huge)</a>\
            <a class="u-in-reply-to" href="https://blog.example/posts/1">re</a>\(String(repeating: comment, count: 60))</div>
            """
        let resource = FetchedResource(
            url: URL(string: "https://a.example/r")!, status: 200, mediaType: "text/html", charset: nil, body: Array(html.utf8))
        let verifier = Verifier(fetcher: GuardedFetcher(limits: FetchLimits(), userAgent: "test"), extractionBudget: 100_000_000)
        guard case .linkFound(let mention, _) = verifier.check(resource, target: target) else {
            Issue.record("no link found")
            return
        }
        #expect((mention.authorName?.count ?? 0) <= StoredText.Limit.name)
        #expect(mention.authorURL == nil)  // too long to keep: a cut URL would point elsewhere
        #expect((mention.title?.count ?? 0) <= StoredText.Limit.name)
        #expect((mention.published?.count ?? 0) <= StoredText.Limit.date)
        let children = try #require(mention.children)
        #expect(children.count == 50)
        #expect(children.allSatisfy { ($0.authorName?.count ?? 0) <= StoredText.Limit.name && ($0.name?.count ?? 0) <= StoredText.Limit.name })
    }

    @Test func bridgyLikeGivesLikeAndTheAuthorCard() throws {
        guard case .linkFound(let mention, _) = try content("bridgy-like.html", source: "https://brid.gy/like/mastodon/@frank/123/456") else {
            Issue.record("no link found")
            return
        }
        #expect(mention.type == .like)
        #expect(mention.authorName == "Frank Example")
        #expect(mention.authorURL == "https://social.example/@frank")
        #expect(mention.authorPhoto == "https://social.example/avatars/frank.png")
    }

    @Test func likeOfSomethingElseIsAMention() throws {
        // The page likes another post and merely links to ours.
        let html = """
            <div class="h-entry"><a class="u-like-of" href="https://other.example/">x</a>
            <p class="e-content">see <a href="https://blog.example/posts/1">this</a></p></div>
            """
        let resource = FetchedResource(url: URL(string: "https://s.example/")!, status: 200, mediaType: "text/html",
            charset: "utf-8", body: Array(html.utf8))
        guard case .linkFound(let mention, _) = Verifier(fetcher: GuardedFetcher(limits: FetchLimits(), userAgent: "t"))
            .check(resource, target: target)
        else {
            Issue.record("no link found")
            return
        }
        #expect(mention.type == .mention)
        #expect(mention.authorName == "s.example")
    }

    @Test func rsvpCarriesItsValue() throws {
        guard case .linkFound(let mention, _) = try content("rsvp.html", source: "https://gina.example/rsvp/1") else {
            Issue.record("no link found")
            return
        }
        #expect(mention.type == .rsvp)
        #expect(mention.rsvp == "yes")
        #expect(mention.authorName == "Gina")
        #expect(mention.authorURL == "https://gina.example/")
    }

    @Test func contentIsCutToTheConfiguredLength() {
        let html = #"<div class="h-entry"><div class="e-content"><p>"# + String(repeating: "word ", count: 200)
            + #"<a href="https://blog.example/posts/1">link</a></p></div></div>"#
        guard let mention = checked(html, maxContentLength: 100) else { return }
        #expect(mention.contentText?.count == 101)
        #expect(mention.contentText?.hasSuffix("…") == true)
        #expect(mention.contentHTML?.contains("<") == false)
    }

    /// The mention a verifier with `maxContentLength` finds in `html` (an issue recorded when none).
    private func checked(_ html: String, maxContentLength: Int) -> MentionContent? {
        let resource = FetchedResource(url: URL(string: "https://s.example/")!, status: 200, mediaType: "text/html",
            charset: "utf-8", body: Array(html.utf8))
        let verifier = Verifier(fetcher: GuardedFetcher(limits: FetchLimits(), userAgent: "t"), maxContentLength: maxContentLength)
        guard case .linkFound(let mention, _) = verifier.check(resource, target: target) else {
            Issue.record("no link found")
            return nil
        }
        return mention
    }

    /// The limit counts characters, not bytes: 100 two-byte characters are kept whole, 101 are cut.
    @Test(arguments: [(96, false), (97, true)])
    func theLimitIsInCharacters(accents: Int, cut: Bool) {
        let html = #"<div class="h-entry"><div class="e-content">"# + String(repeating: "é", count: accents)
            + #"<a href="https://blog.example/posts/1">link</a></div></div>"#
        guard let mention = checked(html, maxContentLength: 100) else { return }
        let expected = cut ? String(repeating: "é", count: 97) + "lin…" : String(repeating: "é", count: 96) + "link"
        #expect(mention.contentText == expected)
    }
}

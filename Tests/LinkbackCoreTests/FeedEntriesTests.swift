import Foundation
import Testing

@testable import LinkbackCore
@testable import LinkbackKit

/// The feeds `linkback send --feed` reads, as blogs publish them (the Atom one is also read
/// through the real server in SendTests).
@Suite struct FeedEntriesTests {
    private func entries(_ body: String, type: String) -> Result<[FeedEntry], FeedEntries.Failure> {
        FeedEntries.of(FetchedResource(
            url: URL(string: "https://blog.example/feed")!, status: 200, mediaType: type, charset: "utf-8", body: Array(body.utf8)))
    }

    private func summary(_ result: Result<[FeedEntry], FeedEntries.Failure>) -> [String] {
        ((try? result.get()) ?? []).map { "\($0.url.absoluteString) \($0.updated.map { $0.iso8601 } ?? "-")" }
    }

    @Test func rssItemsWithLinksGuidsAndRFC822Dates() {
        let rss = """
            <?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Blog</title>
            <atom:link href="https://blog.example/feed" rel="self"/>
            <item><title>One</title><link>https://blog.example/1</link><pubDate>Sat, 05 Dec 2026 10:00:00 +0000</pubDate></item>
            <item><title>Two</title><guid>https://blog.example/2</guid><pubDate>Fri, 4 Dec 2026 09:30:00 GMT</pubDate></item>
            <item><title>Not a link</title><guid isPermaLink="false">tag:blog.example,2026:3</guid></item>
            <item><title>Again</title><link> https://blog.example/1 </link></item>
            </channel></rss>
            """
        #expect(summary(entries(rss, type: "application/rss+xml")) == [
            "https://blog.example/1 2026-12-05T10:00:00Z", "https://blog.example/2 2026-12-04T09:30:00Z",
        ])
    }

    @Test func atomJSONFeedAndHFeed() {
        let atom = """
            <feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="self" href="/self"/><link rel="alternate" href="/posts/a"/>
            <published>2026-12-01T00:00:00Z</published></entry><entry><link href="ftp://x/"/></entry></feed>
            """
        #expect(summary(entries(atom, type: "application/atom+xml")) == ["https://blog.example/posts/a 2026-12-01T00:00:00Z"])
        let json = #"{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"https://blog.example/j","date_modified":"2026-12-02T08:00:00+01:00"}]}"#
        #expect(summary(entries(json, type: "application/feed+json")) == ["https://blog.example/j 2026-12-02T07:00:00Z"])
        let html = """
            <div class="h-feed"><article class="h-entry"><a class="u-url" href="/h/1"><time class="dt-published" datetime="2026-12-03">3 Dec</time></a></article>
            <article class="h-entry"><a class="u-url" href="/h/2">undated</a></article></div>
            """
        #expect(summary(entries(html, type: "text/html")) == ["https://blog.example/h/1 2026-12-03T00:00:00Z", "https://blog.example/h/2 -"])
    }

    @Test func whatIsNotAFeedSaysSo() {
        for (body, why) in [
            ("<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x \"y\">]><rss/>", "DOCTYPE"),
            ("<rss><channel>", "well-formed"),
            ("<html/>", "<html>"),
        ] {
            guard case .failure(let failure) = entries(body, type: "application/xml") else {
                Issue.record("\(why): parsed")
                continue
            }
            #expect(failure.description.contains(why), "\(failure)")
        }
    }

    /// A run: the entries after the date, oldest first, at most the limit; the next run starts
    /// after the newest sent; undated entries only when there is no date to go by.
    @Test func aRunTakesTheOldestNewEntriesFirst() {
        func entry(_ path: String, _ day: Int?) -> FeedEntry {
            FeedEntry(url: URL(string: "https://blog.example/\(path)")!, updated: day.map { Date(timeIntervalSince1970: Double($0) * 86_400) })
        }
        let feed = [entry("d3", 3), entry("d1", 1), entry("none", nil), entry("d2", 2)]
        let since = Date(timeIntervalSince1970: 86_400)
        let run = SendService.select(feed, since: since, limit: 1)
        #expect(run.entries.map(\.url.lastPathComponent) == ["d2"] && run.left == 1)
        #expect(run.through == Date(timeIntervalSince1970: 2 * 86_400))
        let all = SendService.select(feed, since: nil, limit: 10)
        #expect(all.entries.map(\.url.lastPathComponent) == ["none", "d1", "d2", "d3"] && all.left == 0)
        let nothing = SendService.select(feed, since: Date(timeIntervalSince1970: 3 * 86_400), limit: 10)
        #expect(nothing.entries.isEmpty && nothing.through == Date(timeIntervalSince1970: 3 * 86_400))
    }
}

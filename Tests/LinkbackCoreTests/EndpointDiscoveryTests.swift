import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackCore
@testable import LinkbackKit

/// Endpoint discovery against a real local HTTP server, one page per webmention.rocks discovery
/// test (1–23), plus Pingback's two ways and what the Link header parser must survive.
@Suite struct EndpointDiscoveryTests {
    /// (path, the page, the endpoint path expected) for each case; `nil` for no endpoint.
    static let rocks: [(String, FixtureServer.Page, String?)] = [
        ("/1", .init(headers: [("Link", "<http://HOST/1/webmention?h=1>; rel=webmention")], body: []), "/1/webmention?h=1"),
        ("/2", .init(headers: [("Link", "</2/webmention>; rel=webmention")], body: []), "/2/webmention"),
        ("/3", .html(#"<link rel="webmention" href="/3/webmention">"#), "/3/webmention"),
        ("/4", .html(#"<link rel="webmention" href="http://HOST/4/webmention">"#), "/4/webmention"),
        ("/5", .html(#"<a rel="webmention" href="/5/webmention">endpoint</a>"#), "/5/webmention"),
        ("/6", .html(#"<a rel="webmention" href="http://HOST/6/webmention">endpoint</a>"#), "/6/webmention"),
        // 7: the header's name and rel in another case.
        ("/7", .init(headers: [("LinK", "</7/webmention>; rel=\"WebMention\"")], body: []), "/7/webmention"),
        ("/8", .init(headers: [("Link", "</8/webmention>; rel=\"webmention\"")], body: []), "/8/webmention"),
        // 9: several rel values.
        ("/9", .html(#"<link rel="webmention somethingelse" href="/9/webmention">"#), "/9/webmention"),
        // 10: several rel values in the header.
        ("/10", .init(headers: [("Link", "</10/webmention>; rel=\"webmention somethingelse\"")], body: []), "/10/webmention"),
        // 11: header, <link> and <a> all present: the header wins.
        ("/11", .init(headers: [("Link", "</11/webmention>; rel=webmention"), ("Content-Type", "text/html")],
            body: Array(#"<link rel="webmention" href="/11/wrong"><a rel="webmention" href="/11/wrong2">x</a>"#.utf8)),
            "/11/webmention"),
        // 12: rel="not-webmention" must not match.
        ("/12", .html(#"<link rel="not-webmention" href="/12/wrong"><link rel="webmention" href="/12/webmention">"#),
            "/12/webmention"),
        // 13: an endpoint in an HTML comment is not one.
        ("/13", .html(#"<!-- <link rel="webmention" href="/13/wrong"> --><link rel="webmention" href="/13/webmention">"#),
            "/13/webmention"),
        // 14: an endpoint inside an escaped code sample is text.
        ("/14", .html(#"<code>&lt;a href="/14/wrong" rel="webmention"&gt;&lt;/a&gt;</code><a rel="webmention" href="/14/webmention">x</a>"#),
            "/14/webmention"),
        // 15: an empty href is the page itself.
        ("/15", .html(#"<link rel="webmention" href="">"#), "/15"),
        // 16: <a> before <link> in document order: the <a>.
        ("/16", .html(#"<body><a rel="webmention" href="/16/webmention">x</a><link rel="webmention" href="/16/wrong"></body>"#),
            "/16/webmention"),
        // 17: <link> before <a>: the <link>.
        ("/17", .html(#"<body><link rel="webmention" href="/17/webmention"><a rel="webmention" href="/17/wrong">x</a></body>"#),
            "/17/webmention"),
        // 18: several Link headers: the first with rel=webmention.
        ("/18", .init(headers: [("Link", "</18/wrong>; rel=other"), ("Link", "</18/webmention>; rel=webmention")], body: []),
            "/18/webmention"),
        // 19: one header with several values, commas and semicolons in quoted parameters.
        ("/19", .init(headers: [("Link", #"</19/wrong>; rel="other"; title="a, b; c", </19/webmention>; rel="webmention""#)],
            body: []), "/19/webmention"),
        // 20: a <link rel=webmention> without href is skipped.
        ("/20", .html(#"<link rel="webmention"><a rel="webmention" href="/20/webmention">x</a>"#), "/20/webmention"),
        // 21: the query string is kept.
        ("/21", .html(#"<link rel="webmention" href="/21/webmention?query=yes">"#), "/21/webmention?query=yes"),
        // 22: relative to the page, not the site root.
        ("/22/page", .html(#"<link rel="webmention" href="22/webmention">"#), "/22/22/webmention"),
        // 23: after a redirect, relative to the page redirected to.
        ("/23", .redirect(to: "/23/page/here"), nil),
        ("/23/page/here", .html(#"<link rel="webmention" href="webmention-endpoint">"#), "/23/page/webmention-endpoint"),
        // Not webmention.rocks: `rel` in another case in HTML; none at all.
        ("/24", .html(#"<LINK REL="WebMention" HREF="/24/webmention">"#), "/24/webmention"),
        ("/25", .html(#"<p>no endpoint here</p>"#), nil),
    ]

    private func sender(_ server: FixtureServer) -> MentionSender {
        MentionSender(fetcher: GuardedFetcher(
            limits: FetchLimits(timeoutSeconds: 5, allowHosts: [HostPort(host: "127.0.0.1", port: server.port)]),
            userAgent: "Linkback-test"))
    }

    @Test func discoversEachWebmentionRocksCase() async throws {
        let server = try await FixtureServer.start()
        for (path, page, _) in Self.rocks {
            var page = page
            page.headers = page.headers.map { ($0.0, $0.1.replacingOccurrences(of: "HOST", with: server.hostPort)) }
            page.body = Array(String(decoding: page.body, as: UTF8.self).replacingOccurrences(of: "HOST", with: server.hostPort).utf8)
            server.set(path, page)
        }
        let sender = sender(server)
        for (path, _, expected) in Self.rocks where path != "/23" {
            let start = path == "/23/page/here" ? "/23" : path
            let found = try await sender.discover(server.url(start)).get()
            #expect(found.webmention == expected.map { server.url($0) }, "\(start)")
        }
        await server.stop()
    }

    @Test func pingbackFromItsHeaderOrLinkAndWebmentionFirst() async throws {
        let server = try await FixtureServer.start()
        server.set("/header", .init(headers: [("X-Pingback", "http://\(server.hostPort)/xmlrpc")], body: []))
        server.set("/link", .html(#"<link rel="pingback" href="/xmlrpc.php"><a rel="pingback" href="/wrong">x</a>"#))
        server.set("/both", .html(#"<link rel="pingback" href="/xmlrpc"><link rel="webmention" href="/wm">"#))
        server.set("/unusable", .html(#"<link rel="webmention" href="mailto:me@example.com"><link rel="pingback" href="ftp://x/">"#))
        let sender = sender(server)
        #expect(try await sender.discover(server.url("/header")).get() == Endpoints(pingback: server.url("/xmlrpc")))
        #expect(try await sender.discover(server.url("/link")).get() == Endpoints(pingback: server.url("/xmlrpc.php")))
        #expect(try await sender.discover(server.url("/both")).get()
            == Endpoints(webmention: server.url("/wm"), pingback: server.url("/xmlrpc")))
        #expect(try await sender.discover(server.url("/unusable")).get() == Endpoints())
        // A target that does not exist ends the send; one whose server fails is retried.
        #expect(await sender.discover(server.url("/missing")) == .failure(.failed("the target answered HTTP 404")))
        server.set("/broken", .html("oops", status: 503))
        guard case .failure(.retry) = await sender.discover(server.url("/broken")) else {
            Issue.record("a 503 target should be retried")
            return
        }
        await server.stop()
    }

    @Test func linkHeaderValues() {
        #expect(LinkHeader.parse(#"<a>; rel="x y", <b>;rel=webmention ,<c>"#) == [
            .init(reference: "a", rels: ["x", "y"]), .init(reference: "b", rels: ["webmention"]), .init(reference: "c", rels: []),
        ])
        #expect(LinkHeader.parse(#"<a>; title="q\"uote, d"; REL="WebMention""#) == [.init(reference: "a", rels: ["webmention"])])
        #expect(LinkHeader.parse("no brackets; rel=webmention").isEmpty)
        #expect(LinkHeader.parse("<unclosed; rel=webmention").isEmpty)
        #expect(LinkHeader.parse("").isEmpty)
    }
}

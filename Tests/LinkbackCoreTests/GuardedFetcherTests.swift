import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackKit

/// The guarded fetcher and the verifier against a real local HTTP server.
@Suite struct GuardedFetcherTests {
    let target = URL(string: "https://blog.example/posts/1")!

    private func verifier(_ server: FixtureServer, _ limits: (inout FetchLimits) -> Void = { _ in }) -> Verifier {
        var fetchLimits = FetchLimits(timeoutSeconds: 5, maxBytes: 64 * 1024, maxRedirects: 3,
            allowHosts: [HostPort(host: "127.0.0.1", port: server.port)])
        limits(&fetchLimits)
        return Verifier(fetcher: GuardedFetcher(limits: fetchLimits, userAgent: "Linkback-test"))
    }

    private func page(_ body: String) -> FixtureServer.Page {
        .html("<!DOCTYPE html><html><head><title>Source</title></head><body>\(body)</body></html>")
    }

    @Test(arguments: [
        #"<a href="https://blog.example/posts/1">link</a>"#,
        #"<img src="https://blog.example/posts/1">"#,
        #"<video src="https://blog.example/posts/1"></video>"#,
        #"<audio src="https://blog.example/posts/1"></audio>"#,
        #"<video><source src="https://blog.example/posts/1"></video>"#,
        #"<a href="https://blog.example/posts/1#comment-3">with a fragment</a>"#,
        #"<a href="HTTPS://Blog.Example:443/posts/1">same URL, other spelling</a>"#,
        #"<map name="m"><area href="https://blog.example/posts/1" alt="an image map area"></map>"#,
        #"<a href="https://blog.example/x/../posts/1">dot segments in an absolute URL</a>"#,
        #"<a href="https://blog.example/%70osts/./1">needless escapes and dot segments</a>"#,
    ])
    func findsEachKindOfLink(html: String) async throws {
        let server = try await FixtureServer.start()
        server.set("/post", page(html))
        let outcome = await verifier(server).verify(source: server.url("/post"), target: target)
        guard case .linkFound = outcome else {
            Issue.record("expected a link in \(html), got \(outcome)")
            await server.stop()
            return
        }
        await server.stop()
    }

    @Test func resolvesRelativeLinksAgainstTheDocumentAndBase() async throws {
        let server = try await FixtureServer.start()
        let local = server.url("/posts/1")
        server.set("/dir/relative", page(#"<a href="../posts/1">relative</a>"#))
        server.set("/dir/based", .html(#"<html><head><base href="https://blog.example/"></head><body><a href="posts/1">x</a></body></html>"#))
        let check = verifier(server)
        #expect(await check.verify(source: server.url("/dir/relative"), target: local).code == "link-found")
        #expect(await check.verify(source: server.url("/dir/based"), target: target).code == "link-found")
        #expect(await check.verify(source: server.url("/dir/based"), target: local).code == "no-link")
        await server.stop()
    }

    @Test(arguments: [
        "<!-- <a href=\"https://blog.example/posts/1\">commented out</a> -->",
        "I read https://blog.example/posts/1 yesterday.",
        "<script>document.write('<a href=\"https://blog.example/posts/1\">x</a>')</script>",
        "<template><a href=\"https://blog.example/posts/1\">x</a></template>",
        "<a href=\"https://blog.example/posts/10\">a longer URL</a>",
        "<a href=\"https://blog.example/posts/1/comments\">a deeper URL</a>",
        "<a href=\"http://blog.example/posts/1\">other scheme</a>",
        // Elements whose content HTML reads as text: a "link" hidden there is no link.
        "<textarea><a href=\"https://blog.example/posts/1\">x</a></textarea>",
        "<xmp><a href=\"https://blog.example/posts/1\">x</a></xmp>",
        "<noscript><a href=\"https://blog.example/posts/1\">x</a></noscript>",
        "<plaintext><a href=\"https://blog.example/posts/1\">x</a>",
        "<noembed><a href=\"https://blog.example/posts/1\">x</a></noembed>",
        "<iframe><a href=\"https://blog.example/posts/1\">x</a></iframe>",
        "<![CDATA[<a href=\"https://blog.example/posts/1\">x</a>]]>",
    ])
    func doesNotCountTextCommentsScriptsOrSubstrings(html: String) async throws {
        let server = try await FixtureServer.start()
        server.set("/post", page(html))
        #expect(await verifier(server).verify(source: server.url("/post"), target: target) == .noLink)
        await server.stop()
    }

    @Test func lenientMatchAcceptsSchemeAndSlashVariantsOnly() async throws {
        let server = try await FixtureServer.start()
        server.set("/variant", page(#"<a href="http://blog.example/posts/1/">x</a>"#))
        server.set("/substring", page(#"<a href="https://blog.example/posts/12">x</a>"#))
        let strict = verifier(server)
        let lenient = Verifier(fetcher: strict.fetcher, lenientMatch: true)
        #expect(await strict.verify(source: server.url("/variant"), target: target) == .noLink)
        #expect(await lenient.verify(source: server.url("/variant"), target: target).code == "link-found")
        #expect(await lenient.verify(source: server.url("/substring"), target: target) == .noLink)
        await server.stop()
    }

    @Test func goneAndNotFound() async throws {
        let server = try await FixtureServer.start()
        server.set("/gone", .html("deleted", status: 410))
        server.set("/meta-gone", .html(#"<html><head><meta http-equiv="Status" content="410 Gone"></head><body><a href="https://blog.example/posts/1">x</a></body></html>"#))
        server.set("/missing", .html("nope", status: 404))
        server.set("/broken", .html("oops", status: 503))
        let check = verifier(server)
        let gone = await check.verify(source: server.url("/gone"), target: target)
        #expect(gone == .gone && gone.allowsDelete)
        #expect(await check.verify(source: server.url("/meta-gone"), target: target) == .gone)
        let missing = await check.verify(source: server.url("/missing"), target: target)
        #expect(missing == .notFound(status: 404))
        #expect(!missing.allowsDelete && !missing.isTransient)
        let broken = await check.verify(source: server.url("/broken"), target: target)
        #expect(broken == .serverError(status: 503))
        #expect(broken.isTransient && !broken.allowsDelete)
        await server.stop()
    }

    @Test func followsRedirectsUpToTheLimit() async throws {
        let server = try await FixtureServer.start()
        server.set("/final", page(#"<a href="https://blog.example/posts/1">x</a>"#))
        for hop in 1...4 {
            server.set("/r\(hop)", .redirect(to: hop == 1 ? "/final" : "/r\(hop - 1)", status: hop % 2 == 0 ? 301 : 307))
        }
        let check = verifier(server)  // max 3 redirects
        #expect(await check.verify(source: server.url("/r3"), target: target).code == "link-found")
        #expect(await check.verify(source: server.url("/r4"), target: target) == .tooManyRedirects(limit: 3))
        #expect(server.hits("/final") == 1)
        await server.stop()
    }

    @Test(arguments: ["http://127.0.0.1:PORT/secret", "http://[::1]:PORT/secret", "http://169.254.169.254/latest/meta-data/"])
    func refusesRedirectsToPrivateAddresses(location: String) async throws {
        let server = try await FixtureServer.start()
        let victim = try await FixtureServer.start()
        victim.set("/secret", page(#"<a href="https://blog.example/posts/1">x</a>"#))
        server.set("/hop", .redirect(to: location.replacingOccurrences(of: "PORT", with: String(victim.port))))
        let outcome = await verifier(server).verify(source: server.url("/hop"), target: target)
        #expect(outcome.code == "blocked-address", "\(outcome)")
        #expect(victim.hits("/secret") == 0)
        await server.stop()
        await victim.stop()
    }

    @Test(arguments: [
        "http://2130706433:PORT/", "http://0x7f000001:PORT/", "http://0177.0.0.1:PORT/", "http://127.1:PORT/",
        "http://0x7f.1:PORT/", "http://127.0.0.01:PORT/", "http://localhost:PORT/", "http://[::ffff:127.0.0.1]:PORT/",
        "http://[::1]:PORT/", "http://0.0.0.0:PORT/", "http://[::]:PORT/", "http://[64:ff9b::7f00:1]:PORT/",
        "http://[2002:7f00:1::]:PORT/", "http://10.0.0.1:PORT/", "http://192.168.1.1:PORT/", "http://[fe80::1]:PORT/",
        "http://[fc00::1]:PORT/", "http://100.64.0.1:PORT/", "http://user:pass@127.0.0.1:PORT/", "ftp://127.0.0.1:PORT/",
        "file:///etc/passwd", "http://127.0.0.1.:PORT/",
    ])
    func refusesHostSpellingsBeforeConnecting(spelling: String) async throws {
        let server = try await FixtureServer.start()
        server.set("/", page("home"))
        let url = URL(string: spelling.replacingOccurrences(of: "PORT", with: String(server.port)))!
        // Only the exact pair 127.0.0.1:PORT is allowed; no other spelling of it may pass.
        let fetcher = GuardedFetcher(
            limits: FetchLimits(timeoutSeconds: 2, allowHosts: [HostPort(host: "127.0.0.1", port: server.port)]),
            userAgent: "test")
        if spelling.contains("user:pass") || spelling.hasPrefix("ftp") || spelling.hasPrefix("file") {
            await #expect(throws: FetchFailure.self) { try await fetcher.fetch(url) }
        } else {
            do {
                _ = try await fetcher.fetch(url)
                Issue.record("\(spelling) was fetched")
            } catch {
                if case .blockedAddress = error {} else { Issue.record("\(spelling): \(error)") }
            }
        }
        #expect(server.hits("/") == 0, "\(spelling) reached the server")
        await server.stop()
    }

    @Test func stopsReadingAtTheByteCap() async throws {
        let server = try await FixtureServer.start()
        let big = String(repeating: "<p>padding</p>", count: 10_000) + #"<a href="https://blog.example/posts/1">x</a>"#
        server.set("/big", page(big))
        var streamed = FixtureServer.Page.html(big)
        streamed.trickle = .zero
        streamed.chunkSize = 1024
        server.set("/streamed", streamed)
        let check = verifier(server) { $0.maxBytes = 16 * 1024 }
        #expect(await check.verify(source: server.url("/big"), target: target) == .tooLarge(limit: 16 * 1024))
        #expect(await check.verify(source: server.url("/streamed"), target: target) == .tooLarge(limit: 16 * 1024))
        // At the cap exactly, the page is read.
        let exact = "<a href=\"https://blog.example/posts/1\">x</a>"
        server.set("/exact", .html(exact))
        let atCap = verifier(server) { $0.maxBytes = exact.utf8.count }
        #expect(await atCap.verify(source: server.url("/exact"), target: target).code == "link-found")
        await server.stop()
    }

    @Test func givesUpOnASlowSourceAtTheTimeout() async throws {
        let server = try await FixtureServer.start()
        server.set("/slow", FixtureServer.Page(
            headers: [("Content-Type", "text/html")], body: Array(String(repeating: "x", count: 100).utf8),
            trickle: .milliseconds(100)))
        let check = verifier(server) { $0.timeoutSeconds = 1 }
        let start = Date()
        let outcome = await check.verify(source: server.url("/slow"), target: target)
        let elapsed = Date().timeIntervalSince(start)
        #expect(outcome == .timedOut)
        #expect(outcome.isTransient)
        #expect(elapsed < 5, "took \(elapsed) s")
        await server.stop()
    }

    /// #16 item 11: a source whose port refuses connections is reported as refused (transient,
    /// so the queue retries it), not as a timeout after the whole fetch budget.
    @Test func aRefusedConnectionIsReportedAsRefused() async throws {
        let server = try await FixtureServer.start()
        let url = server.url("/post")
        await server.stop()  // nothing listens on its port any more
        let check = verifier(server) { $0.timeoutSeconds = 30 }
        let outcome = await check.verify(source: url, target: target)
        #expect(outcome == .networkError("connection refused"))
        #expect(outcome.isTransient)
    }

    @Test func jsonTextAndOtherContentTypes() async throws {
        let server = try await FixtureServer.start()
        server.set("/json", .content(#"{"items":[{"url":"https://blog.example/posts/1"}],"n":3}"#, type: "application/json"))
        server.set("/activity", .content(#"{"inReplyTo":"https://blog.example/posts/1"}"#, type: "application/activity+json"))
        server.set("/json-text", .content(#"{"note":"see https://blog.example/posts/1 here"}"#, type: "application/json"))
        server.set("/text", .content("See https://blog.example/posts/1 for details.", type: "text/plain; charset=utf-8"))
        server.set("/text-none", .content("Nothing here.", type: "text/plain"))
        server.set("/image", FixtureServer.Page(headers: [("Content-Type", "image/png")], body: [0x89, 0x50, 0x4E, 0x47]))
        let check = verifier(server)
        #expect(await check.verify(source: server.url("/json"), target: target).code == "link-found")
        #expect(await check.verify(source: server.url("/activity"), target: target).code == "link-found")
        #expect(await check.verify(source: server.url("/json-text"), target: target) == .noLink)
        let text = await check.verify(source: server.url("/text"), target: target)
        guard case .linkFound(let content, _) = text else {
            Issue.record("\(text)")
            await server.stop()
            return
        }
        #expect(content.excerpt == "[…] See https://blog.example/posts/1 for details. […]")
        #expect(await check.verify(source: server.url("/text-none"), target: target) == .noLink)
        #expect(await check.verify(source: server.url("/image"), target: target) == .unsupportedContentType("image/png"))
        await server.stop()
    }

    @Test func sendsUserAgentAndAccept() async throws {
        let server = try await FixtureServer.start()
        server.set("/ua", page("x"))
        var config = Config.defaults
        config.fetch.allowHosts = [HostPort(host: "127.0.0.1", port: server.port)]
        _ = await Verifier(config: config).verify(source: server.url("/ua"), target: target)
        let headers = server.headers("/ua")
        #expect(headers["user-agent"] == "Linkback/\(LinkbackVersion.string) (+http://127.0.0.1:8080)")
        #expect(headers["accept"]?.hasPrefix("text/html,") == true)
        await server.stop()
    }
}

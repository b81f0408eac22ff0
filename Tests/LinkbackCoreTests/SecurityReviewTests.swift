import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackCore
@testable import LinkbackKit
@testable import LinkbackStore

/// Regression tests for the security review's smaller items, each failing on the code before
/// its fix: one canonical URL form, one domain form, one HTML escape, stored text without
/// control characters, sanitised imports, redirects counted against the fetch cap.
@Suite struct SecurityReviewTests {
    // MARK: URLs (item 9)

    @Test(arguments: [
        "HTTP://BLOG.example/posts/1", "http://blog.example:80/posts/1", "http://Blog.Example./posts/1",
        "http://blog.example/%70osts/1", "http://blog.example/posts/%31", "http://blog.example/x/../posts/1",
        "http://blog.example/./posts/./1", "http://blog.example/posts/1#comment", "http://blog.example/%2e/posts/1",
    ])
    func everySpellingOfAURLHasOneCanonicalForm(spelling: String) throws {
        let url = try MentionCheck.parse(spelling).get()
        #expect(url.absoluteString == "http://blog.example/posts/1")
    }

    @Test func canonicalFormKeepsWhatMatters() throws {
        #expect(try MentionCheck.parse("https://b.example:8443/a%2fb?q=%c3%bc&x=%41").get().absoluteString
            == "https://b.example:8443/a%2Fb?q=%C3%BC&x=A")
        #expect(try MentionCheck.parse("https://b.example").get().absoluteString == "https://b.example/")
        #expect(try MentionCheck.parse("http://bücher.example/").get().absoluteString == "http://xn--bcher-kva.example/")
        #expect(try MentionCheck.parse("http://[::1]:8080/x").get().absoluteString == "http://[::1]:8080/x")
        #expect(CanonicalURL.removingDotSegments("/a/b/c/./../../g") == "/a/g")
        // Found by fuzzing: a host with an empty label had a canonical form that was not one
        // (each pass dropped one more dot). Such hosts are refused; one trailing dot is fine.
        for empty in ["http://xnhCaSubstri../b%C3%BCch", "http://a..b/", "http://.a/", "http://a.../",
            "http://[::ffff:%7e.0.0.1]:8080/x", "http://[fe80::1%25eth0]/", "https://sts=?e/#frg"] {
            #expect(throws: MentionCheck.Problem.self, "\(empty)") { try MentionCheck.parse(empty).get() }
        }
        #expect(try MentionCheck.parse("http://a.example./x").get().absoluteString == "http://a.example/x")
        #expect(CanonicalURL.removingDotSegments("/../a") == "/a")
    }

    @Test(arguments: [
        ("nonsense", "is not an absolute URL"), ("//blog.example/x", "is not an absolute URL"),
        ("1http://blog.example/", "is not an absolute URL"), ("ht tp://blog.example/", "is not an absolute URL"),
        ("http//blog.example/", "is not an absolute URL"), (":x", "is not an absolute URL"),
        ("mailto:a@b.example", "is not an http or https URL"), ("web+x.y-z:1", "is not an http or https URL"),
        ("HtTpS://blog.example/", nil),
    ] as [(String, String?)])
    func onlyATextWithASchemeIsParsed(text: String, problem: String?) {
        switch MentionCheck.parse(text) {
        case .success: #expect(problem == nil)
        case .failure(let failure): #expect(failure.message == problem)
        }
    }

    @Test func aURLBlockCatchesEverySpelling() throws {
        let spam = SpamGuard(config: Config.defaults.spam)
        let (kind, value) = try Block.normalized("HTTPS://Spam.Example:443/bad/")
        #expect(kind == .url && value == "https://spam.example/bad/")
        spam.reloadBlocks([Block(id: 1, kind: kind, value: value, reason: nil, created: Date())])
        for spelling in [
            "https://spam.example/bad/x", "HTTPS://SPAM.EXAMPLE/bad/x", "https://spam.example.:443/bad/x",
            "https://spam.example/%62ad/x", "https://spam.example/ok/../bad/x",
            // Review F20: doubled slashes and an escaped slash.
            "https://spam.example//bad/x", "https://spam.example/bad//x", "https://spam.example/bad%2Fx",
            "https://spam.example/bad%2fx", "https://spam.example//bad%2F%2Fx",
        ] {
            let source = try MentionCheck.parse(spelling).get()
            #expect(spam.blockedSource(source) != nil, "\(spelling) escaped the block")
        }
        #expect(spam.blockedSource(try MentionCheck.parse("https://spam.example/good").get()) == nil)
    }

    /// The interval is kept by the store, on the canonical pair: no spelling of it is new.
    @Test func respellingAPairDoesNotEscapeThePairInterval() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteMentionStore(path: directory.file("db.sqlite"))
        let target = try MentionCheck.parse("https://blog.example/posts/1").get().absoluteString
        func incoming(_ spelling: String) throws -> IncomingMention {
            IncomingMention(
                source: try MentionCheck.parse(spelling).get().absoluteString, target: target, site: "blog.example",
                protocol: .webmention, pairInterval: 60)
        }
        #expect(try await store.receive(try incoming("https://s.example/a"), actor: .server).isNew)
        for spelling in ["HTTPS://S.EXAMPLE/a", "https://s.example:443/a", "https://s.example./%61"] {
            await #expect(throws: StoreError.self, "\(spelling)") { try await store.receive(try incoming(spelling), actor: .server) }
        }
        try await store.close()
    }

    // MARK: Domains (item 8)

    @Test func domainsHaveOneFormEverywhere() throws {
        #expect(HostName.normalized("bücher.example") == "xn--bcher-kva.example")
        #expect(HostName.normalized("BÜCHER.Example.") == "xn--bcher-kva.example")
        #expect(HostName.normalized("xn--bcher-kva.example") == "xn--bcher-kva.example")
        #expect(HostName.normalized("bü/cher.example") == nil)
        #expect(HostName.normalized("bücher.example/x") == nil)
        #expect(try Block.normalized("bücher.example") == (.domain, "xn--bcher-kva.example"))
        #expect(HostPort("Bücher.example:8080")?.description == "xn--bcher-kva.example:8080")
        // A Unicode domain block matches the punycode source it was stored as.
        let spam = SpamGuard(config: Config.defaults.spam)
        let (kind, value) = try Block.normalized("bücher.example")
        spam.reloadBlocks([Block(id: 1, kind: kind, value: value, reason: nil, created: Date())])
        #expect(spam.blockedSource(try MentionCheck.parse("https://www.bücher.example/p").get()) == value)
        // And configured domains take the same form.
        var config = Config.defaults
        config.spam.blockDomains = ["bücher.example"].compactMap(HostName.normalized)
        #expect(config.spam.blockDomains == ["xn--bcher-kva.example"])
    }

    // MARK: HTML (item 2)

    @Test func oneEscapeForTextAndAttributes() {
        #expect(HTMLEscaping.escape(#"<img src=x onerror='alert(1)'> & "q""#)
            == "&lt;img src=x onerror=&#39;alert(1)&#39;&gt; &amp; &quot;q&quot;")
        #expect(HTMLEscaping.escape("plain text") == "plain text")
    }

    // MARK: Stored text (item 6)

    @Test func controlCharactersDecodedFromUTF7NeverReachTheStore() throws {
        // "+ABsAWw-31m" is ESC [ 31m in UTF-7, "+AAc-" is BEL, "+IC4-" is U+202E (right-to-left override).
        let page = """
            <html><head><title>T+ABsAWw-2J</title></head><body><div class="h-entry">
            <a class="p-author h-card" href="https://evil.example/">Eve+ABsAWw-31m+AAc-+IC4-</a>
            <div class="e-content">Hi +ABsAXQ-0;title+AAc- <a href="https://blog.example/posts/1">post</a></div>
            </div></body></html>
            """
        let resource = FetchedResource(
            url: URL(string: "https://evil.example/p")!, status: 200, mediaType: "text/html", charset: "utf-7",
            body: Array(page.utf8))
        let verifier = Verifier(fetcher: GuardedFetcher(limits: FetchLimits(), userAgent: "t"))
        guard case .linkFound(let content, _) = verifier.check(resource, target: URL(string: "https://blog.example/posts/1")!)
        else {
            Issue.record("no link found")
            return
        }
        let fields = [content.authorName, content.contentText, content.contentHTML, content.title, content.excerpt]
        #expect(content.authorName?.hasPrefix("Eve") == true)
        for field in fields.compactMap({ $0 }) {
            #expect(!field.unicodeScalars.contains { StoredText.isUnsafe($0) && $0 != "\n" && $0 != "\t" }, "\(field.debugDescription)")
        }
    }

    @Test func storedTextCleaningAndVisiblePrinting() {
        #expect(StoredText.cleaned("a\u{1B}[31mb\u{7}c\u{202E}d\u{85}e") == "a[31mbcde")
        #expect(StoredText.cleaned("line\nnext\ttab") == "line next tab")
        #expect(StoredText.cleaned("line\nnext\ttab", multiline: true) == "line\nnext\ttab")
        // On bytes exactly what the scalar rule says, at every edge of the unsafe ranges.
        let edges = Array(0x00...0x180) + Array(0x2028...0x2030) + Array(0x2064...0x206B) + [0xE000, 0x1F600, 0x10FFFF]
        for multiline in [false, true] {
            for value in edges {
                let scalar = Unicode.Scalar(UInt32(value))!
                let expected = scalar == "\t" || scalar == "\n" ? (multiline ? "é\(scalar)x" : "é x") : StoredText.isUnsafe(scalar) ? "éx" : "é\(scalar)x"
                #expect(StoredText.cleaned("é\(scalar)x", multiline: multiline) == expected, "U+\(String(value, radix: 16))")
            }
        }
        #expect(StoredText.visible("x\u{1B}[2Jy") == "x\\u{1B}[2Jy")
        #expect(StoredText.visible("café") == "café")
    }

    // MARK: Imports (item 10)

    @Test func importedDataIsSanitisedLikeFetchedData() throws {
        let feed = """
            {"type": "feed", "children": [{"wm-source": "https://a.example/1", "wm-target": "https://blog.example/p",
              "author": {"name": "Mal\\u001b[31mlory", "url": "javascript:alert(1)", "photo": "javascript:alert(2)"},
              "content": {"html": "<p onclick=\\"x()\\">hi<script>alert(3)</script></p>", "text": "hi"}},
             {"wm-source": "https://b.example/1", "wm-target": "https://blog.example/p",
              "author": {"name": "Bob", "url": "https://b.example/", "photo": "data:image/png;base64,AAAA"}}]}
            """
        let entries = try JF2.parse(Data(feed.utf8)).entries
        #expect(entries.count == 2)
        #expect(entries[0].content.authorURL == nil)
        #expect(entries[0].content.authorPhoto == nil)
        #expect(entries[0].content.authorName == "Mal[31mlory")
        #expect(entries[0].content.contentHTML?.contains("onclick") == false)
        #expect(entries[0].content.contentHTML?.contains("script") == false)
        #expect(entries[1].content.authorURL == "https://b.example/")
        #expect(entries[1].content.authorPhoto == nil)
    }

    // MARK: Fetch cap (item 5)

    @Test func everyRedirectHopCountsAgainstItsHostsFetchCap() async throws {
        let server = try await FixtureServer.start()
        let target = "https://blog.example/posts/1"
        server.set("/page", .html(#"<a href="\#(target)">x</a>"#))
        server.set("/hop", .redirect(to: "http://localhost:\(server.port)/page"))
        var config = Config.defaults
        config.spam.fetchesPerSourceHostPerMinute = 1
        config.fetch.allowHosts = [HostPort(host: "127.0.0.1", port: server.port), HostPort(host: "localhost", port: server.port)]
        let spam = SpamGuard(config: config.spam)
        let verifier = Verifier(config: config, spam: spam)
        let targetURL = URL(string: target)!
        // localhost's one fetch this minute.
        #expect(await verifier.verify(source: URL(string: "http://localhost:\(server.port)/page")!, target: targetURL)
            != .rateLimited("localhost"))
        // Starting at 127.0.0.1 does not make the hop to localhost free.
        let outcome = await verifier.verify(source: URL(string: "http://127.0.0.1:\(server.port)/hop")!, target: targetURL)
        #expect(outcome == .rateLimited("localhost"))
        #expect(server.hits("/page") == 1)
        await server.stop()
    }

    @Test func cdataSectionsInHTMLAreCommentsUpToTheFirstBracket() {
        #expect(BogusComments.neutralized(Array("a<![CDATA[<b>]]>c".utf8)) == Array("a<!--CDATA[<b-->]]>c".utf8))
        #expect(BogusComments.neutralized(Array("x<![".utf8)) == Array("x<!---->".utf8))
        #expect(BogusComments.neutralized(Array("<![ -->x".utf8)) == Array("<!-- __-->x".utf8))
        #expect(BogusComments.neutralized(Array("plain".utf8)) == Array("plain".utf8))
        #expect(BogusComments.neutralized(Array("<![a>b<![c".utf8)) == Array("<!--a-->b<!--c-->".utf8))
    }

    /// The buffer scan gives what the first, position-by-position rewrite gave, on random pages
    /// made of the bytes that matter (and a multi-byte character).
    @Test func cdataRewriteMatchesTheSliceByPositionRewrite() {
        func reference(_ bytes: [UInt8]) -> [UInt8] {
            let opener: [UInt8] = Array("<![".utf8)
            var output: [UInt8] = []
            var index = 0
            while index < bytes.count {
                if index + opener.count <= bytes.count, bytes[index..<index + opener.count].elementsEqual(opener) {
                    let end = bytes[index...].firstIndex(of: UInt8(ascii: ">")) ?? bytes.count
                    output += Array("<!--".utf8) + bytes[(index + 3)..<end].map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }
                        + Array("-->".utf8)
                    index = end + 1
                } else {
                    output.append(bytes[index])
                    index += 1
                }
            }
            return output
        }
        let alphabet = Array("<![>-a".utf8) + [0xC3, 0xA9]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let page = (0..<Int.random(in: 0...24, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            #expect(BogusComments.neutralized(page) == reference(page), "\(page)")
        }
    }

    /// Control characters, raw or as numeric references, become U+FFFD (a form feed a space); the
    /// bytes between are copied unchanged, runs and all.
    @Test func controlCharactersAreNeutralisedAndTheRestKept() {
        func neutralized(_ text: String) -> String { String(decoding: ControlCharacters.neutralized(Array(text.utf8)), as: UTF8.self) }
        #expect(neutralized("a\u{1}b") == "a\u{FFFD}b")
        #expect(neutralized("a\u{0C}b &amp; c") == "a b &amp; c")
        #expect(neutralized("x&#1;y&#x0C;z&#65;&#x1b") == "x&#xFFFD;y&#x20;z&#65;&#xFFFD;")
        #expect(neutralized("tab\tline\nreturn\r &amp; é\u{1F}") == "tab\tline\nreturn\r &amp; é\u{FFFD}")
        #expect(neutralized("plain, no ampersand") == "plain, no ampersand")
        #expect(neutralized("ends &") == "ends &")
        #expect(neutralized("&#X1B;&#x1f&#27a&#xg;&#;") == "&#xFFFD;&#xFFFD;&#xFFFD;a&#xg;&#;")
        #expect(neutralized("\u{1}") == "\u{FFFD}" && neutralized("&#1;x") == "&#xFFFD;x" && neutralized("") == "")
    }
}

import Foundation
import Testing

@testable import LinkbackCore
@testable import LinkbackKit

@Suite struct TargetMatcherTests {
    let target = URL(string: "https://blog.example/posts/1")!

    @Test func exactMatchIgnoresFragmentCaseAndDefaultPort() {
        let matcher = TargetMatcher(target: target)
        for same in ["https://blog.example/posts/1", "https://blog.example/posts/1#c", "HTTPS://BLOG.EXAMPLE/posts/1",
            "https://blog.example:443/posts/1"]
        {
            #expect(matcher.matches(string: same), "\(same)")
        }
        for other in ["https://blog.example/posts/1/", "http://blog.example/posts/1", "https://blog.example/posts/10",
            "https://blog.example/Posts/1", "https://blog.example/posts/1?x=1", "https://blog.example:8443/posts/1",
            "https://evil.example/?https://blog.example/posts/1", "not a url"]
        {
            #expect(!matcher.matches(string: other), "\(other)")
        }
        #expect(TargetMatcher(target: URL(string: "https://blog.example")!).matches(string: "https://blog.example/"))
    }

    /// A page's links matched on bytes (``WebAddress``, other hosts refused before the canonical
    /// text is built) answer as Foundation's resolution and ``CanonicalURL`` do, strict and lenient.
    @Test(arguments: [false, true])
    func referencesMatchAsFoundationResolvesThem(lenient: Bool) {
        let document = HTMLDocument(html: "<p>x</p>", url: URL(string: "https://blog.example/posts/")!)
        for target in ["https://blog.example/posts/1", "http://Blog.Example.:8080/p/", "https://xn--bcher-kva.example/p"] {
            let matcher = TargetMatcher(target: URL(string: target)!, lenient: lenient)
            for reference in [
                "1", "./1", "/posts/1", "../posts/1#c", "https://BLOG.example:443/posts/1", "https://blog.example./posts/1",
                "http://blog.example/posts/1/", "//blog.example/posts/1", "https://blog.example.evil/posts/1",
                "https://evil.example/posts/1", "http://blog.example:8080/p", "http://blog.example:8080/p/", "//Blog.Example:8080/p/",
                "https://xn--bcher-kva.example/p/", "https://bücher.example/p", "mailto:a@blog.example", " /posts/%31 ",
            ] {
                let slow = document.resolve(reference).map(matcher.matches) ?? false
                #expect(matcher.matches(reference: reference, in: document) == slow, "\(target) ← \(reference)")
            }
        }
    }

    /// A target sent with a fragment is stored with it (its own mention, #16 item 7) but matched
    /// without it: the source links to the document, and a fragment names a part of it.
    @Test func aTargetWithAFragmentKeepsItAndMatchesThePage() throws {
        let check = MentionCheck(sites: [HostPort(host: "blog.example", port: nil)])
        let pair = try check.check(source: "https://alice.example/reply#top", target: "https://Blog.Example/posts/1#comment-%7e1").get()
        #expect(pair.source.absoluteString == "https://alice.example/reply")
        #expect(pair.target.absoluteString == "https://blog.example/posts/1#comment-~1")
        let matcher = TargetMatcher(target: pair.target)
        #expect(matcher.matches(string: "https://blog.example/posts/1"))
        #expect(matcher.matches(string: "https://blog.example/posts/1#other"))
        #expect(matcher.occurs(in: "see https://blog.example/posts/1 there"))
        // An empty fragment is no fragment; a fragment never makes two URLs of one page different.
        #expect(try check.check(source: "https://a.example/p", target: "https://blog.example/posts/1#").get().target.absoluteString
            == "https://blog.example/posts/1")
        #expect(check.check(source: "https://blog.example/posts/1#a", target: "https://blog.example/posts/1#b") == .failure(.sameURL))
    }

    /// The checks' quick paths (ends without whitespace, ASCII scanned on bytes, the site found on the
    /// canonical text) answer as the slow ones: whitespace of any kind trimmed, any control refused,
    /// sites by host and port.
    @Test func quickPathsAnswerAsTheSlowOnes() throws {
        let check = MentionCheck(sites: [HostPort(host: "blog.example", port: nil), HostPort(host: "other.example", port: 8443)])
        let trimmed = try check.check(source: "\u{A0} https://a.example/p\n", target: " https://BLOG.example:443/x\u{3000}").get()
        #expect(trimmed.source.absoluteString == "https://a.example/p" && trimmed.target.absoluteString == "https://blog.example/x")
        for control in ["\u{7F}", "\u{1B}", "\u{85}", "\u{9F}"] {
            guard case .failure(let problem) = MentionCheck.parse("https://a.example/\(control)x") else {
                Issue.record("\(control.unicodeScalars.first!.value) accepted")
                continue
            }
            #expect(problem.message == "contains control characters")
        }
        #expect(MentionCheck.hasControlCharacters("https://bücher.example/\u{85}") && !MentionCheck.hasControlCharacters("https://bücher.example/"))
        #expect(try check.check(source: "https://a.example/", target: "https://other.example:8443/p").get().site.port == 8443)
        #expect(check.check(source: "https://a.example/", target: "https://other.example/p") == .failure(.targetNotSupported("other.example")))
        #expect(check.check(source: "https://a.example/", target: "http://[::1]/p") == .failure(.targetNotSupported("[::1]")))
    }

    @Test func lenientAddsSchemeAndSlashVariantsOnly() {
        let matcher = TargetMatcher(target: target, lenient: true)
        for variant in ["http://blog.example/posts/1", "https://blog.example/posts/1/", "http://blog.example/posts/1/"] {
            #expect(matcher.matches(string: variant), "\(variant)")
        }
        #expect(!matcher.matches(string: "https://blog.example/posts/12"))
        #expect(!matcher.matches(string: "https://blog.example/posts"))
        let withQuery = TargetMatcher(target: URL(string: "https://blog.example/p?id=1")!, lenient: true)
        #expect(withQuery.matches(string: "https://blog.example/p/?id=1"))
    }

    @Test func plainTextOccurrence() {
        #expect(TargetMatcher(target: target).occurs(in: "see https://blog.example/posts/1 now"))
        #expect(!TargetMatcher(target: target).occurs(in: "see http://blog.example/posts/1 now"))
        #expect(TargetMatcher(target: target, lenient: true).occurs(in: "see http://blog.example/posts/1 now"))
    }
}

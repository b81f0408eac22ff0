import Foundation
import Testing

@testable import LinkbackKit

/// The byte-level resolver against Foundation's: wherever ``WebAddress`` answers, its canonical
/// form is the one `URLResolver` and ``CanonicalURL`` give; what it leaves to Foundation is left.
@Suite struct WebAddressTests {
    private static let bases = [
        "https://blog.example/posts/1", "http://Blog.Example:8080/a/b/c?x=1#top", "https://blog.example/",
        "https://blog.example", "http://blog.example./dir/page.html", "https://blog.example/a/b/",
    ]

    /// What Foundation makes of `reference` against `base`, in canonical form.
    private func foundation(_ reference: String, _ base: String, keepingFragment: Bool = false) -> String? {
        URLResolver.resolve(reference, against: URL(string: base)).flatMap {
            CanonicalURL.string($0, keepingFragment: keepingFragment)
        }
    }

    @Test(arguments: [
        ("https://blog.example/posts/1", "", "https://blog.example/posts/1"),
        ("https://blog.example/posts/1", "2", "https://blog.example/posts/2"),
        ("https://blog.example/posts/1", "../about", "https://blog.example/about"),
        ("https://blog.example/posts/1", "/a/./b/../c", "https://blog.example/a/c"),
        ("https://blog.example/posts/1", "?page=2", "https://blog.example/posts/1?page=2"),
        ("https://blog.example/posts/1?x", "#comment-1", "https://blog.example/posts/1?x"),
        ("https://blog.example/posts/1", "//Other.Example:443/x", "https://other.example/x"),
        ("https://blog.example/posts/1", "HTTP://BLOG.EXAMPLE:80/%7Euser/%2fx", "http://blog.example/~user/%2Fx"),
        ("https://blog.example/posts/1", " \n https://mastodon.example/@alice/1\t ", "https://mastodon.example/@alice/1"),
        ("http://blog.example", "x", "http://blog.example/x"),
        // CR LF inside is dropped as browsers drop it (one Character in Swift: found by the fuzzer).
        ("https://blog.example/posts/1", "/a\r\nb\n", "https://blog.example/ab"),
        ("http://blog.example:8080/a", "https://blog.example.:8443", "https://blog.example:8443/"),
    ])
    func resolvesAndCanonicalises(_ base: String, _ reference: String, _ expected: String) throws {
        let address = try #require(WebAddress(base))
        guard case .address(let resolved) = address.resolve(reference) else {
            Issue.record("\(reference) against \(base) was not resolved on bytes")
            return
        }
        #expect(resolved.canonical() == expected)
        #expect(foundation(reference, base) == expected)
    }

    @Test func leavesToFoundationWhatItDoesNotParse() throws {
        let base = try #require(WebAddress("https://blog.example/posts/1"))
        for reference in ["mailto:bob@example.com", "javascript:alert(1)", "ftp://files.example/x", "tel:+123"] {
            #expect(base.resolve(reference) == .otherScheme, "\(reference)")
        }
        for reference in [
            "https://bücher.example/", "https://[::1]/", "https://user:pw@blog.example/", "a b", "%zz", "https://blog.example:/",
            "https://blog.example:99999/", "http:relative", "https://-bad.example/", "https://a..b/", "1x:y", "https://blog.example/\\x",
        ] {
            #expect(base.resolve(reference) == .unsure, "\(reference)")
        }
        #expect(WebAddress("/relative") == nil)
        #expect(WebAddress("mailto:x@example.com") == nil)
    }

    /// Thousands of references built from the pieces real pages use, against several bases: every
    /// one the bytes decide is decided as Foundation decides it, and most are decided on bytes.
    @Test func agreesWithFoundationOnGeneratedReferences() throws {
        let schemes = ["", "", "", "http:", "https:", "HTTPS:", "mailto:", "javascript:"]
        let authorities = ["", "", "//blog.example", "//Blog.Example.", "//blog.example:80", "//blog.example:443",
            "//cdn.example:8080", "//www.blog.example", "//x_y.example"]
        let segments = ["", ".", "..", "posts", "a%2e", "%2E%2E", "%7Euser", "%41", "b%2fc", "@alice", "index.html", "a;b=c",
            "p:q", "%e2%82%ac", "~", "-_."]
        let queries = ["", "", "?", "?a=1&b=2", "?%7e=%7E", "?q=a/b?c"]
        let fragments = ["", "", "#", "#comment-1", "#%7Ex"]
        var generator = SeededGenerator(seed: 2_026_120_5)
        var decided = 0
        var total = 0
        for _ in 0..<4000 {
            var reference = schemes.randomElement(using: &generator)! + authorities.randomElement(using: &generator)!
            let count = Int.random(in: 0...4, using: &generator)
            let absolutePath = Bool.random(using: &generator)
            for index in 0..<count {
                if index > 0 || absolutePath || !reference.isEmpty { reference += "/" }
                reference += segments.randomElement(using: &generator)!
            }
            reference += queries.randomElement(using: &generator)! + fragments.randomElement(using: &generator)!
            let baseText = Self.bases.randomElement(using: &generator)!
            let base = try #require(WebAddress(baseText))
            total += 1
            let resolution = base.resolve(reference)
            // Asked about one host, the answer is the same but for an address on another host.
            for host in ["blog.example", "other.example", "cdn.example"] {
                let expected: WebAddress.Resolution
                if case .address(let address) = resolution, address.host != Array(host.utf8) { expected = .otherHost } else { expected = resolution }
                #expect(base.resolve(reference, onHost: Array(host.utf8)) == expected, "\(reference) against \(baseText) on \(host)")
            }
            switch resolution {
            case .address(let address):
                decided += 1
                #expect(address.canonical() == foundation(reference, baseText), "\(reference) against \(baseText)")
                #expect(
                    address.canonical(keepingFragment: true) == foundation(reference, baseText, keepingFragment: true),
                    "\(reference) against \(baseText), keeping the fragment")
            case .otherScheme:
                decided += 1
                let scheme = URLResolver.resolve(reference, against: URL(string: baseText))?.scheme?.lowercased()
                #expect(scheme != "http" && scheme != "https", "\(reference)")
            case .unsure:
                continue
            case .otherHost:
                Issue.record("\(reference): another host, though no host was asked about")
            }
        }
        #expect(decided > total * 3 / 4, "only \(decided) of \(total) decided on bytes")
    }
}

extension WebAddressTests {
    /// Where a reference is taken as written (an absolute http(s) URL ``WebAddress`` reads whole),
    /// the string is the one Foundation's URL gives back, for the serialiser and microformats
    /// (`resolvedString`) and for the sanitiser (`safeURL`, which also wants http(s) and a host).
    @Test func referencesTakenAsWrittenAreWhatFoundationWrites() throws {
        let schemes = ["http:", "https:", "HTTPS:", "Http:", "", "mailto:", "ftp:"]
        let authorities = ["//blog.example", "//Blog.Example.", "//blog.example:80", "//cdn.example:8080", "//x_y.example", "//a-b.example:443", ""]
        let rest = ["", "/", "/posts/1", "/a/../b", "/./c", "/%7Euser", "/a%2fb?q=1&r=%41", "?x", "#frag", "/p;x=1", "/~x/@y", "//double"]
        let spaces = ["", " ", "\n", "\t "]
        var generator = SeededGenerator(seed: 2_026_120_73)
        var direct = 0
        for _ in 0..<4000 {
            let reference = spaces.randomElement(using: &generator)! + schemes.randomElement(using: &generator)!
                + authorities.randomElement(using: &generator)! + rest.randomElement(using: &generator)!
                + rest.randomElement(using: &generator)! + spaces.randomElement(using: &generator)!
            let base = URL(string: Self.bases.randomElement(using: &generator)!)
            let foundation = URLResolver.resolve(reference, against: base)
            #expect(URLResolver.resolvedString(reference, against: base) == foundation?.absoluteString, "\(reference.debugDescription)")
            let sanitizer = HTMLSanitizer(baseURL: base)
            var safe: String?
            if let foundation, let scheme = foundation.scheme?.lowercased(), scheme == "http" || scheme == "https", foundation.host?.isEmpty == false {
                safe = foundation.absoluteString
            }
            #expect(sanitizer.safeURL(reference) == safe, "\(reference.debugDescription)")
            if case .asWritten = URLResolver.resolution(reference, against: base) { direct += 1 }
        }
        #expect(direct > 1000, "taken as written: \(direct)")
    }
}

/// A small deterministic generator (SplitMix64), so a failure names an input that comes back.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

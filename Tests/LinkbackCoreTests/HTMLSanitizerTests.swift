import Foundation
import Testing

@testable import LinkbackKit

/// An XSS corpus through the sanitiser: nothing executable survives, harmless markup does.
@Suite struct HTMLSanitizerTests {
    let sanitizer = HTMLSanitizer(baseURL: URL(string: "https://source.example/post/"))

    @Test(arguments: [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<<SCRIPT>alert(1);//<</SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<img src=\"javascript:alert(1)\">",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\"j&#x41;vascript:alert(1)\">x</a>",
        "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
        "<a href=\" javascript:alert(1)\">x</a>",
        "<a href=\"java\tscript:alert(1)\">x</a>",
        "<a href=\"java\nscript:alert(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<svg onload=alert(1)><circle/></svg>",
        "<iframe src=\"https://evil.example/\"></iframe>",
        "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<p style=\"color:red\" onclick=\"alert(1)\">x</p>",
        "<a href=\"https://ok.example/\" onmouseover=\"alert(1)\">x</a>",
        "<form action=\"https://evil.example/\"><input name=q><button>go</button></form>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<style>body{background:red}</style>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:alert(1)//\">",
        "<template><script>alert(1)</script></template>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
        "<a href=\"https://me.example/\" rel=\"me\">me</a>",
    ])
    func removesEverythingExecutable(html: String) {
        let clean = sanitizer.sanitize(html: html).lowercased()
        for needle in ["<script", "javascript:", "vbscript:", "data:", "onerror", "onclick", "onload", "onmouseover",
            "style=", "<iframe", "<object", "<embed", "<svg", "<math", "<form", "<input", "<meta", "<base", "rel=",
            "<style", "<template", "<noscript"]
        {
            #expect(!clean.contains(needle), "\(html) → \(clean)")
        }
    }

    @Test func keepsHarmlessMarkupAndResolvesURLs() {
        let html = #"<p>Hi <a href="../other" title="t">there</a>, <em>see</em> <img src="pic.png" alt="pic" width="10"><br><blockquote cite="https://q.example/">q</blockquote> <span class="x">plain</span></p>"#
        #expect(
            sanitizer.sanitize(html: html)
                // The HTML parser closes the <p> before a <blockquote>, as browsers do.
                == #"<p>Hi <a href="https://source.example/other" title="t">there</a>, <em>see</em> <img src="https://source.example/post/pic.png" alt="pic" width="10"><br></p><blockquote cite="https://q.example/">q</blockquote> plain"#
        )
    }

    @Test func escapesText() {
        #expect(sanitizer.sanitize(html: "1 &lt; 2 &amp; \"q\"") == "1 &lt; 2 &amp; \"q\"")
    }
    /// The serialisation algorithm's escaping, byte for byte: the no-break space is the UTF-8 pair
    /// C2 A0, while other characters starting with C2 (©) and other multi-byte text pass through.
    @Test(arguments: [
        ("plain text", false, "plain text"),
        ("a & b < c > d \"e\"", false, "a &amp; b &lt; c &gt; d \"e\""),
        ("a & b < c > d \"e\"", true, "a &amp; b < c > d &quot;e&quot;"),
        ("no\u{A0}break © café ✓ 😀", false, "no&nbsp;break © café ✓ 😀"),
        ("\u{A0}", true, "&nbsp;"),
        ("©\u{A0}&", true, "©&nbsp;&amp;"),
    ])
    func serialisationEscapes(text: String, attribute: Bool, expected: String) {
        #expect(HTMLSerializer.serialized(text, attribute: attribute) == expected)
    }

    /// The sanitiser writes what serialising its clean tree wrote (the tree it built until it wrote
    /// as it walked): on every fixture page's body and on generated tag soups.
    @Test func writesWhatItsCleanTreeSerialisedTo() throws {
        func cleanChildren(_ element: HTMLElement) -> [HTMLNode] {
            var result: [HTMLNode] = []
            for child in element.children {
                switch child {
                case .text(let text):
                    result.append(.text(text))
                case .comment:
                    continue
                case .element(let inner):
                    if HTMLSanitizer.droppedElements.contains(inner.name) { continue }
                    guard let allowed = HTMLSanitizer.allowedElements[inner.name] else {
                        result.append(contentsOf: cleanChildren(inner))
                        continue
                    }
                    var attributes: [HTMLAttribute] = []
                    for attribute in inner.attributes where allowed.contains(attribute.name) {
                        if HTMLSanitizer.urlAttributes.contains(attribute.name) {
                            guard let url = sanitizer.safeURL(attribute.value) else { continue }
                            attributes.append(HTMLAttribute(name: attribute.name, value: url))
                        } else {
                            attributes.append(attribute)
                        }
                    }
                    if inner.name == "img" && !attributes.contains(where: { $0.name == "src" }) { continue }
                    result.append(.element(HTMLElement(name: inner.name, attributes: attributes, children: cleanChildren(inner))))
                }
            }
            return result
        }
        func compare(_ html: String, _ label: String) {
            let root = HTMLDocument(html: html, url: sanitizer.baseURL).root
            let expected = HTMLSerializer().innerHTML(of: HTMLElement(name: "div", children: cleanChildren(root))).trimmingHTMLWhitespace()
            #expect(sanitizer.sanitize(element: root) == expected, "\(label)")
        }
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let files = (FileManager.default.enumerator(atPath: fixtures.path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".html") }
        #expect(files.count > 90)
        for file in files { compare(try String(contentsOf: fixtures.appendingPathComponent(file), encoding: .utf8), file) }
        var generator = SeededGenerator(seed: 2_026_120_71)
        for round in 0..<1_000 {
            var page = ""
            for _ in 0..<Int.random(in: 1...60, using: &generator) { page += HTMLTreeBuilderTests.pieces.randomElement(using: &generator)! }
            compare(page, "round \(round): \(page.debugDescription)")
        }
    }
}

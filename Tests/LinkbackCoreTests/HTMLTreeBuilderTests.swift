import CLibXML2
import Foundation
import Testing

@testable import LinkbackKit

/// The tree built from libxml2's parser events is the tree libxml2's own builder makes, converted
/// as ``HTMLDocument`` converted it before it read the events itself: on every HTML fixture, and on
/// thousands of generated tag soups full of what moves nodes around (misplaced `<html>`, `<body>`
/// and doctypes, content after `</html>`, prefixed names, boolean attributes, entities split
/// across text, nesting past libxml2's limit and ours), in four encodings.
@Suite struct HTMLTreeBuilderTests {
    static let options = Int32(
        HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue)

    /// The oracle: libxml2's tree (`htmlReadMemory`), converted node by node.
    static func libxml2Tree(_ bytes: [UInt8], encoding: String?) -> HTMLElement {
        LibXML.prepare()
        let document: htmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.flatMap { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    htmlReadMemory($0, Int32(buffer.count), nil, encoding, options)
                }
            }
        }
        guard let document else { return HTMLElement(name: "html") }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { return HTMLElement(name: "html") }
        return convert(root, depth: 0)
    }

    private static func convert(_ node: xmlNodePtr, depth: Int) -> HTMLElement {
        var attributes: [HTMLAttribute] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            var value = ""
            if let raw = xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1) {
                value = String(cString: raw)
                linkback_xmlFree(raw)
            }
            attributes.append(HTMLAttribute(name: String(cString: current.pointee.name).lowercased(), value: value))
            attribute = current.pointee.next
        }
        var children: [HTMLNode] = []
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                if depth < HTMLDocument.maxDepth { children.append(.element(convert(current, depth: depth + 1))) }
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content {
                    let text = String(cString: content)
                    if case .text(let previous) = children.last {
                        children[children.count - 1] = .text(previous + text)
                    } else {
                        children.append(.text(text))
                    }
                }
            case XML_COMMENT_NODE:
                children.append(.comment(current.pointee.content.map { String(cString: $0) } ?? ""))
            default:
                break
            }
            child = current.pointee.next
        }
        return HTMLElement(name: String(cString: node.pointee.name).lowercased(), attributes: attributes, children: children)
    }

    /// A tree written out whole, to compare two trees and show where they part.
    static func dump(_ element: HTMLElement, into text: inout String, indent: String = "") {
        text += indent + "<" + element.name
        for attribute in element.attributes { text += " \(attribute.name)=\(attribute.value.debugDescription)" }
        text += ">\n"
        for child in element.children {
            switch child {
            case .element(let inner): dump(inner, into: &text, indent: indent + " ")
            case .text(let value): text += indent + " " + value.debugDescription + "\n"
            case .comment(let value): text += indent + " <!--" + value.debugDescription + "-->\n"
            }
        }
    }

    static func dump(_ element: HTMLElement) -> String {
        var text = ""
        dump(element, into: &text)
        return text
    }

    static func events(_ bytes: [UInt8], encoding: String?) -> HTMLElement {
        LibXML.prepare()
        return bytes.withUnsafeBufferPointer { HTMLTreeBuilder.root(of: $0, encoding: encoding, options: options) }
    }

    /// Both trees of `bytes`; a recorded issue names the input when they differ.
    @discardableResult
    static func compare(_ bytes: [UInt8], encoding: String? = nil, _ label: @autoclosure () -> String) -> Bool {
        let expected = dump(libxml2Tree(bytes, encoding: encoding))
        let built = dump(events(bytes, encoding: encoding))
        #expect(built == expected, "\(label()) (\(encoding ?? "no charset"))")
        return built == expected
    }

    @Test func fixturesGiveLibxml2sTree() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let files = (FileManager.default.enumerator(atPath: fixtures.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".html") }
        #expect(files.count > 90)
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: fixtures.appendingPathComponent(file)))
            Self.compare(bytes, file)
            Self.compare(bytes, encoding: "utf-8", file)
        }
    }

    static let pieces: [String] = [
        "<html>", "<html lang=en>", "</html>", "<head>", "</head>", "<body>", "<body class=x>", "</body>", "<!DOCTYPE html>",
        "<!doctype html public \"-//W3C//DTD HTML 4.01//EN\">", "<!-- note -->", "<?php echo 1 ?>", "<p>", "</p>", "<div>",
        "</div>", "<span>", "</span>", "<a href=\"/x\">", "<a href='https://blog.example/posts/1' rel=nofollow>", "</a>",
        "<b>", "</b>", "<i>", "</i>", "<table>", "<tr>", "<td>", "</td>", "</table>", "<ul>", "<li>", "</ul>", "<br>",
        "<img src=x.png alt=\"A &amp; B\">", "<input type=checkbox checked disabled>", "<option selected>", "<select>",
        "<fb:like data-x=1>", "</fb:like>", "<svg:rect>", "<a:>", "<script>if (a < b) { x = \"</div>\" }</script>",
        "<style>p > a { }</style>", "<title>T &amp; t</title>", "<textarea><b>x</b></textarea>", "<![CDATA[cd]]>",
        "text", " ", "\n  ", "&amp;", "&nbsp;", "&bogus;", "&#65;", "&#x1F600;", "é", "日本", "<DIV CLASS=Up>", "</DIV>",
        "<p id=a id=b>", "<meta charset=utf-8>", "<base href=\"https://other.example/\">", "<frameset>", "<noscript>",
        "</noscript>", "<form>", "</form>", "<h1>", "</h1>", "<pre>\n x</pre>", "<x-custom foo>", "</x-custom>", "<",
        "<a", "=\"", ">", "</", "&", "<!", "<!-->", "<blockquote cite=\"/q\">", "</blockquote>", "<q cite=javascript:x>",
        "<img src=/i.png width=1 height=2 title=t onerror=x>", "<img alt=no-src>", "<time datetime=2020-01-01>",
        "<abbr title=\"A&quot;B\">", "<p style=x onclick=y>", "&#xA0;", "\"quoted\"", "<em>", "</em>", "<hr>",
    ]

    @Test func generatedPagesGiveLibxml2sTree() {
        var generator = SeededGenerator(seed: 2_026_120_7)
        var failures = 0
        for round in 0..<3_000 {
            var page = ""
            for _ in 0..<Int.random(in: 1...60, using: &generator) { page += Self.pieces.randomElement(using: &generator)! }
            let encoding = [nil, "utf-8", "iso-8859-1", "windows-1252"].randomElement(using: &generator)!
            if !Self.compare(Array(page.utf8), encoding: encoding, "round \(round): \(page.debugDescription)") { failures += 1 }
            if failures > 5 { break }
        }
    }

    /// Nesting past ``HTMLDocument/maxDepth`` (left out) and past libxml2's limit (the parse stops
    /// there), with text and elements before, inside and after.
    @Test(arguments: [200, 255, 256, 257, 258, 300, 600])
    func deepPagesGiveLibxml2sTree(depth: Int) {
        for element in ["div", "b", "span"] {
            let page = "<!-- c --><p>before</p>" + String(repeating: "<\(element)>x", count: depth) + "<i>deep</i>"
                + String(repeating: "</\(element)>y", count: depth) + "<p>after</p></html><p>later</p>"
            Self.compare(Array(page.utf8), "\(depth) × \(element)")
            Self.compare(Array(("<p>" + page.dropFirst(10)).utf8), "\(depth) × \(element), root first")
        }
    }
}

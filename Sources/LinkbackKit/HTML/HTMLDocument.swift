import CLibXML2
import Foundation

/// A parsed HTML page: its tree and the URL relative links resolve against.
public struct HTMLDocument: Sendable {
    /// The `<html>` element (libxml2 supplies one when the page has none).
    public let root: HTMLElement
    /// The document URL (after redirects), or the first `<base href>` resolved against it.
    public let baseURL: URL?
    /// ``baseURL`` taken apart on bytes, when it is a plain http(s) URL: links resolve against it
    /// without Foundation (``WebAddress``).
    package let baseAddress: WebAddress?

    /// Deepest element nesting kept; anything deeper is dropped (deeply nested spam pages must
    /// not exhaust the stack).
    public static let maxDepth = 256

    /// Parses `bytes` with libxml2's HTML parser: error recovery on, no network, no entity
    /// loading. `charset` comes from the `Content-Type` header when known.
    public init(bytes: [UInt8], url: URL?, charset: String? = nil) {
        LibXML.prepare()
        let options = Self.parseOptions
        let encoding = charset.flatMap { Self.knownEncoding($0) }
        let root = BogusComments.neutralized(ControlCharacters.neutralized(bytes)).withUnsafeBufferPointer { buffer in
            HTMLTreeBuilder.root(of: buffer, encoding: encoding, options: options)
        }
        self.root = root
        var base = url
        if let baseElement = root.firstDescendant(where: { $0.name == "base" && $0.has("href") }),
            let href = baseElement[attribute: "href"], let resolved = URLResolver.resolve(href, against: url)
        {
            base = resolved
        }
        self.baseURL = base
        baseAddress = base.flatMap { WebAddress($0.absoluteString) }
    }

    private static let parseOptions = Int32(
        HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue)

    /// libxml2's parse of `bytes` alone, with the options above, its tree freed at once: the
    /// yardstick `linkback bench-extract` measures the whole extraction against. Whether a root
    /// element came out.
    public static func parseOnly(_ bytes: [UInt8]) -> Bool {
        LibXML.prepare()
        let document: htmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.flatMap { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                    htmlReadMemory(chars, Int32(buffer.count), nil, nil, parseOptions)
                }
            }
        }
        guard let document else { return false }
        defer { xmlFreeDoc(document) }
        return xmlDocGetRootElement(document) != nil
    }

    /// Convenience for tests and fixtures.
    public init(html: String, url: URL? = nil) {
        self.init(bytes: Array(html.utf8), url: url, charset: "utf-8")
    }

    /// Resolves an attribute value (href/src) against the document's base URL.
    public func resolve(_ reference: String) -> URL? {
        URLResolver.resolve(reference, against: baseURL)
    }

    /// The text of `<title>`, whitespace collapsed.
    public var title: String? {
        guard let title = root.firstDescendant(where: { $0.name == "title" }) else { return nil }
        let text = title.textContent.collapsingWhitespace()
        return text.isEmpty ? nil : text
    }

    private static func knownEncoding(_ charset: String) -> String? {
        let name = charset.trimmingCharacters(in: .whitespaces).lowercased()
        return name.isEmpty ? nil : name
    }
}

/// One-time libxml2 set-up shared by the HTML and XML-RPC parsers.
package enum LibXML {
    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    /// Initialises libxml2 once and silences its generic error handler on this thread.
    package static func prepare() {
        _ = initialized
        linkback_xml_silence()
    }
}

extension String {
    /// Runs of HTML whitespace collapsed to one space, trimmed.
    package func collapsingWhitespace() -> String {
        // On bytes: HTML whitespace is ASCII, and splitting by Characters was a tenth of extraction.
        // Over the string's own UTF-8 (withUTF8): the UTF8View's iterator cost more than the work.
        var text = self
        return text.withUTF8 { bytes in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            var space = false
            for byte in bytes {
                if byte.isHTMLWhitespace {
                    space = !output.isEmpty
                } else {
                    if space {
                        output.append(0x20)
                        space = false
                    }
                    output.append(byte)
                }
            }
            return String(decoding: output, as: UTF8.self)
        }
    }
}

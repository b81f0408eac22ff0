import Foundation

/// Serialises ``HTMLElement`` trees following the HTML fragment serialisation algorithm, optionally
/// resolving `href`/`src` URLs against a base (as microformats e-* values require).
public struct HTMLSerializer {
    public let baseURL: URL?
    /// Attributes whose values are URLs.
    package static let urlAttributes: Set<String> = ["href", "src", "cite", "poster", "data", "action"]
    package static let voidElements: Set<String> = [
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input", "keygen",
        "link", "meta", "param", "source", "track", "wbr",
    ]
    package static let rawTextElements: Set<String> = [
        "style", "script", "xmp", "iframe", "noembed", "noframes", "plaintext",
    ]

    /// `baseURL` `nil` leaves URLs as written.
    public init(resolvingAgainst baseURL: URL? = nil) {
        self.baseURL = baseURL
    }

    public func innerHTML(of element: HTMLElement) -> String {
        var output = ""
        for child in element.children { write(child, parent: element.name, into: &output) }
        return output
    }

    public func outerHTML(of element: HTMLElement) -> String {
        var output = ""
        write(.element(element), parent: "", into: &output)
        return output
    }

    private func write(_ node: HTMLNode, parent: String, into output: inout String) {
        switch node {
        case .text(let text):
            output += Self.rawTextElements.contains(parent) ? text : Self.serialized(text, attribute: false)
        case .comment(let text):
            output += "<!--" + text + "-->"
        case .element(let element):
            var attributes = element.attributes
            if let baseURL {
                for index in attributes.indices where Self.urlAttributes.contains(attributes[index].name) {
                    if let resolved = URLResolver.resolvedString(attributes[index].value, against: baseURL) {
                        attributes[index] = HTMLAttribute(name: attributes[index].name, value: resolved)
                    }
                }
            }
            Self.writeStartTag(element.name, attributes: attributes, into: &output)
            if Self.voidElements.contains(element.name) { return }
            for child in element.children { write(child, parent: element.name, into: &output) }
            output += "</" + element.name + ">"
        }
    }

    /// `<name attribute="value" …>`, the values escaped (also what ``HTMLSanitizer`` writes).
    package static func writeStartTag(_ name: String, attributes: [HTMLAttribute], into output: inout String) {
        output += "<" + name
        for attribute in attributes { output += " " + attribute.name + "=\"" + serialized(attribute.value, attribute: true) + "\"" }
        output += ">"
    }

    /// The serialisation algorithm's escaping: `&`, no-break space, and `"` (attributes) or
    /// `<`/`>` (text). Only for writing parsed trees; text Linkback composes into HTML goes
    /// through ``HTMLEscaping/escape(_:)``.
    package static func serialized(_ text: String, attribute: Bool) -> String {
        // Byte by byte over the UTF-8: most text has nothing to escape and is returned as it is
        // (a scalar-by-scalar copy was 11 % of extraction). U+00A0 is the pair C2 A0.
        let special: (UInt8) -> Bool = { byte in
            switch byte {
            case UInt8(ascii: "&"), 0xC2: true
            case UInt8(ascii: "\""): attribute
            case UInt8(ascii: "<"), UInt8(ascii: ">"): !attribute
            default: false
            }
        }
        // Over the string's own UTF-8 (withUTF8): the UTF8View's iterator was 3 % of a 20 KB page's verification.
        var text = text
        return text.withUTF8 { bytes -> String? in
            guard bytes.contains(where: special) else { return nil }
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count + 16)
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                guard special(byte) else {
                    result.append(byte)
                    continue
                }
                switch byte {
                case UInt8(ascii: "&"): result += "&amp;".utf8
                case UInt8(ascii: "\""): result += "&quot;".utf8
                case UInt8(ascii: "<"): result += "&lt;".utf8
                case UInt8(ascii: ">"): result += "&gt;".utf8
                default:  // 0xC2: a no-break space only when followed by A0
                    if index < bytes.count, bytes[index] == 0xA0 {
                        result += "&nbsp;".utf8
                        index += 1
                    } else {
                        result.append(byte)
                    }
                }
            }
            return String(decoding: result, as: UTF8.self)
        } ?? text
    }
}

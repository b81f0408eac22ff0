import Foundation

/// Serialises ``HTMLElement`` trees following the HTML fragment serialisation algorithm, optionally
/// resolving `href`/`src` URLs against a base (as microformats e-* values require).
public struct HTMLSerializer {
    public let baseURL: URL?
    /// Attributes whose values are URLs.
    static let urlAttributes: Set<String> = ["href", "src", "cite", "poster", "data", "action"]
    static let voidElements: Set<String> = [
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input", "keygen",
        "link", "meta", "param", "source", "track", "wbr",
    ]
    static let rawTextElements: Set<String> = [
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
            output += "<" + element.name
            for attribute in element.attributes {
                var value = attribute.value
                if let baseURL, Self.urlAttributes.contains(attribute.name),
                    let resolved = URLResolver.resolve(value, against: baseURL)
                {
                    value = resolved.absoluteString
                }
                output += " " + attribute.name + "=\"" + Self.serialized(value, attribute: true) + "\""
            }
            output += ">"
            if Self.voidElements.contains(element.name) { return }
            for child in element.children { write(child, parent: element.name, into: &output) }
            output += "</" + element.name + ">"
        }
    }

    /// The serialisation algorithm's escaping: `&`, no-break space, and `"` (attributes) or
    /// `<`/`>` (text). Only for writing parsed trees; text Linkback composes into HTML goes
    /// through ``HTMLEscaping/escape(_:)``.
    static func serialized(_ text: String, attribute: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "\u{A0}": result += "&nbsp;"
            case "\"" where attribute: result += "&quot;"
            case "<" where !attribute: result += "&lt;"
            case ">" where !attribute: result += "&gt;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

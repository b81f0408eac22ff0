import Foundation

/// Makes untrusted HTML (a mention's content) safe to store and show: an allow-list of harmless
/// elements and attributes, only absolute http/https URLs in `href`/`src`/`cite`, no styles, no
/// event handlers, no `rel` (so `rel="me"` is never copied). Disallowed elements are unwrapped
/// (their text kept), dangerous ones dropped with their content.
public struct HTMLSanitizer: Sendable {
    package static let allowedElements: [String: Set<String>] = [
        "a": ["href", "title"], "abbr": ["title"], "b": [], "blockquote": ["cite"], "br": [], "cite": [],
        "code": [], "dd": [], "del": [], "dl": [], "dt": [], "em": [], "figcaption": [], "figure": [],
        "h1": [], "h2": [], "h3": [], "h4": [], "h5": [], "h6": [], "hr": [], "i": [],
        "img": ["src", "alt", "title", "width", "height"], "ins": [], "kbd": [], "li": [], "mark": [],
        "ol": [], "p": [], "pre": [], "q": ["cite"], "s": [], "small": [], "strong": [], "sub": [], "sup": [],
        "time": ["datetime"], "u": [], "ul": [],
    ]
    /// Removed together with everything inside them.
    package static let droppedElements: Set<String> = [
        "script", "style", "template", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
        "noscript", "form", "input", "button", "select", "textarea", "head", "title", "meta", "link", "base",
        "audio", "video", "source", "track", "canvas", "xmp", "plaintext", "noembed", "noframes",
    ]
    package static let urlAttributes: Set<String> = ["href", "src", "cite"]

    public let baseURL: URL?

    public init(baseURL: URL?) {
        self.baseURL = baseURL
    }

    /// Sanitises an HTML fragment.
    public func sanitize(html: String) -> String {
        let document = HTMLDocument(html: "<!DOCTYPE html><html><body>" + html + "</body></html>", url: baseURL)
        let body = document.root.firstDescendant(where: { $0.name == "body" }) ?? document.root
        return sanitize(element: body)
    }

    /// Sanitises the children of `element` and serialises them.
    public func sanitize(element: HTMLElement) -> String {
        var output = ""
        write(childrenOf: element, into: &output)
        return output.trimmingHTMLWhitespace()
    }

    /// Writes what is allowed of `element`'s children as ``HTMLSerializer`` writes a tree, without
    /// building the clean tree first (its nodes, arrays and teardown were most of the sanitiser's
    /// cost). Text is never inside a raw-text element here: none of them is allowed.
    private func write(childrenOf element: HTMLElement, into output: inout String) {
        for child in element.children {
            switch child {
            case .text(let text):
                output += HTMLSerializer.serialized(text, attribute: false)
            case .comment:
                continue
            case .element(let inner):
                if Self.droppedElements.contains(inner.name) { continue }
                guard let allowed = Self.allowedElements[inner.name] else {
                    write(childrenOf: inner, into: &output)
                    continue
                }
                var attributes: [HTMLAttribute] = []
                for attribute in inner.attributes where allowed.contains(attribute.name) {
                    if Self.urlAttributes.contains(attribute.name) {
                        guard let url = safeURL(attribute.value) else { continue }
                        attributes.append(HTMLAttribute(name: attribute.name, value: url))
                    } else {
                        attributes.append(attribute)
                    }
                }
                if inner.name == "img" && !attributes.contains(where: { $0.name == "src" }) { continue }
                HTMLSerializer.writeStartTag(inner.name, attributes: attributes, into: &output)
                if HTMLSerializer.voidElements.contains(inner.name) { continue }
                write(childrenOf: inner, into: &output)
                output += "</" + inner.name + ">"
            }
        }
    }

    /// The absolute URL when it is http or https, else `nil`.
    package func safeURL(_ value: String) -> String? {
        switch URLResolver.resolution(value, against: baseURL) {
        case .asWritten(let text):
            return text  // http(s) with a host already
        case .url(let url):
            guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host?.isEmpty == false else {
                return nil
            }
            return url.absoluteString
        case nil:
            return nil
        }
    }
}

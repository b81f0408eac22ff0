import Foundation

/// Finds the target in a source document, by media type, exactly as the Webmention spec asks.
public enum LinkFinder {
    /// Elements whose URL attribute counts as a link.
    package static let linkAttributes: [String: String] = [
        "a": "href", "area": "href", "img": "src", "video": "src", "audio": "src", "source": "src",
    ]

    /// Subtrees whose content is never a link a reader sees: scripts, templates, styles, and the
    /// elements whose content HTML parses as text (a spammer's "link" hidden in a `<textarea>`,
    /// `<title>` or `<xmp>` is only text in a browser, whatever libxml2 builds from it).
    package static let inertElements: Set<String> = [
        "script", "template", "style", "noscript", "textarea", "title", "xmp", "plaintext", "noembed", "noframes",
        "iframe", "head",
    ]

    /// The elements in `document` that link to the target, in document order.
    public static func links(in document: HTMLDocument, matching matcher: TargetMatcher) -> [HTMLElement] {
        var found: [HTMLElement] = []
        var stack: [HTMLElement] = [document.root]
        while let element = stack.popLast() {
            if inertElements.contains(element.name) { continue }
            if let attribute = linkAttributes[element.name], let value = element[attribute: attribute],
                matcher.matches(reference: value, in: document)
            {
                found.append(element)
            }
            element.pushChildElements(onto: &stack)
        }
        return found
    }

    /// Whether `document` has a followed hyperlink (`a` or `area`, its `rel` without `nofollow`)
    /// to an http(s) URL on `host` (a normalised host name): what a vouch page must have.
    public static func linksToHost(in document: HTMLDocument, host: String) -> Bool {
        var stack: [HTMLElement] = [document.root]
        while let element = stack.popLast() {
            if inertElements.contains(element.name) { continue }
            if element.name == "a" || element.name == "area", let href = element[attribute: "href"],
                let url = document.resolve(href), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                url.host.flatMap(HostName.normalized) == host,
                !element.rels.contains("nofollow")
            {
                return true
            }
            element.pushChildElements(onto: &stack)
        }
        return false
    }

    /// Whether some string value anywhere in the JSON document equals the target.
    public static func jsonContainsLink(_ bytes: [UInt8], matching matcher: TargetMatcher) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
            return false
        }
        var stack: [Any] = [object]
        while let value = stack.popLast() {
            switch value {
            case let string as String where matcher.matches(string: string): return true
            case let array as [Any]: stack.append(contentsOf: array)
            case let dictionary as [String: Any]: stack.append(contentsOf: dictionary.values)
            default: continue
            }
        }
        return false
    }

    /// Whether the plain text contains the target.
    public static func textContainsLink(_ text: String, matching matcher: TargetMatcher) -> Bool {
        matcher.occurs(in: text)
    }
}

/// A node of a parsed HTML document: Linkback's own immutable tree, built once from libxml2's,
/// so link checks, microformats and the sanitiser are plain Swift over values.
public enum HTMLNode: Sendable {
    case element(HTMLElement)
    case text(String)
    /// Kept so the tree is faithful; link checks and microformats ignore comments.
    case comment(String)
}

/// One attribute, in document order.
public struct HTMLAttribute: Sendable, Equatable {
    public let name: String
    public let value: String
}

/// An element with lower-case name, its attributes and its children.
public final class HTMLElement: Sendable {
    public let name: String
    public let attributes: [HTMLAttribute]
    public let children: [HTMLNode]

    public init(name: String, attributes: [HTMLAttribute] = [], children: [HTMLNode] = []) {
        self.name = name
        self.attributes = attributes
        self.children = children
    }

    /// The value of the first attribute called `name`.
    public subscript(attribute name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    public func has(_ attribute: String) -> Bool { attributes.contains { $0.name == attribute } }

    /// The whitespace-separated tokens of the `class` attribute.
    public var classNames: [String] {
        guard let value = self[attribute: "class"] else { return [] }
        return value.split(whereSeparator: \.isHTMLWhitespace).map(String.init)
    }

    /// The whitespace-separated tokens of the `rel` attribute, in lower case (link relations
    /// are case-insensitive).
    public var rels: [String] {
        guard let value = self[attribute: "rel"] else { return [] }
        return value.lowercased().split(whereSeparator: \.isHTMLWhitespace).map(String.init)
    }

    /// The child elements, in order.
    public var childElements: [HTMLElement] {
        children.compactMap { if case .element(let element) = $0 { return element } else { return nil } }
    }

    /// Every element below this one, depth first, in document order (not including `self`).
    public func descendants(where include: (HTMLElement) -> Bool = { _ in true }) -> [HTMLElement] {
        var result: [HTMLElement] = []
        var stack: [HTMLElement] = childElements.reversed()
        while let element = stack.popLast() {
            if include(element) { result.append(element) }
            stack.append(contentsOf: element.childElements.reversed())
        }
        return result
    }

    /// The concatenated text of all descendant text nodes (DOM `textContent`).
    public var textContent: String {
        var result = ""
        func walk(_ element: HTMLElement) {
            for child in element.children {
                switch child {
                case .text(let text): result += text
                case .element(let inner): walk(inner)
                case .comment: break
                }
            }
        }
        walk(self)
        return result
    }
}

extension Character {
    /// ASCII whitespace as HTML defines it: space, tab, LF, FF, CR.
    package var isHTMLWhitespace: Bool {
        self == " " || self == "\t" || self == "\n" || self == "\u{0C}" || self == "\r" || self == "\r\n"
    }
}

extension String {
    /// Trims HTML whitespace from both ends.
    package func trimmingHTMLWhitespace() -> String {
        guard let start = firstIndex(where: { !$0.isHTMLWhitespace }),
            let end = lastIndex(where: { !$0.isHTMLWhitespace })
        else { return "" }
        return String(self[start...end])
    }
}

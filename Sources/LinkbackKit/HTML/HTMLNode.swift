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
        self[attribute: "class"].map(Self.tokens) ?? []
    }

    /// The whitespace-separated tokens of the `rel` attribute, in lower case (link relations
    /// are case-insensitive).
    public var rels: [String] {
        self[attribute: "rel"].map { Self.tokens($0.lowercased()) } ?? []
    }

    /// `value` split on ASCII whitespace, as HTML splits token lists, on its bytes (a split by
    /// Characters was 2 % of a 20 KB page's verification).
    package static func tokens(_ value: String) -> [String] {
        var value = value
        return value.withUTF8 { bytes in
            var tokens: [String] = []
            var start = 0
            for index in 0...bytes.count where index == bytes.count || bytes[index].isHTMLWhitespace {
                if index > start { tokens.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)) }
                start = index + 1
            }
            return tokens
        }
    }

    /// The child elements, in order.
    public var childElements: [HTMLElement] {
        children.compactMap { if case .element(let element) = $0 { return element } else { return nil } }
    }

    /// Pushes the child elements onto a depth-first walk's `stack`, last first (so the first is
    /// popped next), without the array ``childElements`` makes: walks visit every element of a page.
    public func pushChildElements(onto stack: inout [HTMLElement]) {
        for case .element(let child) in children.reversed() { stack.append(child) }
    }

    /// Every element below this one, depth first, in document order (not including `self`).
    public func descendants(where include: (HTMLElement) -> Bool = { _ in true }) -> [HTMLElement] {
        var result: [HTMLElement] = []
        _ = walkDescendants {
            if include($0) { result.append($0) }
            return true
        }
        return result
    }

    /// The first element below this one, in document order, for which `match` holds: the walk
    /// stops there and gathers nothing on the way.
    public func firstDescendant(where match: (HTMLElement) -> Bool) -> HTMLElement? {
        var found: HTMLElement?
        _ = walkDescendants {
            if match($0) { found = $0 }
            return found == nil
        }
        return found
    }

    /// Visits the elements below this one in document order until `visit` returns `false`
    /// (`false` then). Recursion is bounded by ``HTMLDocument/maxDepth``; no array is built per
    /// element, as ``childElements`` would.
    private func walkDescendants(_ visit: (HTMLElement) -> Bool) -> Bool {
        for case .element(let child) in children {
            guard visit(child), child.walkDescendants(visit) else { return false }
        }
        return true
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

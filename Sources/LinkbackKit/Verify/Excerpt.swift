/// The WordPress-style excerpt of a page around the link: about 100 characters either side of
/// the link text, shown as `[…] before LINK TEXT after […]`, so pingbacks look familiar.
package enum Excerpt {
    package static let context = 100
    /// Elements whose text is not part of what a reader sees.
    package static let hidden: Set<String> = ["script", "style", "template", "noscript", "head", "title"]

    package static func around(_ link: HTMLElement, in root: HTMLElement) -> String? {
        var before = ""
        var linkText = ""
        var after = ""
        var state = 0  // 0 before the link, 1 inside, 2 after
        func walk(_ element: HTMLElement) {
            for child in element.children {
                if state == 2 && after.count > context * 2 { return }
                switch child {
                case .text(let text):
                    switch state {
                    case 0: before += text
                    case 1: linkText += text
                    default: after += text
                    }
                case .comment:
                    continue
                case .element(let inner):
                    if hidden.contains(inner.name) { continue }
                    let block = isBlock(inner.name)
                    if block { append(" ") }
                    if inner === link {
                        state = 1
                        walk(inner)
                        if linkText.trimmingHTMLWhitespace().isEmpty, let alt = inner[attribute: "alt"] { linkText = alt }
                        state = 2
                    } else {
                        walk(inner)
                    }
                    if block { append(" ") }
                }
            }
        }
        func append(_ text: String) {
            switch state {
            case 0: before += text
            case 1: linkText += text
            default: after += text
            }
        }
        walk(root)
        guard state == 2 else { return nil }
        // Collapse whitespace over the whole text, so the spacing around the link is the page's own.
        let marked = (before + "\u{1}" + linkText + "\u{2}" + after).collapsingWhitespace()
        // The markers found on bytes (a control character is a Character of its own, and a page's
        // text holds none: ControlCharacters), and the ends counted from them: Character walks over
        // all the text before a link cost 1.5M instructions on a long forum page.
        guard let open = index(of: 1, in: marked), let close = index(of: 2, in: marked) else { return nil }
        let lead = tail(String(marked[..<open]), context)
        let middle = String(marked[marked.index(after: open)..<close])
        let trail = head(String(marked[marked.index(after: close)...]), context)
        let body = (lead + middle + trail).trimmingHTMLWhitespace()
        return body.isEmpty ? nil : "[…] " + body + " […]"
    }

    /// Where the first `byte` (ASCII) is in `text`.
    private static func index(of byte: UInt8, in text: String) -> String.Index? {
        var text = text
        guard let offset = text.withUTF8({ $0.firstIndex(of: byte) }) else { return nil }
        return text.utf8.index(text.utf8.startIndex, offsetBy: offset)
    }

    /// The last `limit` characters, starting at a word boundary.
    package static func tail(_ text: String, _ limit: Int) -> String {
        // Counted back from the end: the text's whole count is a walk over all of it.
        guard let start = text.index(text.endIndex, offsetBy: -limit, limitedBy: text.startIndex), start > text.startIndex else {
            return text
        }
        let cut = text[start...]
        guard let space = cut.firstIndex(of: " ") else { return String(cut) }
        return String(cut[space...])
    }

    /// The first `limit` characters, ending at a word boundary.
    package static func head(_ text: String, _ limit: Int) -> String {
        guard let end = text.index(text.startIndex, offsetBy: limit, limitedBy: text.endIndex), end < text.endIndex else { return text }
        let cut = text[..<end]
        guard let space = cut.lastIndex(of: " ") else { return String(cut) }
        return String(cut[...space])
    }

    private static func isBlock(_ name: String) -> Bool { blocks.contains(name) }

    /// A set, not an array searched at every element of the page (27 string comparisons each).
    private static let blocks: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article",
        "header", "footer", "tr", "td", "th", "table", "pre", "hr", "dd", "dt", "figure", "figcaption",
    ]
}

import Foundation

/// The step budget of one microformats parse. Every element visited and every piece of text
/// gathered costs steps; once they are spent, ``spend(_:)`` answers `false` and the parser's
/// walks stop, so no page can make extraction cost more than the budget.
package final class MF2Budget {
    private(set) var remaining: Int
    private(set) var spent = 0
    private(set) var exceeded = false

    package init(_ steps: Int) {
        remaining = steps
    }

    /// Takes `steps`; `false` (from then on) when the budget does not cover them.
    package func spend(_ steps: Int = 1) -> Bool {
        guard !exceeded else { return false }
        guard steps <= remaining else {
            exceeded = true
            spent += remaining
            remaining = 0
            return false
        }
        remaining -= steps
        spent += steps
        return true
    }

    /// What a text node costs: one step, and one more for every 64 bytes copied.
    package static func cost(of text: String) -> Int { 1 + text.utf8.count / 64 }
}

/// The microformats text algorithms, with or without a budget.
package enum MF2Text {
    /// `textContent` without `script`/`style`/`template`, images replaced by their `alt` (or
    /// ` src `, resolved), trimmed.
    package static func plainText(
        _ element: HTMLElement, baseURL: URL?, budget: MF2Budget? = nil, spacingBlocks: Bool = false
    ) -> String {
        var result = ""
        func walk(_ element: HTMLElement) {
            for child in element.children {
                switch child {
                case .text(let text):
                    guard budget?.spend(MF2Budget.cost(of: text)) ?? true else { return }
                    result += text
                case .comment: break
                case .element(let inner):
                    guard budget?.spend() ?? true else { return }
                    if skipped.contains(inner.name) { continue }
                    if inner.name == "img" {
                        if let alt = inner[attribute: "alt"] {
                            result += alt
                        } else if let src = inner[attribute: "src"] {
                            result += " " + (URLResolver.resolvedString(src, against: baseURL) ?? src) + " "
                        }
                        continue
                    }
                    let block = spacingBlocks && blockElements.contains(inner.name)
                    if block { result += " " }
                    walk(inner)
                    if block { result += " " }
                }
            }
        }
        walk(element)
        return result.trimmingHTMLWhitespace()
    }

    /// Elements whose text is no part of an item's plain text.
    private static let skipped: Set<String> = ["script", "style", "template"]

    /// Elements a reader sees as separate lines: their text never runs into the next word.
    package static let blockElements: Set<String> = [
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
        "td", "th", "tr", "ul",
    ]

    /// DOM `textContent`.
    package static func textContent(_ element: HTMLElement, budget: MF2Budget? = nil) -> String {
        guard let budget else { return element.textContent }
        var result = ""
        func walk(_ element: HTMLElement) {
            for child in element.children {
                switch child {
                case .text(let text):
                    guard budget.spend(MF2Budget.cost(of: text)) else { return }
                    result += text
                case .element(let inner):
                    guard budget.spend() else { return }
                    walk(inner)
                case .comment: break
                }
            }
        }
        walk(element)
        return result
    }
}

/// An e-* value: the element, serialised (inner HTML, URLs resolved) and reduced to text only
/// when asked. A page nests `e-content` as deep as it likes; only the value that is used costs
/// its size, once.
public struct MF2Embedded: Sendable, Equatable {
    public let element: HTMLElement
    package let baseURL: URL?

    package init(_ element: HTMLElement, baseURL: URL?) {
        self.element = element
        self.baseURL = baseURL
    }

    /// The serialised inner HTML, trimmed.
    public var html: String {
        HTMLSerializer(resolvingAgainst: baseURL).innerHTML(of: element).trimmingHTMLWhitespace()
    }

    /// The text value.
    public var value: String { MF2Text.plainText(element, baseURL: baseURL) }

    /// The text as a reader sees it: ``value`` with a space where one block (a paragraph, a list
    /// item, a line break) ends and the next begins, so "talking</p><p>One" reads "talking One".
    /// What Linkback stores as a mention's text; the microformats JSON keeps ``value``.
    public var readableText: String { MF2Text.plainText(element, baseURL: baseURL, spacingBlocks: true) }

    public static func == (lhs: MF2Embedded, rhs: MF2Embedded) -> Bool {
        lhs.element === rhs.element || (lhs.html == rhs.html && lhs.value == rhs.value)
    }
}

/// The text a page is about, for copy detection: an h-entry's `e-content` when it has one, else
/// the page's first `<article>`, else `<main>`, else its body without navigation, headers,
/// footers, asides, forms and scripts (a scraper's own menus are not what it copied).
package enum MainText {
    /// The main text of `document` as a target page: its first h-entry's content, or the page's.
    package static func of(_ document: HTMLDocument, budget: Int = MF2Parser.defaultBudget) -> String {
        let microformats = MF2Parser.parse(document, budget: budget)
        let entry = microformats.budgetExceeded ? nil : firstEntry(in: microformats.items)
        return entry.flatMap(content(of:)) ?? page(document)
    }

    /// The text of `entry`'s `e-content`; `nil` when it has none.
    package static func content(of entry: MF2Item) -> String? {
        guard case .html(let embedded, _)? = entry["content"].first else { return nil }
        return embedded.readableText
    }

    /// The page's own text: its first `<article>`, else `<main>`, else the body, without the parts
    /// that are never what a page is about.
    package static func page(_ document: HTMLDocument) -> String {
        let root = document.root
        let main = root.firstDescendant { $0.name == "article" }
            ?? root.firstDescendant { $0.name == "main" }
            ?? root.firstDescendant { $0.name == "body" }
            ?? root
        var text = ""
        func walk(_ element: HTMLElement) {
            for child in element.children {
                switch child {
                case .text(let value): text += value
                case .element(let inner) where !skipped.contains(inner.name):
                    text += " "
                    walk(inner)
                    text += " "
                default: break
                }
            }
        }
        walk(main)
        return text
    }

    private static let skipped: Set<String> = [
        "nav", "header", "footer", "aside", "form", "script", "style", "noscript", "template", "select", "button",
    ]

    private static func firstEntry(in items: [MF2Item]) -> MF2Item? {
        for item in items {
            if item.has(type: "h-entry") { return item }
            if let nested = firstEntry(in: item.children) { return nested }
        }
        return nil
    }
}

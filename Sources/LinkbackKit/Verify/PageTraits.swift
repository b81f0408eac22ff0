/// What the spam score reads of a source's page beyond its mention (``SpamFeatures``): the
/// software that made it (`generator:wordpress`), links crowding its text (`links:dense`), its
/// declared language (`lang:de`). Read in one walk of the parsed page.
package enum PageTraits {
    /// At least this many links, and one per this many words of the main text or fewer, are dense.
    static let denseLinks = 10
    static let wordsPerLink = 10

    package static func of(_ document: HTMLDocument, mainText: String) -> [String] {
        var traits: [String] = []
        let root = document.root
        var links = 0
        var generator: String?
        var language: String?
        // One walk, nothing collected: this runs on every verified page.
        var stack = [root]
        while let element = stack.popLast() {
            switch element.name {
            case "a": if element[attribute: "href"] != nil { links += 1 }
            case "meta":
                if generator == nil, element[attribute: "name"]?.lowercased() == "generator" {
                    generator = element[attribute: "content"]?.lowercased()
                }
            case "html": language = language ?? element[attribute: "lang"]
            default: break
            }
            for child in element.children {
                if case .element(let inner) = child { stack.append(inner) }
            }
        }
        if generator?.contains("wordpress") == true { traits.append("generator:wordpress") }
        // Words counted only as far as they could leave the links dense (most pages: not far).
        if links >= denseLinks, links * wordsPerLink >= wordCount(mainText, upTo: links * wordsPerLink) {
            traits.append("links:dense")
        }
        if let code = language.flatMap(code(of:)) { traits.append("lang:" + code) }
        return traits
    }

    /// Runs of non-whitespace in `text`, counted over scalars (a split into Characters was 15 % of
    /// extraction) read off its UTF-8; past `limit` the count stops at `limit + 1`.
    static func wordCount(_ text: String, upTo limit: Int = .max) -> Int {
        var words = 0
        var inWord = false
        text.forEachScalarValue { value in
            // Unicode's property lookup only off ASCII: it was a tenth of a 20 KB page's check.
            let isSpace = value < 0x80 ? (value == 0x20 || (0x09...0x0D).contains(value)) : Unicode.Scalar(value)?.properties.isWhitespace ?? false
            if isSpace {
                inWord = false
            } else if !inWord {
                inWord = true
                words += 1
                return words <= limit
            }
            return true
        }
        return words
    }

    /// The page's declared language (`<html lang>`), as its primary code (`de` for `de-AT`).
    package static func language(of document: HTMLDocument) -> String? {
        let html = document.root.name == "html" ? document.root : document.root.firstDescendant { $0.name == "html" }
        return html?[attribute: "lang"].flatMap(code(of:))
    }

    private static func code(of lang: String) -> String? {
        let code = lang.lowercased().prefix(while: \.isLetter)
        return (2...3).contains(code.count) ? String(code) : nil
    }
}

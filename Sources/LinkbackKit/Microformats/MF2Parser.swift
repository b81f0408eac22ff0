import Foundation

/// A microformats2 parser over ``HTMLDocument``, following the microformats2 parsing
/// specification: root classes, p-/u-/dt-/e- properties, nested microformats, implied
/// name/photo/url, the value-class pattern, and `rels`/`rel-urls`. (No backwards-compatible
/// microformats1 parsing.)
///
/// Work is bounded: every element visited and every piece of text gathered is charged to a step
/// budget, and once it is spent the parser stops walking and marks the result
/// ``MF2Document/budgetExceeded``. e-* values are not serialised while parsing (see
/// ``MF2Embedded``), so nested `e-content` costs no more than the page's size.
public struct MF2Parser {
    package let document: HTMLDocument
    package let budget: MF2Budget

    /// Steps allowed by default: far more than a real page of the largest fetched size needs.
    public static let defaultBudget = 5_000_000

    public init(document: HTMLDocument, budget: Int = MF2Parser.defaultBudget) {
        self.document = document
        self.budget = MF2Budget(budget)
    }

    /// Parses the whole document.
    public static func parse(_ document: HTMLDocument, budget: Int = MF2Parser.defaultBudget) -> MF2Document {
        MF2Parser(document: document, budget: budget).parse()
    }

    public func parse() -> MF2Document {
        var items: [MF2Item] = []
        if !MF2Names.roots(of: document.root).isEmpty {
            items.append(parseItem(document.root))
        } else {
            findItems(in: document.root, into: &items)
        }
        let (rels, relURLs) = parseRels()
        return MF2Document(
            items: items, rels: rels, relURLs: relURLs, budgetExceeded: budget.exceeded, stepsSpent: budget.spent)
    }

    private func findItems(in element: HTMLElement, into items: inout [MF2Item]) {
        for case .element(let child) in element.children where child.name != "template" {
            guard budget.spend() else { return }
            if !MF2Names.roots(of: child).isEmpty {
                items.append(parseItem(child))
            } else {
                findItems(in: child, into: &items)
            }
        }
    }

    // MARK: - Items

    /// What was seen while collecting an item's properties, for the implied-property rules.
    package struct Seen {
        package var p = false
        package var u = false
        package var e = false
        package var nested = false
        /// Dates already seen in dt-* values, for implied dates of time-only values.
        package var date: String?
    }

    package func parseItem(_ element: HTMLElement) -> MF2Item {
        var item = MF2Item(type: MF2Names.roots(of: element), element: element)
        if let id = element[attribute: "id"], !id.isEmpty { item.id = id }
        var seen = Seen()
        collectProperties(of: element, into: &item, seen: &seen)
        applyImpliedProperties(element, &item, seen)
        return item
    }

    private func collectProperties(of element: HTMLElement, into item: inout MF2Item, seen: inout Seen) {
        for case .element(let child) in element.children where child.name != "template" {
            guard budget.spend() else { return }
            let roots = MF2Names.roots(of: child)
            let properties = MF2Names.properties(of: child)
            for property in properties {
                switch property.prefix {
                case .p: seen.p = true
                case .u: seen.u = true
                case .e: seen.e = true
                case .dt: break
                }
            }
            if !roots.isEmpty {
                seen.nested = true
                let nested = parseItem(child)
                if properties.isEmpty {
                    item.children.append(nested)
                    continue
                }
                // Each kind of value is computed at most once per element, however many classes ask.
                lazy var text = nested.firstPName.map(MF2Value.text) ?? .text(plainText(child))
                lazy var url = nested.firstUURL ?? urlValue(child)
                let date = properties.contains { $0.prefix == .dt } ? dateValue(child, seen: &seen) : ""
                let embedded = MF2Embedded(child, baseURL: document.baseURL)
                for property in properties {
                    var value = nested
                    switch property.prefix {
                    case .p: value.value = text
                    case .u: value.value = url
                    case .dt: value.value = .text(date)
                    case .e:
                        value.value = .html(embedded, lang: nil)
                        value.embedded = embedded
                    }
                    item.add(property.name, .item(value))
                }
                continue
            }
            lazy var text = plainValue(child)
            lazy var url = urlValue(child)
            let date = properties.contains { $0.prefix == .dt } ? dateValue(child, seen: &seen) : ""
            let embedded = MF2Embedded(child, baseURL: document.baseURL)
            for property in properties {
                switch property.prefix {
                case .p:
                    if property.name == "name", item.firstPName == nil { item.firstPName = text }
                    item.add(property.name, .text(text))
                case .u:
                    if property.name == "url", item.firstUURL == nil { item.firstUURL = url }
                    item.add(property.name, url)
                case .dt: item.add(property.name, .text(date))
                case .e: item.add(property.name, .html(embedded, lang: nil))
                }
            }
            collectProperties(of: child, into: &item, seen: &seen)
        }
    }

    // MARK: - Property values

    /// p-* parsing.
    package func plainValue(_ element: HTMLElement) -> String {
        if let values = valueClassPattern(element) { return values.joined() }
        if ["abbr", "link"].contains(element.name), let title = element[attribute: "title"] { return title }
        if ["data", "input"].contains(element.name), let value = element[attribute: "value"] { return value }
        if ["img", "area"].contains(element.name), let alt = element[attribute: "alt"] { return alt }
        return plainText(element)
    }

    /// u-* parsing.
    package func urlValue(_ element: HTMLElement) -> MF2Value {
        let name = element.name
        if ["a", "area", "link"].contains(name), let href = element[attribute: "href"] {
            return .text(resolved(href))
        }
        if name == "img", let src = element[attribute: "src"] {
            if let alt = element[attribute: "alt"] { return .image(url: resolved(src), alt: alt) }
            return .text(resolved(src))
        }
        if ["audio", "video", "source", "iframe"].contains(name), let src = element[attribute: "src"] {
            return .text(resolved(src))
        }
        if name == "video", let poster = element[attribute: "poster"] { return .text(resolved(poster)) }
        if name == "object", let data = element[attribute: "data"] { return .text(resolved(data)) }
        if let values = valueClassPattern(element) { return .text(resolved(values.joined())) }
        if name == "abbr", let title = element[attribute: "title"] { return .text(resolved(title)) }
        if ["data", "input"].contains(name), let value = element[attribute: "value"] { return .text(resolved(value)) }
        return .text(resolved(textContent(element).trimmingHTMLWhitespace()))
    }

    /// dt-* parsing, with the value-class date and time rules.
    package func dateValue(_ element: HTMLElement, seen: inout Seen) -> String {
        var result: String
        if let parts = valueClassPattern(element, forDates: true),
            let combined = MF2Dates.combine(parts, impliedDate: seen.date)
        {
            result = combined
        } else if ["time", "ins", "del"].contains(element.name), let datetime = element[attribute: "datetime"] {
            result = datetime
        } else if element.name == "abbr", let title = element[attribute: "title"] {
            result = title
        } else if ["data", "input"].contains(element.name), let value = element[attribute: "value"] {
            result = value
        } else {
            result = textContent(element).trimmingHTMLWhitespace()
        }
        if let date = MF2Dates.datePart(of: result) {
            if seen.date == nil { seen.date = date }
        } else if let date = seen.date, MF2Dates.isTimeOnly(result) {
            result = MF2Dates.combine([date, result], impliedDate: nil) ?? result
        }
        return result
    }

    // MARK: - Text

    /// The microformats text algorithm (see ``MF2Text``), charged to the budget.
    package func plainText(_ element: HTMLElement) -> String {
        MF2Text.plainText(element, baseURL: document.baseURL, budget: budget)
    }

    /// DOM `textContent`, charged to the budget.
    package func textContent(_ element: HTMLElement) -> String {
        MF2Text.textContent(element, budget: budget)
    }

    // MARK: - Value-class pattern

    /// The values of `value` / `value-title` children (not inside nested properties or items),
    /// or `nil` when the element does not use the pattern.
    package func valueClassPattern(_ element: HTMLElement, forDates: Bool = false) -> [String]? {
        var values: [String] = []
        var found = false
        func walk(_ element: HTMLElement) {
            for case .element(let child) in element.children where child.name != "template" {
                guard budget.spend() else { return }
                let classes = child.classNames
                if classes.contains("value-title") {
                    found = true
                    values.append(child[attribute: "title"] ?? "")
                    continue
                }
                if classes.contains("value") {
                    found = true
                    values.append(valueOf(child, forDates: forDates))
                    continue
                }
                // Values inside nested properties and microformats belong to them.
                if !MF2Names.roots(of: child).isEmpty || !MF2Names.properties(of: child).isEmpty { continue }
                walk(child)
            }
        }
        walk(element)
        return found ? values : nil
    }

    private func valueOf(_ element: HTMLElement, forDates: Bool) -> String {
        switch element.name {
        case "img", "area": return element[attribute: "alt"] ?? textContent(element)
        case "data": return element[attribute: "value"] ?? textContent(element)
        case "abbr": return element[attribute: "title"] ?? textContent(element)
        case "del", "ins", "time":
            return forDates ? element[attribute: "datetime"] ?? textContent(element) : textContent(element)
        default: return textContent(element)
        }
    }

    // MARK: - Implied properties

    private func applyImpliedProperties(_ element: HTMLElement, _ item: inout MF2Item, _ seen: Seen) {
        if item.properties["name"] == nil, !seen.p, !seen.e, !seen.nested {
            let name = impliedName(element)
            item.firstPName = name
            item.add("name", .text(name))
        }
        if item.properties["photo"] == nil, !seen.u, !seen.nested, let photo = impliedPhoto(element) {
            item.add("photo", photo)
        }
        if item.properties["url"] == nil, !seen.u, !seen.nested, let url = impliedURL(element) {
            item.firstUURL = .text(url)
            item.add("url", .text(url))
        }
    }

    private func impliedName(_ element: HTMLElement) -> String {
        func own(_ candidate: HTMLElement) -> String? {
            if ["img", "area"].contains(candidate.name), let alt = candidate[attribute: "alt"] {
                return alt.trimmingHTMLWhitespace()
            }
            if candidate.name == "abbr", let title = candidate[attribute: "title"] {
                return title.trimmingHTMLWhitespace()
            }
            return nil
        }
        if let name = own(element) { return name }
        // An only child (or only grandchild) lends its alt/title when that is not empty.
        if let child = onlyChild(element), MF2Names.roots(of: child).isEmpty {
            if let name = own(child), !name.isEmpty { return name }
            if let grandchild = onlyChild(child), MF2Names.roots(of: grandchild).isEmpty, let name = own(grandchild),
                !name.isEmpty
            {
                return name
            }
        }
        return plainText(element)
    }

    private func impliedPhoto(_ element: HTMLElement) -> MF2Value? {
        impliedFromElement(element, orOnly: ["img", "object"]) { candidate in
            if candidate.name == "img", let src = candidate[attribute: "src"] {
                if let alt = candidate[attribute: "alt"] { return .image(url: resolved(src), alt: alt) }
                return .text(resolved(src))
            }
            if candidate.name == "object", let data = candidate[attribute: "data"] { return .text(resolved(data)) }
            return nil
        }
    }

    private func impliedURL(_ element: HTMLElement) -> String? {
        impliedFromElement(element, orOnly: ["a", "area"]) { candidate in
            guard ["a", "area"].contains(candidate.name), let href = candidate[attribute: "href"] else { return nil }
            return resolved(href)
        }
    }

    /// `own` of the element itself, else of its only child of those names, else of the only such
    /// child of its only child; never of a nested microformat.
    private func impliedFromElement<T>(
        _ element: HTMLElement, orOnly names: Set<String>, _ own: (HTMLElement) -> T?
    ) -> T? {
        if let value = own(element) { return value }
        if let child = onlyChild(element, named: names), MF2Names.roots(of: child).isEmpty {
            return own(child)
        }
        if let child = onlyChild(element), MF2Names.roots(of: child).isEmpty,
            let grandchild = onlyChild(child, named: names), MF2Names.roots(of: grandchild).isEmpty
        {
            return own(grandchild)
        }
        return nil
    }

    /// The single child element, or (with `names`) the single child element of those names.
    private func onlyChild(_ element: HTMLElement, named names: Set<String>? = nil) -> HTMLElement? {
        guard budget.spend(element.children.count) else { return nil }
        let candidates = element.childElements.filter { names?.contains($0.name) ?? true }
        return candidates.count == 1 ? candidates[0] : nil
    }

    // MARK: - rels

    private func parseRels() -> ([String: [String]], [String: MF2RelURL]) {
        var rels: [String: [String]] = [:]
        var relURLs: [String: MF2RelURL] = [:]
        var order: [String] = []
        let links = document.root.descendants { ["a", "area", "link"].contains($0.name) && $0.has("rel") && $0.has("href") }
        for link in links {
            let tokens = (link[attribute: "rel"] ?? "").split(whereSeparator: \.isHTMLWhitespace).map(String.init)
            guard !tokens.isEmpty, let href = link[attribute: "href"] else { continue }
            let url = resolved(href)
            for token in tokens where !(rels[token]?.contains(url) ?? false) {
                rels[token, default: []].append(url)
            }
            if var existing = relURLs[url] {
                for token in tokens where !existing.rels.contains(token) { existing.rels.append(token) }
                relURLs[url] = existing
            } else {
                order.append(url)
                let text = textContent(link)
                relURLs[url] = MF2RelURL(
                    rels: tokens.reduce(into: []) { if !$0.contains($1) { $0.append($1) } },
                    text: text.isEmpty ? nil : text, title: link[attribute: "title"], type: link[attribute: "type"],
                    media: link[attribute: "media"], hreflang: link[attribute: "hreflang"])
            }
        }
        return (rels, relURLs)
    }

    private func resolved(_ reference: String) -> String {
        URLResolver.resolvedString(reference, against: document.baseURL) ?? reference
    }
}

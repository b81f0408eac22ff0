import Foundation

/// Turns a verified source page into ``MentionContent``: the h-entry that links to the target
/// (or else the page), its type, author, date, title and sanitised content; or, without an
/// h-entry, the page title and a WordPress-style excerpt around the link.
package struct MentionExtractor {
    package let document: HTMLDocument
    package let source: URL
    package let matcher: TargetMatcher
    package let maxContentLength: Int
    /// Steps the microformats parse may take (``MF2Parser``).
    package var budget = MF2Parser.defaultBudget

    /// What extraction produced, and whether the microformats parse ran out of budget (then the
    /// content is that of a page without microformats: title and excerpt).
    package struct Result {
        package var content: MentionContent
        package var budgetExceeded: Bool
        package var steps: Int
        /// The whole text the page is about (``MainText``), uncut: what copy detection compares.
        package var mainText: String
    }

    package func extract(link: HTMLElement) -> Result {
        let microformats = MF2Parser.parse(document, budget: budget)
        let entry = microformats.budgetExceeded ? nil : entry(containing: link, in: microformats.items)
        var content = entry.map { extract(link: link, from: $0) } ?? plain(link)
        content.sameAs = sameAs(entry, rels: microformats.rels["syndication"] ?? [])
        return Result(
            content: content, budgetExceeded: microformats.budgetExceeded, steps: microformats.stepsSpent,
            mainText: entry.flatMap(MainText.content(of:)) ?? MainText.page(document))
    }

    /// A page without (usable) microformats: its title and the excerpt around the link.
    private func plain(_ link: HTMLElement) -> MentionContent {
        MentionContent(
            type: .mention, title: document.title, excerpt: Excerpt.around(link, in: document.root),
            authorName: source.host)
    }

    private func extract(link: HTMLElement, from entry: MF2Item) -> MentionContent {
        var content = MentionContent(type: .mention)
        (content.type, content.rsvp) = type(of: entry)
        fillAuthor(of: entry, into: &content)
        content.published = entry.first("published")
        if case .html(let embedded, _)? = entry["content"].first {
            content.contentHTML = cut(HTMLSanitizer(baseURL: document.baseURL).sanitize(element: embedded.element), html: true)
            content.contentText = cut(embedded.readableText.collapsingWhitespace(), html: false)
        } else if let summary = entry.first("summary") {
            content.contentText = cut(summary.collapsingWhitespace(), html: false)
        }
        if let name = entry.first("name")?.collapsingWhitespace(), !name.isEmpty, !isImpliedFromContent(name, content) {
            content.title = name
        } else if content.contentText == nil {
            content.title = document.title
        }
        if content.contentText == nil {
            content.excerpt = Excerpt.around(link, in: document.root)
        }
        content.children = comments(of: entry)
        if content.type == .reply || content.type == .rsvp { content.inReplyTo = otherReplyTargets(of: entry) }
        return content
    }

    /// Comments kept per mention at most.
    package static let maxChildren = 50

    /// The entry's `comment` values that are h-cite or h-entry items, each with its author, URL,
    /// date, name and (sanitised, cut) content: a reply's own replies.
    private func comments(of entry: MF2Item) -> [MentionChild]? {
        let items = entry["comment"].compactMap(\.item).filter { $0.has(type: "h-cite") || $0.has(type: "h-entry") }
        guard !items.isEmpty else { return nil }
        return items.prefix(Self.maxChildren).map { item in
            var child = MentionChild(url: item.first("url"), published: item.first("published"))
            (child.authorName, child.authorURL, child.authorPhoto) = author(of: item)
            if case .html(let embedded, _)? = item["content"].first {
                child.contentHTML = cut(HTMLSanitizer(baseURL: document.baseURL).sanitize(element: embedded.element), html: true)
                child.contentText = cut(embedded.readableText.collapsingWhitespace(), html: false)
            } else if let text = (item.first("content") ?? item.first("summary"))?.collapsingWhitespace(), !text.isEmpty {
                child.contentText = cut(text, html: false)
            }
            if let name = item.first("name")?.collapsingWhitespace(), !name.isEmpty, name != child.contentText,
                !(child.contentText.map { name.hasPrefix($0) || $0.hasPrefix(name) } ?? false)
            {
                child.name = name
            }
            return child
        }
    }

    /// The innermost h-entry whose element contains the link; else the page's first h-entry.
    private func entry(containing link: HTMLElement, in items: [MF2Item]) -> MF2Item? {
        var entries: [MF2Item] = []
        func collect(_ item: MF2Item) {
            if item.has(type: "h-entry") { entries.append(item) }
            item.children.forEach(collect)
            for values in item.properties.values {
                for case .item(let nested) in values { collect(nested) }
            }
        }
        items.forEach(collect)
        // One walk finds the link's ancestors; an entry contains the link when its element is one.
        let ancestors = Set(Self.path(to: link, from: document.root).map(ObjectIdentifier.init))
        let containing = entries.filter { $0.element.map { ancestors.contains(ObjectIdentifier($0)) } ?? false }
        // Later entries in `containing` are nested deeper, since parents are collected first.
        return containing.last ?? items.first { $0.has(type: "h-entry") }
    }

    /// The elements from `root` down to `target`, both included; empty when `target` is not below `root`.
    package static func path(to target: HTMLElement, from root: HTMLElement) -> [HTMLElement] {
        var path: [HTMLElement] = []
        func walk(_ element: HTMLElement) -> Bool {
            path.append(element)
            if element === target { return true }
            for case .element(let child) in element.children where walk(child) { return true }
            path.removeLast()
            return false
        }
        return walk(root) ? path : []
    }

    /// reply/like/repost/bookmark when that property names the target; rsvp for a reply with p-rsvp.
    private func type(of entry: MF2Item) -> (MentionType, String?) {
        let names: [(String, MentionType)] = [
            ("in-reply-to", .reply), ("repost-of", .repost), ("like-of", .like), ("bookmark-of", .bookmark),
        ]
        for (property, type) in names where entry[property].contains(where: names(target:)) {
            if type == .reply, let rsvp = entry.first("rsvp")?.lowercased(), !rsvp.isEmpty {
                return (.rsvp, rsvp)
            }
            return (type, nil)
        }
        return (.mention, nil)
    }

    /// The post's other URLs: the entry's `url` and `syndication`, the page's `rel=syndication`;
    /// not the source itself.
    private func sameAs(_ entry: MF2Item?, rels: [String]) -> [String]? {
        let texts = (entry?["url"] ?? []).compactMap(\.string) + (entry?["syndication"] ?? []).compactMap(\.string) + rels
        return Self.webURLs(texts, except: CanonicalURL.string(source))
    }

    /// The entry's `in-reply-to` URLs that are not the target (a reply to a reply names both).
    private func otherReplyTargets(of entry: MF2Item) -> [String]? {
        Self.webURLs(entry["in-reply-to"].filter { !names(target: $0) }.compactMap { value in
            value.item.flatMap { $0.first("url") ?? $0.value?.string } ?? value.string
        })
    }

    /// `texts` that are http(s) URLs, canonical, each once, not `except`, at most
    /// ``MentionContent/maxURLs``; `nil` for none.
    private static func webURLs(_ texts: [String], except: String? = nil) -> [String]? {
        var found: [String] = []
        for text in texts {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                let canonical = CanonicalURL.string(url), canonical != except, !found.contains(canonical)
            else { continue }
            found.append(canonical)
            if found.count == MentionContent.maxURLs { break }
        }
        return found.isEmpty ? nil : found
    }

    private func names(target value: MF2Value) -> Bool {
        switch value {
        case .item(let item):
            return item["url"].contains { $0.string.map(matcher.matches(string:)) ?? false }
                || (item.value?.string.map(matcher.matches(string:)) ?? false)
        default:
            return value.string.map(matcher.matches(string:)) ?? false
        }
    }

    private func fillAuthor(of entry: MF2Item, into content: inout MentionContent) {
        (content.authorName, content.authorURL, content.authorPhoto) = author(of: entry)
        if content.authorName?.isEmpty ?? true { content.authorName = source.host }
    }

    /// An item's author: an h-card's name, URL and photo, or a bare URL or name.
    private func author(of item: MF2Item) -> (name: String?, url: String?, photo: String?) {
        switch item["author"].first {
        case .item(let card)?:
            return (card.first("name")?.collapsingWhitespace(), card.first("url"), card.first("photo"))
        case let value?:
            if let text = value.string, let url = URL(string: text), url.scheme?.hasPrefix("http") == true {
                return (nil, text, nil)
            }
            return (value.string?.collapsingWhitespace(), nil, nil)
        case nil:
            return (nil, nil, nil)
        }
    }

    /// A name the parser implied from the whole entry (a note) is not a title.
    private func isImpliedFromContent(_ name: String, _ content: MentionContent) -> Bool {
        guard let text = content.contentText else { return false }
        return text.hasPrefix(name) || name.hasPrefix(text) || name.count > 200
    }

    private func cut(_ text: String, html: Bool) -> String {
        // Bytes first: no more bytes than the limit is no more characters. Then the characters
        // are counted only as far as the limit, on bytes while they are ASCII (counting a long
        // text's all was 2.6 % of a 20 KB page's verification, Swift's walk to the limit 1.7 %).
        guard text.utf8.count > maxContentLength, let end = text.index(characterOffset: maxContentLength), end < text.endIndex
        else { return text }
        if html {
            // Cutting markup would leave it unbalanced: re-sanitise the cut text as plain text.
            return HTMLEscaping.escape(String(text[..<end])) + "…"
        }
        return String(text[..<end]) + "…"
    }
}

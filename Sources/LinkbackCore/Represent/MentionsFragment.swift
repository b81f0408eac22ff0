import Foundation
import LinkbackKit

/// What a page shows of its mentions, the one description of that markup: `/api/mentions.html`
/// answers it for blogs that include it at build time (or show it without JavaScript), and the
/// `mentions.js` widget shows the same answer, so both render alike by construction.
///
/// The first page is a heading, a pile of faces per like, repost and bookmark (the newest
/// ``facesPerPile``, under the count of all), then the conversation (replies, mentions, RSVPs)
/// oldest first, a reply nested under the one it answers, and "Show more" while there is more;
/// a later page is the next comments only. Every remote text goes through ``HTMLEscaping``;
/// content HTML is the sanitised HTML stored at verification, without images; links are http(s)
/// only. An avatar is drawn over its author's initial, so a photo that fails leaves the initial.
public enum MentionsFragment {
    /// Replies nested deeper than this are drawn at this depth.
    public static let maxDepth = 6
    /// Faces shown per pile (the newest).
    public static let facesPerPile = 30
    /// Comments per page unless `per-page` says otherwise.
    public static let commentsPerPage = 50
    /// The types drawn as faces, in order, with the word of their heading.
    static let piles: [(type: MentionType, word: MentionsWording.Key)] = [(.like, .likes), (.repost, .reposts), (.bookmark, .bookmarks)]
    /// The types of the conversation.
    public static let conversation: [MentionType] = [.reply, .mention, .rsvp]
    /// The types drawn as faces.
    public static var faceTypes: [MentionType] { piles.map(\.type) }

    /// One page of a post's mentions, as read for ``render(_:)``.
    public struct View: Sendable {
        /// A pile of faces: the count of its type (counted-only mentions included) and the newest faces.
        public struct Pile: Sendable {
            public var type: MentionType
            public var total: Int
            public var faces: [Mention]

            public init(type: MentionType, total: Int, faces: [Mention]) {
                self.type = type
                self.total = total
                self.faces = faces
            }
        }

        /// The first page (heading, piles, "No mentions yet"), or a later page of comments.
        public var first: Bool
        public var piles: [Pile]
        public var comments: [Mention]
        /// Each reply's parent (``Threads``), listed here or not.
        public var parents: [Int64: Int64]
        /// The next page's address, when there are more comments.
        public var more: String?
        public var wording: MentionsWording

        public init(
            first: Bool = true, piles: [Pile] = [], comments: [Mention] = [], parents: [Int64: Int64] = [:], more: String? = nil,
            wording: MentionsWording = .english
        ) {
            self.first = first
            self.piles = piles
            self.comments = comments
            self.parents = parents
            self.more = more
            self.wording = wording
        }

        /// A view of `mentions` as one list: each face type's mentions a pile (all shown), the rest
        /// the conversation.
        public init(_ mentions: [Mention], parents: [Int64: Int64] = [:], wording: MentionsWording = .english) {
            let type = { (mention: Mention) in (mention.content ?? MentionContent()).type }
            self.init(
                piles: MentionsFragment.faceTypes.map { kind in
                    let faces = mentions.filter { type($0) == kind }
                    return Pile(type: kind, total: faces.count, faces: faces)
                },
                comments: mentions.filter { MentionsFragment.conversation.contains(type($0)) }, parents: parents, wording: wording)
        }
    }

    /// `view` as HTML: a `<section class="linkback">`; every comment is `<li id="mention-N">` (the
    /// fragment a reply to it may be sent to), nested under its parent in an
    /// `<ol class="linkback-replies">`, and one whose parent is not on this page says which it
    /// answers in `data-parent` (the widget moves it there when that one is shown).
    public static func render(_ view: View) -> String {
        let words = view.wording
        var html = #"<section class="linkback" lang="\#(words.language)">"#
        if view.first {
            html += #"<h2 class="linkback-heading">\#(HTMLEscaping.escape(words[.heading]))</h2>"#
            for (type, word) in piles {
                guard let pile = view.piles.first(where: { $0.type == type }), pile.total > 0 || !pile.faces.isEmpty else { continue }
                let title = HTMLEscaping.escape(words[word])
                html += #"<section class="linkback-pile"><h3>\#(title) <span class="linkback-count">\#(max(pile.total, pile.faces.count))</span></h3>"#
                html += #"<ul class="linkback-faces" aria-label="\#(title)">"#
                for mention in pile.faces {
                    let content = mention.content ?? MentionContent()
                    let name = name(mention, content)
                    html += #"<li title="\#(HTMLEscaping.escape(name))">"# + link(mention, content, avatar(content, name)) + "</li>"
                }
                html += "</ul></section>"
            }
        }
        if !view.comments.isEmpty {
            let tree = Thread(view.comments, parents: view.parents)
            let listed = Set(view.comments.map(\.id))
            func comments(_ list: [Mention], depth: Int) -> String {
                var html = ""
                for mention in list {
                    let loose = view.parents[mention.id].map { listed.contains($0) ? "" : #" data-parent="mention-\#($0)""# } ?? ""
                    html += #"<li id="mention-\#(mention.id)"\#(loose)>"# + comment(mention, mention.content ?? MentionContent(), words)
                    let replies = tree.replies(to: mention.id)
                    if !replies.isEmpty, depth < maxDepth {
                        html += #"<ol class="linkback-replies">"# + comments(replies, depth: depth + 1) + "</ol>"
                    }
                    html += "</li>"
                    if depth >= maxDepth { html += comments(replies, depth: depth) }
                }
                return html
            }
            html += #"<ol class="linkback-comments">"# + comments(tree.roots, depth: 1) + "</ol>"
        }
        if view.first, view.comments.isEmpty, view.piles.allSatisfy({ $0.total == 0 && $0.faces.isEmpty }) {
            html += #"<p class="linkback-empty">\#(HTMLEscaping.escape(words[.empty]))</p>"#
        }
        if let more = view.more {
            html += #"<a class="linkback-more" href="\#(HTMLEscaping.escape(more))" rel="nofollow">\#(HTMLEscaping.escape(words[.more]))</a>"#
        }
        return html + "</section>\n"
    }

    /// `mentions` as one page, every one shown (see ``View/init(_:parents:wording:)``).
    public static func render(_ mentions: [Mention], parents: [Int64: Int64] = [:]) -> String {
        render(View(mentions, parents: parents))
    }

    /// The conversation as a tree: a reply whose parent is not listed is a root, and so is one
    /// whose parent link, taken in listing order, would close a circle (a answers b, b answers a).
    struct Thread {
        let roots: [Mention]
        private let children: [Int64: [Mention]]

        init(_ mentions: [Mention], parents: [Int64: Int64]) {
            let listed = Set(mentions.map(\.id))
            var accepted: [Int64: Int64] = [:]
            for mention in mentions {
                guard let parent = parents[mention.id], listed.contains(parent) else { continue }
                var step: Int64? = parent
                var closes = false
                while let current = step {
                    if current == mention.id { closes = true; break }
                    step = accepted[current]
                }
                if !closes { accepted[mention.id] = parent }
            }
            var roots: [Mention] = []
            var children: [Int64: [Mention]] = [:]
            for mention in mentions {
                if let parent = accepted[mention.id] { children[parent, default: []].append(mention) } else { roots.append(mention) }
            }
            self.roots = roots
            self.children = children
        }

        func replies(to id: Int64) -> [Mention] { children[id] ?? [] }
    }

    private static func comment(_ mention: Mention, _ content: MentionContent, _ words: MentionsWording) -> String {
        let name = name(mention, content)
        let kind = switch content.type {
        case .reply: words[.replied]
        case .rsvp: [words[.rsvp], content.rsvp ?? ""].joined(separator: " ").trimmingCharacters(in: .whitespaces)
        default: words[.mentioned]
        }
        // The source's own date when it is one, else when it arrived.
        let received = mention.received.iso8601
        let (stamp, day) = content.published.flatMap { published in words.date(published).map { (published, $0) } }
            ?? (received, words.date(received) ?? String(received.prefix(10)))
        var html = #"<article class="linkback-comment"><header>"#
        html += link(mention, content, avatar(content, name)) + " "
        html += link(mention, content, #"<span class="linkback-name">\#(HTMLEscaping.escape(name))</span>"#) + " "
        html += #"<span class="linkback-kind">\#(HTMLEscaping.escape(kind))</span> "#
        html += #"<a class="linkback-source" rel="nofollow ugc noopener" href="\#(HTMLEscaping.escape(mention.source))">"#
        html += #"<time datetime="\#(HTMLEscaping.escape(stamp))">\#(HTMLEscaping.escape(day))</time></a>"#
        html += "</header>"
        if let body = content.contentHTML {
            html += #"<div class="linkback-content">\#(Self.shown(body))</div>"#
        } else if let text = content.contentText ?? content.title ?? content.excerpt {
            html += #"<p class="linkback-content">\#(HTMLEscaping.escape(text))</p>"#
        }
        if let children = content.children, !children.isEmpty {
            html += #"<ul class="linkback-children">"#
            for child in children { html += Self.child(child) }
            html += "</ul>"
        }
        return html + "</article>"
    }

    /// A comment nested in a reply's source (Salmention): its author and its text.
    private static func child(_ child: MentionChild) -> String {
        let host = child.url.flatMap { URL(string: $0)?.host } ?? ""
        let name = child.authorName.flatMap { $0.isEmpty ? nil : $0 } ?? (host.isEmpty ? "someone" : host)
        let text = child.contentText ?? child.name ?? ""
        let url = [child.authorURL, child.url].lazy.compactMap { $0 }.first(where: isWebURL)
        var label = #"<span class="linkback-name">\#(HTMLEscaping.escape(name))</span>"#
        if let url { label = #"<a href="\#(HTMLEscaping.escape(url))" rel="nofollow ugc noopener">\#(label)</a>"# }
        return #"<li class="linkback-child">"# + label + (text.isEmpty ? "" : ": " + HTMLEscaping.escape(text)) + "</li>"
    }

    /// Sanitised content as a page shows it: without its `<img>` tags (a reply's pictures would
    /// have every reader's browser fetch from the reply's host), its links marked
    /// `rel="nofollow ugc noopener"` (the sanitiser keeps no `rel`). The sanitiser's output escapes
    /// `<` in text and quotes every attribute with `"`, so a tag runs from `<` to the first `>`
    /// outside quotes.
    package static func shown(_ html: String) -> String {
        guard html.contains("<img") || html.contains("<a") else { return html }
        var kept = ""
        var rest = html[...]
        while let open = rest.firstIndex(of: "<") {
            kept += rest[..<open]
            var quoted = false
            var end = rest.index(after: open)
            while end < rest.endIndex, quoted || rest[end] != ">" {
                if rest[end] == "\"" { quoted.toggle() }
                end = rest.index(after: end)
            }
            if end < rest.endIndex { end = rest.index(after: end) }
            let tag = rest[open..<end]
            switch tag.dropFirst().prefix(while: { $0.isLetter || $0.isNumber }).lowercased() {
            case "img": break
            case "a": kept += #"<a rel="nofollow ugc noopener""# + tag.dropFirst(2)
            default: kept += tag
            }
            rest = rest[end...]
        }
        return kept + rest
    }

    private static func isWebURL(_ text: String) -> Bool { text.hasPrefix("https://") || text.hasPrefix("http://") }

    private static func name(_ mention: Mention, _ content: MentionContent) -> String {
        content.authorName.flatMap { $0.isEmpty ? nil : $0 } ?? URL(string: mention.source)?.host ?? mention.source
    }

    /// The author's initial, and over it their photo when they have one; `mentions.css` draws a
    /// photo that does not load as the initial (`data-initial`) instead of a broken image.
    private static func avatar(_ content: MentionContent, _ name: String) -> String {
        let first = String(name.trimmingCharacters(in: .whitespaces).prefix(1)).uppercased()
        let initial = HTMLEscaping.escape(first.isEmpty ? "?" : first)
        var html = #"<span class="linkback-avatar" aria-hidden="true">\#(initial)"#
        if let photo = content.authorPhoto, isWebURL(photo) {
            html += #"<img src="\#(HTMLEscaping.escape(photo))" alt="" data-initial="\#(initial)" loading="lazy" width="48" height="48" referrerpolicy="no-referrer">"#
        }
        return html + "</span>"
    }

    private static func link(_ mention: Mention, _ content: MentionContent, _ inner: String) -> String {
        let url = content.authorURL.flatMap { isWebURL($0) ? $0 : nil } ?? mention.source
        return #"<a href="\#(HTMLEscaping.escape(url))" rel="nofollow ugc noopener">\#(inner)</a>"#
    }
}

import Foundation
import LinkbackKit

/// The mentions of a page as an HTML fragment, for blogs that include them at build time (or
/// without JavaScript): the same structure and class names as the `mentions.js` widget. Every
/// remote text goes through ``HTMLEscaping``; content HTML is the sanitised HTML stored at
/// verification; links are http(s) only.
public enum MentionsFragment {
    /// Replies nested deeper than this are drawn at this depth.
    public static let maxDepth = 6

    /// `parents` (``Threads``) nests each reply under the one it answers, in its own
    /// `<ol class="linkback-replies">`; every comment is `<li id="mention-N">`, the fragment a reply
    /// to it may be sent to.
    public static func render(_ mentions: [Mention], parents: [Int64: Int64] = [:]) -> String {
        let entries = mentions.map { (mention: $0, content: $0.content ?? MentionContent()) }
        var html = #"<section class="linkback"><h2 class="linkback-heading">Mentions</h2>"#
        for (type, title) in [(MentionType.like, "Likes"), (.repost, "Reposts"), (.bookmark, "Bookmarks")] {
            let faces = entries.filter { $0.content.type == type }
            guard !faces.isEmpty else { continue }
            html += #"<section class="linkback-pile"><h3>\#(title) <span class="linkback-count">\#(faces.count)</span></h3>"#
            html += #"<ul class="linkback-faces" aria-label="\#(title)">"#
            for entry in faces {
                let name = name(entry.mention, entry.content)
                html += #"<li title="\#(HTMLEscaping.escape(name))">"# + link(entry.mention, entry.content, avatar(entry.content, name)) + "</li>"
            }
            html += "</ul></section>"
        }
        let conversation = entries.filter { [.reply, .mention, .rsvp].contains($0.content.type) }
        if !conversation.isEmpty {
            let tree = Thread(conversation.map(\.mention), parents: parents)
            func comments(_ list: [Mention], depth: Int) -> String {
                var html = ""
                for mention in list {
                    html += #"<li id="mention-\#(mention.id)">"# + comment(mention, mention.content ?? MentionContent())
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
        if entries.isEmpty { html += #"<p class="linkback-empty">No mentions yet.</p>"# }
        return html + "</section>\n"
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

    private static func comment(_ mention: Mention, _ content: MentionContent) -> String {
        let name = name(mention, content)
        let kind = content.type == .reply ? "replied" : content.type == .rsvp ? "RSVPed \(content.rsvp ?? "")" : "mentioned this"
        let date = content.published ?? mention.received.iso8601
        var html = #"<article class="linkback-comment"><header>"#
        html += link(mention, content, avatar(content, name)) + " "
        html += link(mention, content, #"<span class="linkback-name">\#(HTMLEscaping.escape(name))</span>"#) + " "
        html += #"<span class="linkback-kind">\#(HTMLEscaping.escape(kind.trimmingCharacters(in: .whitespaces)))</span> "#
        html += #"<a class="linkback-source" rel="nofollow ugc noopener" href="\#(HTMLEscaping.escape(mention.source))">"#
        html += #"<time datetime="\#(HTMLEscaping.escape(date))">\#(HTMLEscaping.escape(String(date.prefix(10))))</time></a>"#
        html += "</header>"
        if let body = content.contentHTML {
            html += #"<div class="linkback-content">\#(body)</div>"#
        } else if let text = content.contentText ?? content.title ?? content.excerpt {
            html += #"<p class="linkback-content">\#(HTMLEscaping.escape(text))</p>"#
        }
        return html + "</article>"
    }

    private static func name(_ mention: Mention, _ content: MentionContent) -> String {
        content.authorName.flatMap { $0.isEmpty ? nil : $0 } ?? URL(string: mention.source)?.host ?? mention.source
    }

    private static func avatar(_ content: MentionContent, _ name: String) -> String {
        guard let photo = content.authorPhoto, photo.hasPrefix("https://") || photo.hasPrefix("http://") else {
            return #"<span class="linkback-avatar linkback-placeholder" aria-hidden="true">\#(HTMLEscaping.escape(String(name.prefix(1)).uppercased()))</span>"#
        }
        return #"<img class="linkback-avatar" src="\#(HTMLEscaping.escape(photo))" alt="\#(HTMLEscaping.escape(name))" loading="lazy" width="48" height="48" referrerpolicy="no-referrer">"#
    }

    private static func link(_ mention: Mention, _ content: MentionContent, _ inner: String) -> String {
        let url = content.authorURL.flatMap { $0.hasPrefix("https://") || $0.hasPrefix("http://") ? $0 : nil } ?? mention.source
        return #"<a href="\#(HTMLEscaping.escape(url))" rel="nofollow ugc noopener">\#(inner)</a>"#
    }
}

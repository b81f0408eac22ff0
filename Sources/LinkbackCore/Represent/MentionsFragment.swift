import Foundation
import LinkbackKit

/// The mentions of a page as an HTML fragment, for blogs that include them at build time (or
/// without JavaScript): the same structure and class names as the `mentions.js` widget. Every
/// remote text goes through ``HTMLEscaping``; content HTML is the sanitised HTML stored at
/// verification; links are http(s) only.
public enum MentionsFragment {
    public static func render(_ mentions: [Mention]) -> String {
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
            html += #"<ol class="linkback-comments">"#
            for (mention, content) in conversation {
                let name = name(mention, content)
                let kind = content.type == .reply ? "replied" : content.type == .rsvp ? "RSVPed \(content.rsvp ?? "")" : "mentioned this"
                let date = content.published ?? mention.received.iso8601
                html += #"<li><article class="linkback-comment"><header>"#
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
                html += "</article></li>"
            }
            html += "</ol>"
        }
        if entries.isEmpty { html += #"<p class="linkback-empty">No mentions yet.</p>"# }
        return html + "</section>\n"
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

import Foundation
import LinkbackKit

/// An Atom feed (RFC 4287) of mentions, for feed readers: one entry per mention, linking to
/// its source, with the author, the title (or a sentence naming the type) and the sanitised
/// content.
public enum AtomFeed {
    public static func render(_ mentions: [Mention], title: String, selfURL: String, updated: Date = Date()) -> String {
        func text(_ value: String) -> String { HTMLEscaping.escape(value) }
        var xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
            <title>\(text(title))</title>
            <id>\(text(selfURL))</id>
            <link rel="self" href="\(text(selfURL))"/>
            <updated>\((mentions.map(\.updated).max() ?? updated).iso8601)</updated>

            """
        for mention in mentions {
            let content = mention.content ?? MentionContent()
            let author = content.authorName ?? URL(string: mention.source)?.host ?? mention.source
            let heading = content.title ?? "\(author): \(sentence(content.type)) \(mention.target)"
            xml += "<entry>\n"
            xml += "<id>\(text(mention.source + "#linkback-" + String(mention.id)))</id>\n"
            xml += "<title>\(text(heading))</title>\n"
            xml += "<link rel=\"alternate\" href=\"\(text(mention.source))\"/>\n"
            xml += "<link rel=\"related\" href=\"\(text(mention.target))\"/>\n"
            xml += "<updated>\(mention.updated.iso8601)</updated>\n"
            xml += "<published>\(mention.received.iso8601)</published>\n"
            xml += "<author><name>\(text(author))</name>"
                + (content.authorURL.map { "<uri>\(text($0))</uri>" } ?? "") + "</author>\n"
            xml += "<category term=\"\(text(JF2Entry.property(of: content.type)))\"/>\n"
            if let html = content.contentHTML ?? content.excerpt.map(HTMLEscaping.escape) {
                xml += "<content type=\"html\">\(text(html))</content>\n"
            }
            xml += "</entry>\n"
        }
        return xml + "</feed>\n"
    }

    private static func sentence(_ type: MentionType) -> String {
        switch type {
        case .reply: return "replied to"
        case .like: return "liked"
        case .repost: return "reposted"
        case .bookmark: return "bookmarked"
        case .rsvp: return "RSVPed to"
        case .mention: return "mentioned"
        }
    }
}

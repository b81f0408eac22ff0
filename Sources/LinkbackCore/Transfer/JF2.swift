import Foundation

/// JF2 feeds as webmention.io's API returns them, for moving mentions in and out of Linkback.
public enum JF2 {
    /// One mention read from a JF2 feed entry.
    public struct Entry: Sendable, Equatable {
        public var source: String
        public var target: String
        public var received: Date?
        public var content: MentionContent
    }

    static let properties: [(String, MentionType)] = [
        ("in-reply-to", .reply), ("like-of", .like), ("repost-of", .repost), ("bookmark-of", .bookmark),
        ("rsvp", .rsvp), ("mention-of", .mention),
    ]

    /// Parses a JF2 feed (`{"type": "feed", "children": [...]}`); entries without `wm-source` and
    /// `wm-target` are skipped and counted.
    public static func parse(_ data: Data) throws -> (entries: [Entry], skipped: Int) {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let children = root["children"] as? [[String: Any]]
        else { throw JF2Error("not a JF2 feed: expected an object with a \"children\" array") }
        var entries: [Entry] = []
        var skipped = 0
        for child in children {
            guard let source = child["wm-source"] as? String, let target = child["wm-target"] as? String else {
                skipped += 1
                continue
            }
            let property = child["wm-property"] as? String ?? "mention-of"
            var content = MentionContent(type: properties.first { $0.0 == property }?.1 ?? .mention)
            if content.type == .rsvp { content.rsvp = child["rsvp"] as? String }
            if let author = child["author"] as? [String: Any] {
                content.authorName = (author["name"] as? String).flatMap { $0.isEmpty ? nil : $0 }
                content.authorURL = (author["url"] as? String).flatMap { $0.isEmpty ? nil : $0 }
                content.authorPhoto = (author["photo"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            }
            if let body = child["content"] as? [String: Any] {
                if let html = body["html"] as? String {
                    content.contentHTML = HTMLSanitizer(baseURL: URL(string: source)).sanitize(html: html)
                }
                content.contentText = body["text"] as? String
            }
            content.title = child["name"] as? String
            content.published = child["published"] as? String
            let received = (child["wm-received"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
            // Imported data is as untrusted as fetched data: the same sanitising.
            entries.append(
                Entry(source: source, target: target, received: received, content: content.safe(baseURL: URL(string: source))))
        }
        return (entries, skipped)
    }

    /// A JF2 feed of `mentions`, shaped like webmention.io's (`wm-*` fields included).
    public static func feed(_ mentions: [Mention]) -> [String: Any] {
        let children: [[String: Any]] = mentions.map { mention in
            let content = mention.content ?? MentionContent()
            let property = properties.first { $0.1 == content.type }?.0 ?? "mention-of"
            var entry: [String: Any] = [
                "type": "entry", "url": mention.source, "wm-id": mention.id, "wm-source": mention.source,
                "wm-target": mention.target, "wm-property": property, property: mention.target,
                "wm-received": mention.received.formatted(Date.ISO8601FormatStyle()),
                "wm-private": false, "wm-status": mention.status.rawValue, "wm-protocol": mention.protocol.rawValue,
            ]
            var author: [String: Any] = ["type": "card"]
            author["name"] = content.authorName ?? ""
            author["url"] = content.authorURL ?? ""
            author["photo"] = content.authorPhoto ?? ""
            entry["author"] = author
            if content.contentHTML != nil || content.contentText != nil {
                entry["content"] = ["html": content.contentHTML ?? "", "text": content.contentText ?? ""]
            }
            if let title = content.title { entry["name"] = title }
            if let published = content.published { entry["published"] = published }
            if let rsvp = content.rsvp { entry["rsvp"] = rsvp }
            return entry
        }
        return ["type": "feed", "name": "Linkback export", "children": children]
    }
}

public struct JF2Error: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import LinkbackKit

/// JF2 feeds as webmention.io's API returns them, for moving mentions in and out of Linkback.
public enum JF2 {
    /// One mention read from a JF2 feed entry.
    public struct Entry: Sendable, Equatable {
        public var source: String
        public var target: String
        public var received: Date?
        public var content: MentionContent
        /// `wm-status`, in Linkback's own exports; `nil` (webmention.io) means approved.
        public var status: MentionStatus?
        /// `wm-protocol`; `nil` means webmention.
        public var `protocol`: MentionProtocol?
        /// `wm-id`, which orders entries received at the same moment.
        public var id: Int64?
        /// `wm-vouch`, in Linkback's own exports.
        public var vouch: String? = nil
        /// `wm-private`: a Private Webmention stays private when it moves.
        public var isPrivate = false
    }

    /// Parses a JF2 feed (`{"type": "feed", "children": [...]}`); entries without `wm-source` and
    /// `wm-target`, or with a `wm-status` or `wm-protocol` Linkback does not know, are skipped and
    /// counted.
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
            let status = (child["wm-status"] as? String).map(MentionStatus.init(rawValue:))
            let proto = (child["wm-protocol"] as? String).map(MentionProtocol.init(rawValue:))
            if status == .some(nil) || proto == .some(nil) {
                skipped += 1
                continue
            }
            let property = child["wm-property"] as? String ?? "mention-of"
            var content = MentionContent(type: JF2Entry.type(ofProperty: property) ?? .mention)
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
            if let nested = child["children"] as? [[String: Any]], !nested.isEmpty {
                content.children = nested.map { Self.child($0, source: source) }
            }
            let received = (child["wm-received"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
            // Imported data is as untrusted as fetched data: the same sanitising.
            entries.append(
                Entry(
                    source: source, target: target, received: received, content: content.safe(baseURL: URL(string: source)),
                    status: status ?? nil, protocol: proto ?? nil, id: (child["wm-id"] as? NSNumber)?.int64Value,
                    vouch: (child["wm-vouch"] as? String).flatMap { try? MentionCheck.parse($0).get().absoluteString },
                    isPrivate: child["wm-private"] as? Bool ?? false))
        }
        return (entries, skipped)
    }

    /// A comment nested in an entry (`children`), its HTML sanitised as fetched HTML is.
    private static func child(_ entry: [String: Any], source: String) -> MentionChild {
        var child = MentionChild(url: entry["url"] as? String, name: entry["name"] as? String, published: entry["published"] as? String)
        if let author = entry["author"] as? [String: Any] {
            child.authorName = (author["name"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            child.authorURL = (author["url"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            child.authorPhoto = (author["photo"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        }
        if let body = entry["content"] as? [String: Any] {
            child.contentHTML = (body["html"] as? String).map { HTMLSanitizer(baseURL: URL(string: source)).sanitize(html: $0) }
            child.contentText = body["text"] as? String
        }
        return child
    }

    /// A JF2 feed of `mentions`, shaped like webmention.io's (`wm-*` fields included, and
    /// `wm-status` so Linkback can read its own export back).
    public static func feed(_ mentions: [Mention]) -> JF2Feed {
        JF2Feed(name: "Linkback export", children: mentions.map { JF2Entry($0, includeStatus: true) })
    }
}

public struct JF2Error: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import LinkbackKit

/// A mention as a JF2 entry, the shape of webmention.io's `/api/mentions.jf2` children (and of
/// its webhooks' `post`): `author`, `url`, `published`, the `wm-*` fields, `content`, `name`,
/// `rsvp`, and the property itself (`in-reply-to`, `like-of`, …) naming the target.
public struct JF2Entry: Encodable, Sendable, Equatable {
    public struct Author: Encodable, Sendable, Equatable {
        public var type = "card"
        public var name: String
        public var url: String
        public var photo: String
    }

    public struct Content: Encodable, Sendable, Equatable {
        /// Sanitised HTML.
        public var html: String
        public var text: String
    }

    public var author: Author
    public var url: String
    public var published: String?
    public var received: String
    public var id: Int64
    public var source: String
    public var target: String
    public var `protocol`: String
    /// `in-reply-to`, `like-of`, `repost-of`, `bookmark-of`, `rsvp` or `mention-of`.
    public var property: String
    public var content: Content?
    public var name: String?
    public var rsvp: String?
    /// `wm-status`: only in Linkback's own exports (the read API lists approved mentions only).
    public var status: String?
    /// `wm-vouch`: the vouch URL the sender gave (Vouch), when there was one.
    public var vouch: String?
    /// `wm-private`: a Private Webmention.
    public var isPrivate: Bool
    /// `children`: comments on the source entry (Salmention style), each a JF2 entry.
    public var children: [Child]?
    /// `wm-parent`: the `wm-id` of the mention this reply answers (``Threads``).
    public var parent: Int64?
    /// `wm-aliases`: the sources of the other copies of this interaction (``Mention/aliasOf``).
    public var aliases: [String]?

    /// A comment nested in the mention's source: `{"type": "entry", author, url, published,
    /// name, content}`.
    public struct Child: Encodable, Sendable, Equatable {
        public var type = "entry"
        public var author: Author
        public var url: String?
        public var published: String?
        public var name: String?
        public var content: Content?

        init(_ child: MentionChild) {
            author = Author(name: child.authorName ?? "", url: child.authorURL ?? "", photo: child.authorPhoto ?? "")
            url = child.url
            published = child.published
            name = child.name
            if child.contentHTML != nil || child.contentText != nil {
                content = Content(html: child.contentHTML ?? "", text: child.contentText ?? "")
            }
        }
    }

    /// The JF2 property of each mention type, webmention.io's `wm-property` values.
    public static let properties: [(property: String, type: MentionType)] = [
        ("in-reply-to", .reply), ("like-of", .like), ("repost-of", .repost), ("bookmark-of", .bookmark),
        ("rsvp", .rsvp), ("mention-of", .mention),
    ]

    public static func property(of type: MentionType) -> String {
        properties.first { $0.type == type }?.property ?? "mention-of"
    }

    public static func type(ofProperty property: String) -> MentionType? {
        properties.first { $0.property == property }?.type
    }

    public init(_ mention: Mention, includeStatus: Bool = false, parent: Int64? = nil, aliases: [String]? = nil) {
        self.parent = parent
        self.aliases = aliases
        let content = mention.content ?? MentionContent()
        author = Author(name: content.authorName ?? "", url: content.authorURL ?? "", photo: content.authorPhoto ?? "")
        url = mention.source
        published = content.published
        received = mention.received.iso8601
        id = mention.id
        source = mention.source
        target = mention.target
        `protocol` = mention.protocol.rawValue
        property = Self.property(of: content.type)
        if content.contentHTML != nil || content.contentText != nil {
            self.content = Content(html: content.contentHTML ?? "", text: content.contentText ?? "")
        }
        name = content.title
        rsvp = content.rsvp
        status = includeStatus ? mention.status.rawValue : nil
        vouch = mention.vouch
        isPrivate = mention.isPrivate
        children = content.children?.map(Child.init)
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode("entry", forKey: Key("type"))
        try container.encode(author, forKey: Key("author"))
        try container.encode(url, forKey: Key("url"))
        try container.encode(published, forKey: Key("published"))
        try container.encode(received, forKey: Key("wm-received"))
        try container.encode(id, forKey: Key("wm-id"))
        try container.encode(source, forKey: Key("wm-source"))
        try container.encode(target, forKey: Key("wm-target"))
        try container.encode(`protocol`, forKey: Key("wm-protocol"))
        try container.encode(property, forKey: Key("wm-property"))
        try container.encode(isPrivate, forKey: Key("wm-private"))
        try container.encodeIfPresent(status, forKey: Key("wm-status"))
        try container.encodeIfPresent(vouch, forKey: Key("wm-vouch"))
        try container.encodeIfPresent(parent, forKey: Key("wm-parent"))
        try container.encodeIfPresent(aliases, forKey: Key("wm-aliases"))
        try container.encodeIfPresent(children, forKey: Key("children"))
        try container.encodeIfPresent(content, forKey: Key("content"))
        try container.encodeIfPresent(name, forKey: Key("name"))
        try container.encodeIfPresent(rsvp, forKey: Key("rsvp"))
        if property != "rsvp" { try container.encode(target, forKey: Key(property)) }
    }
}

/// A JF2 feed: `{"type": "feed", "name": …, "children": […]}`.
public struct JF2Feed: Encodable, Sendable {
    public var name: String
    public var children: [JF2Entry]

    public init(name: String, children: [JF2Entry]) {
        self.name = name
        self.children = children
    }

    enum CodingKeys: String, CodingKey { case type, name, children }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("feed", forKey: .type)
        try container.encode(name, forKey: .name)
        try container.encode(children, forKey: .children)
    }
}

/// The changes feed (`/api/changes.json`): `{"type": "feed", "name": "Changes", "last_id": N,
/// "has_more": B, "children": […]}`. Each child is a JF2 entry with `wm-change` (`created`,
/// `updated`, `deleted`) and `wm-change-id`; a created or updated one is the whole entry
/// (`wm-status: approved`, with `wm-parent` and `wm-aliases` as the listings have them), a deleted one only `wm-id`, `wm-source`, `wm-target` and
/// `wm-status: deleted` (whatever took it down stays the owner's business).
public struct JF2ChangeFeed: Encodable, Sendable {
    public var changes: [MentionChange]
    /// The event id to ask after next (`since_id`).
    public var lastID: Int64
    /// Whether more changes may follow at once (ask again with `last_id`).
    public var more: Bool
    /// `wm-parent` of a created or updated reply (``Threads``), by mention id.
    public var parents: [Int64: Int64]
    /// `wm-aliases`: the sources of a created or updated mention's other copies, by mention id.
    public var aliases: [Int64: [String]]

    public init(changes: [MentionChange], lastID: Int64, more: Bool, parents: [Int64: Int64] = [:], aliases: [Int64: [String]] = [:]) {
        self.changes = changes
        self.lastID = lastID
        self.more = more
        self.parents = parents
        self.aliases = aliases
    }

    enum CodingKeys: String, CodingKey {
        case type, name, children
        case lastID = "last_id"
        case more = "has_more"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("feed", forKey: .type)
        try container.encode("Changes", forKey: .name)
        try container.encode(lastID, forKey: .lastID)
        try container.encode(more, forKey: .more)
        try container.encode(changes.map { Child($0, parent: parents[$0.mention.id], aliases: aliases[$0.mention.id]) }, forKey: .children)
    }

    struct Child: Encodable {
        var change: MentionChange
        var parent: Int64?
        var aliases: [String]?

        init(_ change: MentionChange, parent: Int64?, aliases: [String]?) {
            self.change = change
            self.parent = parent
            self.aliases = aliases
        }

        enum CodingKeys: String, CodingKey {
            case type
            case change = "wm-change"
            case changeID = "wm-change-id"
            case id = "wm-id"
            case source = "wm-source"
            case target = "wm-target"
            case status = "wm-status"
            case aliasOf = "wm-alias-of"
        }

        func encode(to encoder: any Encoder) throws {
            if change.kind != .deleted {
                try JF2Entry(change.mention, includeStatus: true, parent: parent, aliases: aliases).encode(to: encoder)
            }
            var container = encoder.container(keyedBy: CodingKeys.self)
            if change.kind == .deleted {
                try container.encode("entry", forKey: .type)
                try container.encode(change.mention.id, forKey: .id)
                try container.encode(change.mention.source, forKey: .source)
                try container.encode(change.mention.target, forKey: .target)
                try container.encode("deleted", forKey: .status)
            }
            if change.kind != .deleted { try container.encodeIfPresent(change.mention.aliasOf, forKey: .aliasOf) }
            try container.encode(change.kind.rawValue, forKey: .change)
            try container.encode(change.id, forKey: .changeID)
        }
    }
}

/// A mention in webmention.io's older `/api/mentions` shape (`{"links": […]}`), which many sites
/// still read.
public struct LegacyLink: Encodable, Sendable {
    public struct Data: Encodable, Sendable {
        public var author: JF2Entry.Author
        public var url: String
        public var name: String?
        public var content: String?
        public var published: String?
        public var publishedTS: Int?

        enum CodingKeys: String, CodingKey {
            case author, url, name, content, published
            case publishedTS = "published_ts"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(author, forKey: .author)
            try container.encode(url, forKey: .url)
            try container.encode(name, forKey: .name)
            try container.encode(content, forKey: .content)
            try container.encode(published, forKey: .published)
            try container.encode(publishedTS, forKey: .publishedTS)
        }
    }

    public struct Activity: Encodable, Sendable {
        /// `reply`, `like`, `repost`, `bookmark`, `rsvp` or `link`.
        public var type: String
    }

    public var source: String
    public var verified = true
    public var verifiedDate: String
    public var id: Int64
    public var `private` = false
    public var data: Data
    public var activity: Activity
    public var target: String

    enum CodingKeys: String, CodingKey {
        case source, verified, id, `private`, data, activity, target
        case verifiedDate = "verified_date"
    }

    public init(_ mention: Mention) {
        let content = mention.content ?? MentionContent()
        source = mention.source
        verifiedDate = (mention.verified ?? mention.received).iso8601
        id = mention.id
        `private` = mention.isPrivate
        let published = content.published
        data = Data(
            author: JF2Entry.Author(name: content.authorName ?? "", url: content.authorURL ?? "", photo: content.authorPhoto ?? ""),
            url: mention.source, name: content.title, content: content.contentHTML ?? content.contentText ?? content.excerpt,
            published: published,
            publishedTS: published.flatMap { try? Date($0, strategy: .iso8601) }.map { Int($0.timeIntervalSince1970) })
        activity = Activity(type: content.type == .mention ? "link" : content.type.rawValue)
        target = mention.target
    }
}

/// `{"links": […]}`.
public struct LegacyLinks: Encodable, Sendable {
    public var links: [LegacyLink]
    public init(links: [LegacyLink]) { self.links = links }
}

/// `/api/count`: `{"count": N, "type": {"reply": …, "like": …}}`, webmention.io's shape. Mentions
/// the owner's policy only counts (`aggregate`) are in `count` and `type` and, by type, in
/// `aggregated` (absent when there are none): counted, but in no listing.
public struct MentionCount: Encodable, Sendable, Equatable {
    public var count: Int
    public var type: [String: Int]
    public var aggregated: [String: Int]?

    public init(_ listed: [MentionType: Int], aggregated: [MentionType: Int] = [:]) {
        let byType = listed.merging(aggregated, uniquingKeysWith: +)
        count = byType.values.reduce(0, +)
        type = Self.named(byType)
        let counted = Self.named(aggregated)
        self.aggregated = counted.isEmpty ? nil : counted
    }

    private static func named(_ byType: [MentionType: Int]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: byType.filter { $0.value > 0 }.map { ($0.key.rawValue, $0.value) })
    }
}

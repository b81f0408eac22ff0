import Foundation
import LinkbackKit

/// Turns a channel's items into one message: one mention told in full, or a digest grouped by post
/// and type ("/posts/1: 10 likes, 2 replies — Ann, Bo, …") instead of one message each. Mentions
/// waiting for the owner carry one-click links; likes, reposts and bookmarks waiting are told as
/// one line per post (there is nothing to read), replies and mentions one by one, at most
/// ``maxDetailed`` with links (the rest: the dashboard).
public struct NotificationComposer: Sendable {
    /// `server.base_url`: where links and the dashboard are.
    public var baseURL: String
    /// Makes the one-click link of an action on a mention (one nonce per mention per message).
    public var link: @Sendable (Int64, ModerationLink.Action, String) -> String
    public static let maxDetailed = 10
    /// Names listed for a pile before "and N more".
    public static let maxNames = 5

    public init(baseURL: String, link: @escaping @Sendable (Int64, ModerationLink.Action, String) -> String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.link = link
    }

    public var dashboard: String { baseURL + "/admin.html" }

    /// One paragraph of the message: a heading line, lines under it, and links under those.
    struct Block {
        var heading: String
        var lines: [String] = []
        var links: [OutgoingNotification.Action] = []
    }

    public func compose(_ items: [NotificationItem]) -> OutgoingNotification {
        let several = Set(items.map(\.mention.site)).count > 1
        if items.count == 1, let item = items.first { return single(item, several: several) }
        var blocks: [Block] = []
        var detailed = 0
        var notDetailed = 0
        // Posts in the order their first item arrived.
        var order: [String] = []
        var byTarget: [String: [NotificationItem]] = [:]
        for item in items {
            if byTarget[item.mention.target] == nil { order.append(item.mention.target) }
            byTarget[item.mention.target, default: []].append(item)
        }
        for target in order {
            let group = byTarget[target] ?? []
            var block = Block(heading: Self.place(target, several: several) + " — " + Self.counts(group.map(Self.type)))
            // Piles: the same event and a type with nothing to read.
            var piles: [String: [NotificationItem]] = [:]
            var pileOrder: [String] = []
            for item in group {
                let type = Self.type(item)
                if [.like, .repost, .bookmark].contains(type) || !item.isWaiting {
                    let key = Self.plural(type, 2) + " " + Self.eventWords(item)
                    if piles[key] == nil { pileOrder.append(key) }
                    piles[key, default: []].append(item)
                    continue
                }
                if detailed >= Self.maxDetailed {
                    notDetailed += 1
                    continue
                }
                detailed += 1
                block.lines.append(contentsOf: describe(item, indent: "  "))
                for action in ModerationLink.Action.allCases {
                    block.lines.append("    \(action.label): \(link(item.mention.id, action, Self.nonceKey(item)))")
                }
            }
            let pileLines = pileOrder.map { key in
                let pile = piles[key] ?? []
                let words = pile.count == 1 ? Self.plural(Self.type(pile[0]), 1) + " " + Self.eventWords(pile[0]) : key
                return "  \(pile.count) \(words) — " + Self.names(pile.map(\.mention))
            }
            block.lines = pileLines + block.lines
            blocks.append(block)
        }
        let waiting = items.filter(\.isWaiting).count
        var footer = Block(heading: "")
        if notDetailed > 0 { footer.lines.append("\(notDetailed) more waiting: see the dashboard.") }
        footer.lines.append("Dashboard: \(dashboard)")
        blocks.append(footer)
        let subject = "\(items.count) mentions of \(order.count == 1 ? Self.place(order[0], several: several) : "\(order.count) posts"): "
            + Self.counts(items.map(Self.type)) + (waiting > 0 ? " (\(waiting) waiting)" : "")
        return OutgoingNotification(
            subject: subject, text: Self.text(blocks), html: Self.html(subject, blocks), click: dashboard, actions: [], mentions: items.count)
    }

    /// One mention told in full; a waiting one carries its links (and push buttons).
    func single(_ item: NotificationItem, several: Bool) -> OutgoingNotification {
        let mention = item.mention
        let what = Self.plural(Self.type(item), 1)
        let subject: String
        switch item.event {
        case .pending: subject = "Waiting: a \(what) of \(Self.place(mention.target, several: several)) from \(Self.who(mention))"
        case .held:
            subject = "Held (\(mention.spamReasons.joined(separator: ", "))): a \(what) of \(Self.place(mention.target, several: several)) from \(Self.who(mention))"
        case .approved: subject = "New \(what) of \(Self.place(mention.target, several: several)) from \(Self.who(mention))"
        case .updated: subject = "Updated \(what) of \(Self.place(mention.target, several: several)) from \(Self.who(mention))"
        case .deleted: subject = "Removed: a \(what) of \(Self.place(mention.target, several: several)) from \(Self.who(mention))"
        }
        var block = Block(heading: subject)
        block.lines = describe(item, indent: "")
        var actions: [OutgoingNotification.Action] = []
        if item.isWaiting {
            let nonce = Self.nonceKey(item)
            actions = ModerationLink.Action.allCases.map { .init(label: $0.label, url: link(mention.id, $0, nonce)) }
            block.links = actions
        }
        var footer = Block(heading: "")
        footer.lines.append("Dashboard: \(dashboard)")
        // A push shows three buttons at most: approve, reject, spam.
        return OutgoingNotification(
            subject: subject, text: Self.text([block, footer]), html: Self.html(subject, [block, footer]), click: dashboard,
            actions: Array(actions.prefix(3)), mentions: 1)
    }

    /// The lines that tell one mention: who, where, what it says, why it was held.
    func describe(_ item: NotificationItem, indent: String) -> [String] {
        let mention = item.mention
        var lines = ["\(indent)\(Self.plural(Self.type(item), 1).capitalized) from \(Self.who(mention)), \(Self.eventWords(item))"]
        lines.append("\(indent)Source: \(mention.source)")
        lines.append("\(indent)Target: \(mention.target)")
        if let title = mention.content?.title, !title.isEmpty { lines.append("\(indent)Title: \(Self.cut(title, 120))") }
        if let text = mention.content?.excerpt ?? mention.content?.contentText, !text.isEmpty {
            lines.append("\(indent)“\(Self.cut(text, 280))”")
        }
        if item.event == .held || !mention.spamReasons.isEmpty, !mention.spamReasons.isEmpty {
            var held = "\(indent)Held for: \(mention.spamReasons.joined(separator: ", "))"
            if let score = mention.spamScore { held += String(format: " (score %.2f)", score.value) }
            lines.append(held)
        }
        return lines
    }

    // MARK: Words

    static func type(_ item: NotificationItem) -> MentionType { item.mention.content?.type ?? .mention }

    /// The links of one change share a nonce, in every message and channel that tells it: using
    /// one spends the others.
    static func nonceKey(_ item: NotificationItem) -> String {
        let hex = String(UInt64(bitPattern: item.eventID), radix: 16)
        return String(repeating: "0", count: max(0, 24 - hex.count)) + hex
    }

    static func eventWords(_ item: NotificationItem) -> String {
        switch item.event {
        case .pending: item.isWaiting ? "waiting" : "no longer waiting"
        case .held: item.isWaiting ? "held" : "no longer held"
        case .approved: "approved"
        case .updated: "updated"
        case .deleted: "removed"
        }
    }

    static func plural(_ type: MentionType, _ count: Int) -> String {
        let one: String
        let many: String
        switch type {
        case .reply: (one, many) = ("reply", "replies")
        case .like: (one, many) = ("like", "likes")
        case .repost: (one, many) = ("repost", "reposts")
        case .bookmark: (one, many) = ("bookmark", "bookmarks")
        case .rsvp: (one, many) = ("RSVP", "RSVPs")
        case .mention: (one, many) = ("mention", "mentions")
        }
        return count == 1 ? one : many
    }

    /// "10 likes, 2 replies", most first.
    static func counts(_ types: [MentionType]) -> String {
        var counts: [MentionType: Int] = [:]
        for type in types { counts[type, default: 0] += 1 }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue }
            .map { "\($0.value) \(plural($0.key, $0.value))" }.joined(separator: ", ")
    }

    /// The author's name, else the source's host.
    static func who(_ mention: Mention) -> String {
        if let name = mention.content?.authorName?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty {
            return cut(name, 60)
        }
        return URL(string: mention.source)?.host ?? mention.source
    }

    static func names(_ mentions: [Mention]) -> String {
        var seen: [String] = []
        for mention in mentions where !seen.contains(who(mention)) { seen.append(who(mention)) }
        let shown = seen.prefix(maxNames).joined(separator: ", ")
        return seen.count > maxNames ? shown + " and \(seen.count - maxNames) more" : shown
    }

    /// A target as its path, with its host when the message spans several sites.
    static func place(_ target: String, several: Bool) -> String {
        guard let components = URLComponents(string: target), let host = components.host else { return target }
        let path = components.path.isEmpty ? "/" : components.path
        return several ? host + path : path
    }

    static func cut(_ text: String, _ limit: Int) -> String {
        let flat = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }

    // MARK: Rendering

    static func text(_ blocks: [Block]) -> String {
        blocks.map { block in
            var lines = block.heading.isEmpty ? [] : [block.heading]
            lines += block.lines
            lines += block.links.map { "\($0.label): \($0.url)" }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n\n") + "\n"
    }

    static func html(_ title: String, _ blocks: [Block]) -> String {
        var html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(HTMLEscaping.escape(title))</title></head><body>"
        for block in blocks {
            html += "<div style=\"margin:0 0 1em\">"
            if !block.heading.isEmpty { html += "<p><strong>\(HTMLEscaping.escape(block.heading))</strong></p>" }
            for line in block.lines {
                html += "<p style=\"margin:0\">" + linked(line) + "</p>"
            }
            if !block.links.isEmpty {
                html += "<p>" + block.links.map { "<a href=\"\(HTMLEscaping.escape($0.url))\">\(HTMLEscaping.escape($0.label))</a>" }
                    .joined(separator: " · ") + "</p>"
            }
            html += "</div>"
        }
        return html + "</body></html>"
    }

    /// A text line with its `Label: https://…` turned into a link, the rest escaped.
    static func linked(_ line: String) -> String {
        guard let range = line.range(of: ": http"), line[range.upperBound...].firstIndex(of: " ") == nil else {
            return HTMLEscaping.escape(line)
        }
        let label = line[..<range.lowerBound]
        let url = String(line[line.index(range.lowerBound, offsetBy: 2)...])
        return "<a href=\"\(HTMLEscaping.escape(url))\">\(HTMLEscaping.escape(label.trimmingCharacters(in: .whitespaces)))</a>"
    }
}

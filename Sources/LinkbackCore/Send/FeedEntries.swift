import Foundation
import LinkbackKit

/// One entry of a blog's feed: the post's URL and when it was last updated (else published).
public struct FeedEntry: Sendable, Equatable {
    public var url: URL
    public var updated: Date?

    public init(url: URL, updated: Date?) {
        self.url = url
        self.updated = updated
    }
}

/// The entries of a feed, for `linkback send --feed`: RSS 2.0 (`item` `link`, else a permalink
/// `guid`; `pubDate`, `atom:updated` or `dc:date`), Atom (`entry` `link rel="alternate"`;
/// `updated`, else `published`), JSON Feed (`items[].url`; `date_modified`, else
/// `date_published`) and h-feed (each `h-entry`'s `u-url`; `dt-updated`, else `dt-published`).
/// Only http(s) URLs, in canonical form, each once; relative ones resolve against the feed.
public enum FeedEntries {
    /// What a feed is not.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static func of(_ feed: FetchedResource) -> Result<[FeedEntry], Failure> {
        let type = feed.mediaType ?? "text/html"
        let entries: [(url: String, date: String?)]
        if type == "application/feed+json" || type == "application/json" {
            guard let items = json(feed.body) else { return .failure(Failure(description: "not a JSON Feed (no items)")) }
            entries = items
        } else if feed.isHTML {
            entries = hFeed(HTMLDocument(feed))
        } else {
            switch xml(feed.body) {
            case .success(let found): entries = found
            case .failure(let failure): return .failure(failure)
            }
        }
        var seen: Set<String> = []
        var result: [FeedEntry] = []
        for (text, date) in entries {
            guard let resolved = URLResolver.resolve(text.trimmingCharacters(in: .whitespacesAndNewlines), against: feed.url),
                case .success(let url) = MentionCheck.parse(resolved.absoluteString), seen.insert(url.absoluteString).inserted
            else { continue }
            result.append(FeedEntry(url: url, updated: date.flatMap(Self.date)))
        }
        return .success(result)
    }

    // MARK: Formats

    private static func xml(_ bytes: [UInt8]) -> Result<[(url: String, date: String?)], Failure> {
        let root: XMLTree
        switch SafeXML.tree(bytes) {
        case .success(let tree): root = tree
        case .failure(let refusal): return .failure(Failure(description: "not a feed: \(refusal)"))
        }
        switch root.name {
        case "rss":
            return .success(root.elements("channel").flatMap { $0.elements("item") }.compactMap { item in
                let link = item.children.first { $0.name == "link" && $0.namespace == nil }?.text
                let permalink = item.children.first {
                    $0.name == "guid" && $0.attributes["isPermaLink"]?.lowercased() != "false"
                }?.text
                guard let url = link ?? permalink else { return nil }
                return (url, item.text(of: "updated", "pubDate", "date"))
            })
        case "feed":
            return .success(root.elements("entry").compactMap { entry in
                let alternate = entry.elements("link").first { ($0.attributes["rel"] ?? "alternate") == "alternate" }
                guard let href = alternate?.attributes["href"] else { return nil }
                return (href, entry.text(of: "updated", "published"))
            })
        default:
            return .failure(Failure(description: "not a feed: the root element is <\(root.name)>, not <rss> or <feed>"))
        }
    }

    private static func json(_ bytes: [UInt8]) -> [(url: String, date: String?)]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let items = object["items"] as? [[String: Any]]
        else { return nil }
        return items.compactMap { item in
            guard let url = item["url"] as? String else { return nil }
            return (url, (item["date_modified"] ?? item["date_published"]) as? String)
        }
    }

    private static func hFeed(_ document: HTMLDocument) -> [(url: String, date: String?)] {
        var entries: [(String, String?)] = []
        func walk(_ items: [MF2Item]) {
            for item in items {
                if item.has(type: "h-entry"), let url = item.first("url") {
                    entries.append((url, item.first("updated") ?? item.first("published")))
                }
                walk(item.children)
            }
        }
        walk(MF2Parser.parse(document).items)
        return entries
    }

    // MARK: Dates

    /// ISO 8601 (Atom, JSON Feed, h-feed; a date alone is midnight UTC) or RFC 822 (RSS).
    static func date(_ text: String) -> Date? {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let date = Date(iso8601: text) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["EEE, d MMM yyyy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm:ss zzz", "d MMM yyyy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm Z"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

import Foundation
import LinkbackKit
import LinkbackStore

/// Subscribed blocklists (`spam.blocklists`): fetched through the guarded fetcher when due (or
/// now, for `linkback blocklist sync`), parsed, and kept in the store as each list's last good
/// copy. A list that fails to load keeps that copy and records why. What the copies block is
/// loaded into the ``SpamGuard`` from ``copies(of:among:)``.
public struct BlocklistSync: Sendable {
    public let lists: [Config.Blocklist]
    public let store: any BlocklistStore & MentionRecords
    public let fetcher: any SourceFetching

    public init(lists: [Config.Blocklist], store: any BlocklistStore & MentionRecords, fetcher: any SourceFetching) {
        self.lists = lists
        self.store = store
        self.fetcher = fetcher
    }

    /// What one list's sync did (or, in a dry run, would do).
    public struct Report: Sendable, Encodable {
        public var url: String
        public var format: String
        /// Entries in the list now (the new copy, or the kept one when the fetch failed).
        public var entries: Int
        public var added: [String]
        public var dropped: [String]
        /// Stored mentions (not spam, not deleted) from the added domains: what the list would have refused.
        public var hits: Int
        /// Why the fetch failed (the last good copy was kept).
        public var error: String?
    }

    /// Added domains whose stored mentions are counted for a report, at most.
    static let hitLookups = 200

    /// Fetches every list (only those due when `dueOnly`: never fetched, or older than their
    /// `refresh_hours`, or failing), and unless `dryRun` stores each good copy, or the failure.
    public func sync(dueOnly: Bool = false, dryRun: Bool = false, now: Date = Date()) async throws -> [Report] {
        let copies = Dictionary(try await store.blocklistCopies().map { ($0.url, $0) }, uniquingKeysWith: { first, _ in first })
        var reports: [Report] = []
        for list in lists {
            let url = list.url.absoluteString
            let copy = copies[url]
            if dueOnly, let copy, copy.error == nil, let fetched = copy.fetched,
                now.timeIntervalSince(fetched) < list.refreshHours * 3600
            {
                continue
            }
            let old = copy?.entries ?? BlocklistEntries()
            let resource: FetchedResource
            do {
                resource = try await fetcher.fetch(list.url)
            } catch {
                if !dryRun { try await store.recordBlocklistFailure(url: url, error: error.description, at: now) }
                reports.append(
                    Report(url: url, format: list.format.rawValue, entries: old.count, added: [], dropped: [], hits: 0, error: error.description))
                continue
            }
            let entries = BlocklistEntries.parse(String(decoding: resource.body, as: UTF8.self), format: list.format)
            let before = Set(old.domains.map { "domain " + $0 } + old.words.map { "word " + $0 })
            let after = Set(entries.domains.map { "domain " + $0 } + entries.words.map { "word " + $0 })
            var hits = 0
            for domain in entries.domains.filter({ !before.contains("domain " + $0) }).prefix(Self.hitLookups) {
                hits += try await store.list(
                    MentionQuery(statuses: [.queued, .pending, .approved, .rejected], sourceDomain: domain, limit: 10_000)
                ).count
            }
            if !dryRun { try await store.saveBlocklist(BlocklistCopy(url: url, entries: entries, fetched: now)) }
            reports.append(
                Report(
                    url: url, format: list.format.rawValue, entries: entries.count, added: after.subtracting(before).sorted(),
                    dropped: before.subtracting(after).sorted(), hits: hits, error: nil))
        }
        return reports
    }

    /// The copies among `copies` of the lists in `lists`: a copy of a list no longer subscribed to
    /// blocks nothing.
    public static func copies(of lists: [Config.Blocklist], among copies: [BlocklistCopy]) -> [BlocklistCopy] {
        let wanted = Set(lists.map(\.url.absoluteString))
        return copies.filter { wanted.contains($0.url) }
    }
}

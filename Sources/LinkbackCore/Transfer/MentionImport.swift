import Foundation
import LinkbackKit
import LinkbackStore

/// Importing JF2 entries (``JF2/parse(_:)``): a webmention.io export, or Linkback's own.
///
/// Entries keep their `wm-status` and `wm-protocol` when present (webmention.io's have neither:
/// those were shown, so they come in approved, as webmentions) and their reception date; they are
/// stored oldest first, each under its `wm-id` when no other mention has that id (so a build's
/// `since_id` goes on working after a move; later mentions are numbered above the largest), else
/// under a new one. A pair already stored is left alone, so importing again changes nothing. An entry exported while `queued` comes back queued,
/// without content, for the server to verify.
public struct MentionImport: Sendable {
    public struct Summary: Sendable, Equatable {
        public var imported = 0
        public var alreadyPresent = 0
        public var skipped = 0
        /// Imported under a new id: the entry's `wm-id` was taken by another mention.
        public var renumbered = 0
    }

    public let store: any MentionRecords
    public let check: MentionCheck
    public let actor: Actor

    public init(store: any MentionRecords, sites: [HostPort], actor: Actor) {
        self.store = store
        self.check = MentionCheck(sites: sites)
        self.actor = actor
    }

    /// Imports `entries`, calling `progress` after each; `skipped` counts entries the parser
    /// already refused.
    public func run(_ entries: [JF2.Entry], skipped: Int = 0, progress: () -> Void = {}) async throws -> Summary {
        var summary = Summary(skipped: skipped)
        let ordered = entries.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            if x.received != y.received { return (x.received ?? .distantFuture) < (y.received ?? .distantFuture) }
            if x.id != y.id { return (x.id ?? .max) < (y.id ?? .max) }
            return a.offset < b.offset
        }.map(\.element)
        for entry in ordered {
            defer { progress() }
            guard case .success(let source) = MentionCheck.parse(entry.source),
                case .success(let target) = MentionCheck.parse(entry.target, keepingFragment: true)
            else {
                summary.skipped += 1
                continue
            }
            if try await store.mention(source: source.absoluteString, target: target.absoluteString) != nil {
                summary.alreadyPresent += 1
                continue
            }
            let site = check.site(of: target)?.description ?? target.host ?? ""
            let incoming = IncomingMention(
                source: source.absoluteString, target: target.absoluteString, site: site,
                protocol: entry.protocol ?? .webmention, vouch: entry.vouch, isPrivate: entry.isPrivate,
                importedID: entry.id.flatMap { $0 > 0 ? $0 : nil })
            let stored = try await store.storeVerified(
                incoming, status: entry.status ?? .approved, content: entry.content, actor: actor, received: entry.received)
            summary.imported += 1
            if let id = entry.id, stored.id != id { summary.renumbered += 1 }
        }
        return summary
    }
}

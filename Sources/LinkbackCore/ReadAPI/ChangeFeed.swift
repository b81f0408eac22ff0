import LinkbackKit
import LinkbackStore

/// What a reader of the read API saw change: a mention became visible (`created`), a visible one
/// was verified again with new content (`updated`), or it stopped being visible (`deleted`: its
/// source is gone, or a moderator took it down). The changes feed (`/api/changes.json`) lists
/// them so a static build can keep its copy without fetching everything again.
public struct MentionChange: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case created, updated, deleted
    }

    /// The id of the history event this change is; a reader continues after the feed's
    /// `last_id`, not after this.
    public var id: Int64
    public var kind: Kind
    /// The mention as it is now (only its id, source and target are shown for `deleted`).
    public var mention: Mention

    public init(id: Int64, kind: Kind, mention: Mention) {
        self.id = id
        self.kind = kind
        self.mention = mention
    }
}

/// Turns a window of the status history into the changes a reader sees: the visibility changes
/// webhooks announce (``WebhookEvent/visibility``), one per mention (its last in the window), in
/// the order of the history.
public enum ChangeFeed {
    /// History events a read looks at, at most: what bounds a read's cost whatever the history
    /// holds (the reader goes on from `last_id`).
    public static let scan = 5_000
    /// The largest `per-page` of a changes read.
    public static let maxPerPage = 1_000

    /// The changes in `window` that a reader who sees Private Webmentions or not
    /// (`includePrivate`) is told of, at most `limit`, and the event id to continue after.
    public static func changes(
        in window: ChangeWindow, includePrivate: Bool, limit: Int
    ) -> (changes: [MentionChange], lastID: Int64, more: Bool) {
        var latest: [Int64: MentionChange] = [:]
        func ordered() -> [MentionChange] { latest.values.sorted { $0.id < $1.id } }
        for candidate in window.candidates {
            let event = candidate.event
            guard event.isAnnounced, !candidate.mention.isPrivate || includePrivate,
                let announced = WebhookEvent.of(
                    change: event.to, previousSettled: candidate.previousSettled, held: event.isHold
                ).first(where: WebhookEvent.visibility.contains)
            else { continue }
            var kind: MentionChange.Kind
            switch announced {
            case .approved: kind = .created
            case .updated: kind = .updated
            default: kind = .deleted
            }
            // A mention shown as it is now: never the content of one that is no longer visible
            // (a later event of its own, in this window or the next, says `deleted`).
            if kind != .deleted, candidate.mention.status != .approved { continue }
            if let earlier = latest[candidate.mention.id] {
                // The reader applies the last: created then updated is still new to them.
                if kind == .updated, earlier.kind == .created { kind = .created }
            } else if latest.count == limit {
                // Full: the reader continues just before this event.
                return (ordered(), event.id - 1, true)
            }
            latest[candidate.mention.id] = MentionChange(id: event.id, kind: kind, mention: candidate.mention)
        }
        return (ordered(), window.through, window.more)
    }
}

import Foundation
import LinkbackKit

/// Filters for ``MentionStore/list(_:)``; every field narrows the result, `nil` means any.
public struct MentionQuery: Sendable, Equatable {
    /// The order of a listing.
    public enum Sort: String, Sendable, CaseIterable {
        /// By reception (webmention.io's `created`).
        case received
        case updated
        /// By the source's own publication date (as written there; missing dates last).
        case published
        /// RSVPs by their answer, always `yes`, `maybe`, `interested`, `no`, then the rest; within
        /// an answer by reception in the query's direction: webmention.io's `sort-by=rsvp`.
        case rsvp
    }

    public var statuses: [MentionStatus]?
    /// Private Webmentions too (moderators); the public read API sets it only for a read token
    /// with `private: true`.
    public var includePrivate: Bool
    /// This target (canonical form); without a fragment, its fragments (`…#comment-1`) too.
    public var target: String?
    /// Any of these targets, each as ``target`` is matched.
    public var targets: [String]?
    public var site: String?
    /// Any of these sites (`sites` entries).
    public var sites: [String]?
    public var `protocol`: MentionProtocol?
    /// The source's host is this domain or one of its subdomains.
    public var sourceDomain: String?
    public var type: MentionType?
    /// Any of these types.
    public var types: [MentionType]?
    /// Received at or after this date.
    public var since: Date?
    /// Only mentions with a larger id (webmention.io's `since_id`).
    public var sinceID: Int64?
    /// One interaction, one entry (the public read API): a mention that is another copy of an
    /// approved mention (``Mention/aliasOf``) this reader sees is left out; that one lists it.
    public var collapseAliases = false
    public var sort: Sort
    /// Oldest (or smallest) first.
    public var ascending: Bool
    public var limit: Int
    public var offset: Int

    public init(
        statuses: [MentionStatus]? = nil, target: String? = nil, targets: [String]? = nil, site: String? = nil,
        sites: [String]? = nil, protocol: MentionProtocol? = nil, sourceDomain: String? = nil, type: MentionType? = nil,
        types: [MentionType]? = nil, since: Date? = nil, sinceID: Int64? = nil, sort: Sort = .received,
        ascending: Bool = false, limit: Int = 100, offset: Int = 0, includePrivate: Bool = true
    ) {
        self.statuses = statuses
        self.target = target
        self.targets = targets
        self.site = site
        self.sites = sites
        self.protocol = `protocol`
        self.sourceDomain = sourceDomain
        self.type = type
        self.types = types
        self.since = since
        self.sinceID = sinceID
        self.sort = sort
        self.ascending = ascending
        self.limit = limit
        self.offset = offset
        self.includePrivate = includePrivate
    }
}

/// A mention found by its text's fingerprint (``MentionRecords/textsLike(_:since:excluding:limit:otherThanHost:)``).
public struct TextMatch: Sendable, Equatable {
    public var id: Int64
    public var source: String
    public var decision: MentionStatus?
    /// The fingerprint as the store keeps it, parsed only when ``fingerprint`` is asked for: the
    /// copy detector looks at the source's host first, and most candidates end there.
    public var storedFingerprint: String?

    public init(id: Int64, source: String, decision: MentionStatus?, storedFingerprint: String?) {
        self.id = id
        self.source = source
        self.decision = decision
        self.storedFingerprint = storedFingerprint
    }

    public var fingerprint: TextFingerprint? { storedFingerprint.flatMap(TextFingerprint.init(stored:)) }
}

/// What ``MentionStore/receive(_:actor:)`` did.
public struct ReceiveResult: Sendable, Equatable {
    public var mention: Mention
    /// `false` when the (source, target) pair was known and this was an update.
    public var isNew: Bool

    public init(mention: Mention, isNew: Bool) {
        self.mention = mention
        self.isNew = isNew
    }
}

/// Counts for `linkback stats`.
public struct StoreStatistics: Sendable, Equatable {
    public var byStatus: [String: Int]
    public var byProtocol: [String: Int]
    public var byType: [String: Int]
    public var bySite: [String: Int]
    /// Mentions received per UTC day (`YYYY-MM-DD`) by type over the last ``days`` days, approved and
    /// waiting ones only (an index range per status): the dashboard's chart.
    public var byDayAndType: [String: [String: Int]]
    public static let days = 30

    public init(
        byStatus: [String: Int], byProtocol: [String: Int], byType: [String: Int], bySite: [String: Int],
        byDayAndType: [String: [String: Int]] = [:]
    ) {
        self.byStatus = byStatus
        self.byProtocol = byProtocol
        self.byType = byType
        self.bySite = bySite
        self.byDayAndType = byDayAndType
    }

    /// The first day ``byDayAndType`` counts.
    public static func firstDay(_ now: Date) -> Date {
        Date(timeIntervalSince1970: ((now.timeIntervalSince1970 / 86_400).rounded(.down) - Double(days - 1)) * 86_400)
    }
}

/// Failures of a ``MentionStore``, phrased for the person running Linkback.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case newerSchema(path: String)
    case notFound(id: Int64)
    /// A compare-and-set transition found the mention in another status than expected.
    case conflict(id: Int64, status: MentionStatus)
    /// The pair was received less than its ``IncomingMention/pairInterval`` ago; retry in `seconds`.
    case tooSoon(id: Int64, seconds: Int)
    case failed(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): cannot open the database: \(reason)"
        case .newerSchema(let path):
            return "\(path): the database was written by a newer Linkback (unknown schema migrations); refusing to use it"
        case .notFound(let id): return "no mention with id \(id)"
        case .conflict(let id, let status): return "mention \(id) is \(status.rawValue) now; nothing changed"
        case .tooSoon(let id, let seconds): return "mention \(id) was received moments ago; retry in \(seconds) s"
        case .failed(let reason): return "database error: \(reason)"
        }
    }
}

extension StoreError {
    /// ``conflict(id:status:)`` when the row is no longer `expected` as to status, moderator's
    /// decision or revision (``MentionStore/storeVerified(_:status:content:signals:actor:received:expecting:)``);
    /// `nil` when it is.
    package static func changedSince(_ expected: Mention, _ current: Mention?) -> StoreError? {
        guard let current else { return .notFound(id: expected.id) }
        let same = current.id == expected.id && current.status == expected.status && current.decision == expected.decision
            && current.revision == expected.revision
        return same ? nil : .conflict(id: current.id, status: current.status)
    }
}

/// The durable store of mentions and everything kept beside them, as one type per database:
/// it plays every role below, and each caller depends on the role it uses.
///
/// Nothing outside an implementation of these protocols writes SQL. ``SQLiteMentionStore`` is the
/// embedded default; ``PostgresMentionStore`` is shared by several instances. ``MentionStores``
/// opens the one the configuration names.
public protocol MentionStore: MentionRecords, VerificationQueueStore, BlockStore, BlocklistStore, BanStore, SendOutboxStore,
    WebhookOutboxStore, NotificationOutboxStore, SettingsStore, StoreTransfer
{
    /// Releases the database; the store is unusable afterwards.
    func close() async throws
}

/// The mentions themselves: receipts, verified writes, status changes and reads, with every
/// status change recorded as a ``MentionEvent`` in the same transaction. What statuses a write
/// takes is ``MentionLifecycle``'s to say; the store applies it atomically.
public protocol MentionRecords: Sendable {
    /// Forgets everyone `subject` names (``ForgetSQL``) in one transaction, `actor` saying so in
    /// the history, and returns their mentions as they were (with `dryRun`, only returns them).
    /// SQLite then rewrites its file (`VACUUM`) and empties its write-ahead log, so their names
    /// are no longer in either.
    func forget(_ subject: Forgotten.Subject, actor: Actor, dryRun: Bool) async throws -> [Mention]

    /// The stored texts (author photos, nested comments) that name a photo kept by the avatar
    /// proxy: what its sweep must keep. A background job's read of the table.
    func avatarReferences() async throws -> [String]

    /// Erases the client address and user agent of mentions that last arrived before `cutoff`
    /// (`storage.forget_client_after_days`); returns how many.
    func forgetClients(before cutoff: Date) async throws -> Int

    /// Stores a new mention as `queued`, or re-queues a known (source, target) pair as an update
    /// (same row, same token) unless it was received less than `pairInterval` ago.
    func receive(_ incoming: IncomingMention, actor: Actor) async throws -> ReceiveResult

    /// Stores a mention that was verified synchronously (pingback) with its content and status:
    /// a new row, or the existing row of the same pair (which must be `deleted`; the caller checks).
    /// `received` keeps an original reception date (imports). With status `queued` the content is
    /// ignored and the mention waits for the queue to verify it. With `expecting` (the row the
    /// status was judged from), the write happens only if the pair's row is still that one as to
    /// status, moderator's decision and revision: otherwise ``StoreError/conflict(id:status:)`` and
    /// nothing changes, so a moderator's action during the fetch is never overwritten (see
    /// ``VerificationPolicy/storeVerified(_:content:existing:in:actor:adjust:)``).
    func storeVerified(
        _ incoming: IncomingMention, status: MentionStatus, content: MentionContent, signals: SpamSignals, actor: Actor,
        received: Date?, expecting: Mention?
    ) async throws -> Mention

    func mention(id: Int64) async throws -> Mention?

    func mention(token: String) async throws -> Mention?

    func mention(source: String, target: String) async throws -> Mention?

    /// Moves a mention to `status`, recording who did it and why. With `allowedFrom`, only when
    /// its status at the moment of writing is one of those (compare-and-set, in one transaction):
    /// otherwise ``StoreError/conflict(id:status:)`` and nothing changes, so a re-send or a second
    /// moderator between a read and this write cannot, say, approve what is no longer verified.
    /// With `decision`, the move is a moderator's and is kept as the mention's
    /// ``Mention/decision`` (a rejection, spam or delete then sticks).
    @discardableResult
    func transition(
        id: Int64, to status: MentionStatus, allowedFrom: Set<MentionStatus>?, actor: Actor, reason: String?,
        decision: Bool
    ) async throws -> Mention

    /// In the query's order (newest received first by default).
    func list(_ query: MentionQuery) async throws -> [Mention]

    /// How many mentions match the query's filters (its order and paging ignored), by type.
    func countByType(_ query: MentionQuery) async throws -> [MentionType: Int]

    /// What the spam score has learnt of `tokens`: their counts, and the number of mentions
    /// learnt of each kind under ``SpamModel/documentsKey``; tokens never seen are missing. With a
    /// `sourceHost`, also whether it has an approved mention (in the same read: a scored
    /// verification reads the store once).
    func scoreCounts(_ tokens: [String], sourceHost: String?) async throws -> (counts: [String: SpamModel.Counts], hostApproved: Bool)

    /// Learns the spam score from every event since the last time (moderators' decisions,
    /// mentions approved, new verifications); returns how many mentions it learnt anew.
    @discardableResult
    func learnScore() async throws -> Int

    /// Forgets what the spam score learnt and learns every stored mention again
    /// (`linkback score retrain`); returns how many mentions it learnt.
    @discardableResult
    func retrainScore() async throws -> Int

    /// How many mentions counted without being kept (`aggregate`) the query selects, by type
    /// (none for a query on anything but target, site and type; ``MentionQuerySQL/aggregatedByType(_:)``).
    func aggregatedByType(_ query: MentionQuery) async throws -> [MentionType: Int]

    /// Counts a mention verified while its sender waited that the owner's policy only counts
    /// (`aggregate`), removing a row of its pair judged as new; a pair counted before is not
    /// counted again.
    func aggregate(_ incoming: IncomingMention, type: MentionType) async throws

    func countByStatus() async throws -> [MentionStatus: Int]

    /// The status history of one mention, oldest first.
    func events(mentionID: Int64) async throws -> [MentionEvent]

    /// The status changes a changes read (`/api/changes.json`) looks at: the events after
    /// `eventID` among the next `scan` of the whole history, of the mentions `scope` selects by
    /// target, site, type and privacy (not by status), oldest first, each with the mention as it
    /// is now. The cost is bounded by `scan`, whatever the history holds.
    func changes(after eventID: Int64, scope: MentionQuery, scan: Int) async throws -> ChangeWindow

    /// The approved mentions whose source is one of `sources` (public ones only unless
    /// `includePrivate`): the parents a listing's replies may answer (``MentionContent/inReplyTo``).
    func approvedMentions(fromSources sources: [String], includePrivate: Bool) async throws -> [Mention]

    /// The approved mentions that are other copies of `ids` (``Mention/aliasOf``), public ones only
    /// unless `includePrivate`: a listing's `wm-aliases`.
    func approvedAliases(of ids: [Int64], includePrivate: Bool) async throws -> [Mention]

    /// The canonical URL recorded for each of `spellings` that has one (see
    /// ``recordSpelling(_:canonical:)``).
    func canonicalTargets(_ spellings: [String]) async throws -> [String: String]

    /// Records that target `spelling` is `canonical` (it redirects there, or says so with
    /// `rel=canonical`), for the read paths to find its mentions by the spelling too.
    func recordSpelling(_ spelling: String, canonical: String) async throws

    /// Whether an approved mention's source is on `host` (a normalised host name), whatever its
    /// scheme and port.
    func hasApprovedMention(fromHost host: String) async throws -> Bool

    /// Counts of mentions by status, protocol, type and site, for `linkback stats`.
    func statistics() async throws -> StoreStatistics

    /// Mentions whose source text was fingerprinted (``SpamSignals/fingerprint``) at or after
    /// `since` and shares a band with `fingerprint` (candidates, to be compared with
    /// ``TextFingerprint/likeness(to:)``), newest first, at most `limit`, `excluding` one id: an
    /// index lookup per band, never a scan, whatever the table holds. Only what the comparison
    /// needs is read (``TextMatch``): a farm's copies are many rows of long content each.
    /// With `otherThanHost`, those among them whose source is on that host (``HostName/of(url:)``)
    /// are left out: they still count towards `limit`, so the answer is the unfiltered one less
    /// them, and their rows are not read where the store knows their hosts beforehand.
    func textsLike(_ fingerprint: TextFingerprint, since: Date, excluding: Int64?, limit: Int, otherThanHost: String?)
        async throws -> [TextMatch]
}

extension MentionRecords {
    /// ``textsLike(_:since:excluding:limit:otherThanHost:)`` from every host.
    public func textsLike(_ fingerprint: TextFingerprint, since: Date, excluding: Int64?, limit: Int) async throws -> [TextMatch] {
        try await textsLike(fingerprint, since: since, excluding: excluding, limit: limit, otherThanHost: nil)
    }
}

extension [TextMatch] {
    /// Those whose source is not on `host` (all of them when `host` is `nil`).
    package func otherThan(host: String?) -> [TextMatch] {
        guard let host else { return self }
        return filter { HostName.of(url: $0.source) != host }
    }
}

/// The verification queue: claims, results, wake-ups, and the periodic re-check that fills it.
public protocol VerificationQueueStore: Sendable {
    /// Claims up to `limit` queued mentions that are due (`nextAttemptAt` passed), oldest first,
    /// and not claimed by another worker. A claimed mention is not handed out again until it is
    /// completed, the claims are released, or (a store several instances share) its claim lease
    /// runs out.
    func claimQueued(limit: Int, now: Date) async throws -> [Mention]

    /// Records the verification of a claimed mention (and its event) and releases the claim.
    /// Returns the mention's status now (``VerificationResult/status(after:)``; every other column
    /// the queue reads is as claimed), or `nil` when the result removed the row, or changed
    /// nothing because the row is no longer as claimed: re-sent meanwhile (the newer revision is
    /// verified instead), decided by a moderator, or completed by another instance. Throws
    /// ``StoreError/notFound(id:)`` when the row is gone.
    @discardableResult
    func complete(_ claimed: Mention, with result: VerificationResult, actor: Actor) async throws -> MentionStatus?

    /// Wake-ups for the verification queue when another instance stored work (PostgreSQL's
    /// `LISTEN`/`NOTIFY`); `nil` where no other instance can write (SQLite). Polling stays the
    /// fallback either way.
    func queueWakeUps() -> AsyncStream<Void>?

    /// At start, releases claims a crash left behind: with SQLite (one server per file) every
    /// claim; with PostgreSQL none, since a live instance may hold them (leases expire instead).
    func releaseClaims() async throws

    /// Puts up to `limit` approved mentions last verified before `verifiedBefore` (oldest first)
    /// back into the queue to be verified again, visible meanwhile (as a re-sent approved
    /// mention is); returns their ids. `verification.recheck_days`.
    func markForRecheck(verifiedBefore: Date, limit: Int, at now: Date) async throws -> [Int64]
}

/// The moderators' lists: blocks (domains, URL prefixes, client ranges) and allowed domains.
/// The subscribed blocklists' last good copies (`spam.blocklists`), shared by every instance and
/// the CLI's `blocklist sync`.
public protocol BlocklistStore: Sendable {
    func blocklistCopies() async throws -> [BlocklistCopy]

    /// Replaces the copy of `copy.url` (a fetch that worked), clearing its error.
    func saveBlocklist(_ copy: BlocklistCopy) async throws

    /// Records a failed fetch of `url`; its last good copy stays.
    func recordBlocklistFailure(url: String, error: String, at: Date) async throws
}

public protocol BlockStore: Sendable {
    /// Adds a block, or returns the existing one for the same kind and value.
    @discardableResult
    func addBlock(kind: Block.Kind, value: String, reason: String?) async throws -> Block

    /// Returns whether a block was removed.
    @discardableResult
    func removeBlock(kind: Block.Kind, value: String) async throws -> Bool

    func blocks() async throws -> [Block]

    /// Source domains whose verified mentions are approved automatically (besides
    /// `moderation.allow_domains`). Adding returns `false` when the domain was already there.
    @discardableResult
    func allowDomain(_ domain: String) async throws -> Bool

    @discardableResult
    func disallowDomain(_ domain: String) async throws -> Bool

    func allowedDomains() async throws -> [String]

    /// The tombstones' keys (``Forgotten/Subject/key``).
    func forgottenKeys() async throws -> [String]
}

/// Bans the built-in ban started, shared by every instance on the database.
public protocol BanStore: Sendable {
    /// Records bans the built-in ban started here; an address already banned keeps the later end.
    func recordBans(_ bans: [Ban]) async throws

    /// Bans still running at `now`, wherever they started.
    func activeBans(now: Date) async throws -> [Ban]
}

/// The send outbox: mentions of the blog's own posts, to other sites.
public protocol SendOutboxStore: Sendable {
    /// Queues `source`'s mentions at once, in one transaction: one to each of `targets` (the
    /// links it has now), and one again to every target it was sent to before that it no longer
    /// links to (the W3C update rule: the receiver sees the link is gone). Returns every send of
    /// `source`, in target order.
    func planSends(source: String, targets: [String], at now: Date) async throws -> [OutgoingSend]

    /// Due queued sends (of `source` only, when given), oldest first, at most `limit`, each
    /// claimed for `lease` seconds so no other worker or instance sends it meanwhile.
    func claimDueSends(source: String?, now: Date, lease: TimeInterval, limit: Int) async throws -> [OutgoingSend]

    /// Records an attempt's outcome: the new state and result, and when a queued one is due again.
    /// A send put off before it went out (the per-host limit) is not `attempted`.
    func recordSend(
        id: Int64, state: OutgoingSend.State, result: String, endpoint: String?, nextAttemptAt: Date?, attempted: Bool,
        at now: Date
    ) async throws

    /// Sends, newest first (of `source` only, when given), at most `limit`.
    func sends(source: String?, limit: Int) async throws -> [OutgoingSend]
}

/// The notification outbox: status changes channels hear (items), gathered into messages (one
/// per item, or a digest), each sent until it succeeds or is given up; and the one-click links'
/// key and spent nonces.
public protocol NotificationOutboxStore: Sendable {
    /// Status changes after the outbox's cursor, like ``WebhookOutboxStore/webhookBacklog(limit:)``
    /// with a cursor of its own (set at the newest event the first time).
    func notificationBacklog(limit: Int) async throws -> (candidates: [OutboxCandidate], cursor: Int64)

    /// Stores items (a channel hears a change once) and moves the cursor, in one transaction.
    func enqueueNotifications(_ items: [NewNotificationItem], cursor: Int64) async throws

    /// Items in no message yet, oldest first, with their mentions as they are now; at most `limit`.
    func openNotifications(limit: Int) async throws -> [NotificationItem]

    /// Stores a message of `channel` made of the items `included` and marks `leftOut` as told in
    /// none, in one transaction; `message` nil when every item was left out.
    func composeNotification(
        channel: String, message: OutgoingNotification?, included: [Int64], leftOut: [Int64], at now: Date
    ) async throws

    /// For each channel, its oldest unsent message that is due (one per channel at a time),
    /// claimed like webhook deliveries when several instances share the store.
    func dueNotifications(now: Date) async throws -> [NotificationMessage]

    func recordNotification(id: Int64, outcome: DeliveryOutcome, at now: Date) async throws

    /// Messages, newest first, optionally in one state.
    func notifications(state: WebhookDelivery.State?, limit: Int) async throws -> [NotificationMessage]

    func notificationCounts() async throws -> [WebhookDelivery.State: Int]

    /// Makes given-up messages (or the unsent ones named) due again now, their give-up time
    /// counted afresh; returns how many.
    func retryNotifications(ids: [Int64]?, at now: Date) async throws -> Int

    /// The key that signs one-click moderation links: made once, kept in the database.
    func linkKey() async throws -> [UInt8]

    /// Spends a link's nonce: `true` the first time, `false` ever after.
    func spendLink(nonce: String, at now: Date) async throws -> Bool
}

/// What ``MentionRecords/changes(after:scope:scan:)`` read.
public struct ChangeWindow: Sendable {
    /// The selected mentions' events, oldest first.
    public var candidates: [OutboxCandidate]
    /// The last event looked at (the next read starts after it); the start when there was none.
    public var through: Int64
    /// Whether the history goes on after `through`.
    public var more: Bool

    public init(candidates: [OutboxCandidate], through: Int64, more: Bool) {
        self.candidates = candidates
        self.through = through
        self.more = more
    }
}

/// The webhook outbox: status changes to announce, and their deliveries.
public protocol WebhookOutboxStore: Sendable {
    /// Status changes after the outbox's cursor, oldest first, at most `limit`, and the event id
    /// the cursor should move to once they are enqueued. The first call (no cursor yet) starts
    /// at the newest event: changes from before webhooks existed are not announced.
    func webhookBacklog(limit: Int) async throws -> (candidates: [OutboxCandidate], cursor: Int64)

    /// Stores deliveries and moves the cursor, in one transaction (a crash between the two
    /// neither loses nor repeats a change).
    func enqueueDeliveries(_ deliveries: [NewWebhookDelivery], cursor: Int64) async throws

    /// For each URL, its oldest pending delivery that is due: at most one per URL, so one URL
    /// never has two deliveries in flight. A store several instances share claims what it
    /// returns until ``recordDelivery(id:outcome:at:)`` (or the claim lease ends), so no other
    /// instance sends it meanwhile.
    func dueDeliveries(now: Date) async throws -> [WebhookDelivery]

    /// Records an attempt.
    func recordDelivery(id: Int64, outcome: DeliveryOutcome, at now: Date) async throws

    /// Deliveries, newest first, optionally in one state.
    func deliveries(state: WebhookDelivery.State?, limit: Int) async throws -> [WebhookDelivery]

    /// Makes failed (given-up) deliveries, or the ones named, due again now; returns how many.
    func retryDeliveries(ids: [Int64]?, at now: Date) async throws -> Int

    /// Deliveries by state.
    func deliveryCounts() async throws -> [WebhookDelivery.State: Int]
}

/// Facts the server records for the other doors onto the same database.
public protocol SettingsStore: Sendable {
    /// A fact the server records for the other doors onto the same database (see ``StoreSetting``).
    func setting(_ key: StoreSetting) async throws -> String?

    func setSetting(_ key: StoreSetting, to value: String) async throws
}

/// Copying between stores (`linkback migrate-store`), every row with its id.
public protocol StoreTransfer: Sendable {
    /// Mentions with an id above `afterID`, in id order, at most `limit`, every stored field.
    func exportMentions(afterID: Int64, limit: Int) async throws -> [Mention]

    /// Status changes with an id above `afterID`, in id order, at most `limit`.
    func exportEvents(afterID: Int64, limit: Int) async throws -> [MentionEvent]

    /// Webhook deliveries with an id above `afterID`, in id order, at most `limit`.
    func exportDeliveries(afterID: Int64, limit: Int) async throws -> [WebhookDelivery]

    /// The small tables, whole: blocks, allowed domains, the outbox cursor and the settings.
    func exportState() async throws -> StoreRows

    /// Writes copied rows as they are, ids included, in one transaction; a row whose id is
    /// already there is left alone, so copying again after an interruption adds only what is
    /// missing. Claims are not copied (a copied mention is free to be verified).
    func importRows(_ rows: StoreRows) async throws

    /// How many rows of each kind the store holds (what `migrate-store` compares).
    func rowCounts() async throws -> StoreRowCounts
}

extension MentionRecords {
    /// ``storeVerified(_:status:content:signals:actor:received:expecting:)`` whatever the row is now
    /// (imports, tests).
    @discardableResult
    public func storeVerified(
        _ incoming: IncomingMention, status: MentionStatus, content: MentionContent, signals: SpamSignals = .none,
        actor: Actor, received: Date? = nil
    ) async throws -> Mention {
        try await storeVerified(
            incoming, status: status, content: content, signals: signals, actor: actor, received: received, expecting: nil)
    }

    /// ``storeVerified(_:status:content:signals:actor:received:expecting:)`` without content signals.
    public func storeVerified(
        _ incoming: IncomingMention, status: MentionStatus, content: MentionContent, actor: Actor, received: Date?,
        expecting: Mention?
    ) async throws -> Mention {
        try await storeVerified(
            incoming, status: status, content: content, signals: .none, actor: actor, received: received, expecting: expecting)
    }

    /// Moves a mention to `status` whatever its status is; no moderator's decision.
    @discardableResult
    public func transition(id: Int64, to status: MentionStatus, actor: Actor, reason: String?) async throws -> Mention {
        try await transition(id: id, to: status, allowedFrom: nil, actor: actor, reason: reason, decision: false)
    }

    /// A moderator's decision: moves a mention to `status` (compare-and-set with `allowedFrom`)
    /// and keeps it as the mention's ``Mention/decision``.
    @discardableResult
    public func decide(
        id: Int64, to status: MentionStatus, allowedFrom: Set<MentionStatus>? = nil, actor: Actor, reason: String?
    ) async throws -> Mention {
        try await transition(id: id, to: status, allowedFrom: allowedFrom, actor: actor, reason: reason, decision: true)
    }
}

/// Rows copied from one store to another, with their ids.
public struct StoreRows: Sendable, Equatable {
    public var mentions: [Mention] = []
    public var events: [MentionEvent] = []
    public var deliveries: [WebhookDelivery] = []
    public var blocks: [Block] = []
    public var allowedDomains: [String] = []
    /// The webhook outbox's position in the event history.
    public var webhookCursor: Int64?
    public var settings: [StoreSetting: String] = [:]
    /// The send outbox (copied by (source, target); claims do not carry over).
    public var sends: [OutgoingSend] = []
    /// Mentions counted, not kept (`aggregate`).
    public var counted: [CountedMention] = []
    /// The canonical URL recorded for each spelling of a target (``MentionRecords/recordSpelling(_:canonical:)``).
    public var spellings: [TargetSpelling] = []

    public init(
        mentions: [Mention] = [], events: [MentionEvent] = [], deliveries: [WebhookDelivery] = [], blocks: [Block] = [],
        allowedDomains: [String] = [], webhookCursor: Int64? = nil, settings: [StoreSetting: String] = [:],
        sends: [OutgoingSend] = [], counted: [CountedMention] = [], spellings: [TargetSpelling] = []
    ) {
        self.counted = counted
        self.spellings = spellings
        self.mentions = mentions
        self.events = events
        self.deliveries = deliveries
        self.blocks = blocks
        self.allowedDomains = allowedDomains
        self.webhookCursor = webhookCursor
        self.settings = settings
        self.sends = sends
    }
}

/// A mention the owner's policy only counts (`aggregate`), as stored: nothing names its sender.
public struct CountedMention: Sendable, Equatable {
    /// SHA-256 of the source and target (hex): the same pair is counted once.
    public var pair: String
    public var target: String
    public var site: String
    public var type: MentionType
    public var at: Date

    public init(pair: String, target: String, site: String, type: MentionType, at: Date) {
        self.pair = pair
        self.target = target
        self.site = site
        self.type = type
        self.at = at
    }
}

/// How many rows a store holds, by kind.
/// A spelling of a target and the canonical URL it was found to mean, when last seen.
public struct TargetSpelling: Sendable, Equatable {
    public var spelling: String
    public var canonical: String
    public var seen: Date

    public init(spelling: String, canonical: String, seen: Date) {
        self.spelling = spelling
        self.canonical = canonical
        self.seen = seen
    }
}

public struct StoreRowCounts: Sendable, Equatable, Codable, CustomStringConvertible {
    public var mentions: Int
    public var events: Int
    public var deliveries: Int
    public var blocks: Int
    public var allowedDomains: Int

    public init(mentions: Int, events: Int, deliveries: Int, blocks: Int, allowedDomains: Int) {
        self.mentions = mentions
        self.events = events
        self.deliveries = deliveries
        self.blocks = blocks
        self.allowedDomains = allowedDomains
    }

    public var description: String {
        "\(mentions) mentions, \(events) events, \(deliveries) webhook deliveries, \(blocks) blocks, \(allowedDomains) allowed domains"
    }
}

/// Where a database's schema stands, read without creating or migrating it (for `doctor`).
public enum SchemaState: Sendable, Equatable {
    case missing
    /// Every known migration applied; the last one's name.
    case current(String)
    /// Migrations this Linkback would run at start.
    case behind(pending: [String])
    /// Migrated by a newer Linkback.
    case newer
}

/// What a running server records in its database for the CLI and other instances to read.
public enum StoreSetting: String, Sendable, CaseIterable {
    /// The absolute path of the rejection log of the server that last started on this database,
    /// so `linkback stats --database X` reads that server's rejections.
    case rejectionLog = "rejection_log"
    /// What the periodic re-check did last (``RecheckReport``, JSON), for `linkback stats`.
    case recheck
    /// The last event the spam score has learnt from (``ScoreSQL``).
    case scoreCursor = "score_cursor"
    /// The key of one-click moderation links (base64), made when first needed.
    case linkKey = "link_key"
    /// `linkback send --feed`: each feed's newest entry date sent so far (JSON, URL to ISO 8601).
    case sentFeeds = "sent_feeds"
}

/// Every source URL on one host, by either scheme and with any port, as byte-wise ranges that an
/// index on `source` answers without a scan: `http://host/` up to `http://host0` (`0` follows
/// `/`), `http://host:` up to `http://host;`, and the same for https.
package enum SourceHostRanges {
    package static func of(_ host: String) -> [(lower: String, upper: String)] {
        ["https", "http"].flatMap { scheme in
            [("/", "0"), (":", ";")].map { ("\(scheme)://\(host)\($0.0)", "\(scheme)://\(host)\($0.1)") }
        }
    }
    /// Whether any approved mention's source lies in the ranges of ``of(_:)``, bound in order
    /// (lower, upper, …) at `placeholders`: one probe of the partial index
    /// `mentions_approved_source` per range. One EXISTS over an OR of the ranges made both
    /// planners walk every approved mention (PostgreSQL's generic plan filtered the whole index;
    /// SQLite took the status index), and SQLite picks the index only when named.
    package static func approvedExistsSQL(placeholders: [String], indexedBy: Bool) -> String {
        let index = indexedBy ? " INDEXED BY mentions_approved_source" : ""
        return stride(from: 0, to: placeholders.count, by: 2).map { i in
            "EXISTS (SELECT 1 FROM mentions\(index) WHERE status = 'approved' AND source >= \(placeholders[i]) AND source < \(placeholders[i + 1]))"
        }.joined(separator: " OR ")
    }
}

import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// What the periodic re-check has done (`linkback stats`, the admin API's stats): the latest
/// batch, the sweep under way and the last finished one. Kept in the store's settings.
public struct RecheckReport: Codable, Sendable, Equatable {
    /// A finished sweep: every approved mention due was verified again.
    public struct Sweep: Codable, Sendable, Equatable {
        public var started: Date
        public var finished: Date?
        /// Mentions put back into the queue.
        public var checked: Int
        /// Of those, deleted by their verification (the source gone, or no longer linking).
        public var deleted: Int
    }

    public var days: Double
    public var lastBatch: Date?
    public var lastBatchMarked: Int = 0
    public var nextBatch: Date?
    public var current: Sweep?
    public var last: Sweep?

    enum CodingKeys: String, CodingKey {
        case days, current, last
        case lastBatch = "last_batch"
        case lastBatchMarked = "last_batch_marked"
        case nextBatch = "next_batch"
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    /// The report as stored, or `nil` when the re-check never ran.
    public static func read(from store: any VerificationQueueStore & MentionRecords & SettingsStore) async throws -> RecheckReport? {
        guard let text = try await store.setting(.recheck) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(RecheckReport.self, from: Data(text.utf8))
    }
}

/// `verification.recheck_days`: approved mentions are verified again once per period, through
/// the durable queue, a few at a time spread over the period (never a burst): every `interval`
/// seconds, the oldest-verified ones, as many as the period's share of all approved mentions. A
/// source that is gone or no longer links deletes its mention (and fires the delete webhook);
/// trouble on the source's side (a timeout, a 5xx) never does.
public final class RecheckSweep: Sendable {
    let store: any VerificationQueueStore & MentionRecords & SettingsStore
    let queue: VerificationQueue?
    let days: Double
    /// Seconds between two batches: a hundredth of the period, at most a minute.
    public let interval: Double
    let logger: Logger
    let clock: any WallClock
    /// Marked mentions not yet seen verified.
    private let watching = Locked<[Int64]>([])

    public init(store: any VerificationQueueStore & MentionRecords & SettingsStore, queue: VerificationQueue?, days: Double, logger: Logger = Logger(label: "linkback.recheck"),
        clock: any WallClock = SystemClock()
    ) {
        self.clock = clock
        self.store = store
        self.queue = queue
        self.days = days
        self.interval = min(60, days * 86_400 / 100)
        self.logger = logger
    }

    /// One batch: counts what the earlier batches' verifications did, then marks the next few.
    @discardableResult
    public func batch(now: Date = Date()) async throws -> RecheckReport {
        var report = try await RecheckReport.read(from: store) ?? RecheckReport(days: days)
        report.days = days
        var deleted = 0
        var still: [Int64] = []
        for id in watching.withLock({ $0 }) {
            guard let mention = try await store.mention(id: id) else { continue }
            if mention.reverifying {
                still.append(id)
            } else if mention.status == .deleted {
                deleted += 1
            }
        }
        let approved = try await store.countByStatus()[.approved] ?? 0
        let share = max(1, Int((Double(approved) * interval / (days * 86_400)).rounded(.up)))
        let marked = try await store.markForRecheck(verifiedBefore: now.addingTimeInterval(-days * 86_400), limit: share, at: now)
        if !marked.isEmpty { queue?.notify() }
        watching.withLock { $0 = still + marked }
        if !marked.isEmpty, report.current == nil { report.current = RecheckReport.Sweep(started: now, checked: 0, deleted: 0) }
        report.current?.checked += marked.count
        report.current?.deleted += deleted
        if marked.isEmpty, still.isEmpty, var finished = report.current {
            finished.finished = now
            report.last = finished
            report.current = nil
        }
        report.lastBatch = now
        report.lastBatchMarked = marked.count
        report.nextBatch = now.addingTimeInterval(interval)
        let text = String(decoding: try RecheckReport.encoder.encode(report), as: UTF8.self)
        try await store.setSetting(.recheck, to: text)
        if !marked.isEmpty { logger.info("re-checking approved mentions", metadata: ["count": "\(marked.count)"]) }
        return report
    }

    /// Batches until cancelled, one every ``interval``.
    public func run() async {
        let loop = WorkerLoop(name: "the periodic re-check", interval: .milliseconds(Int64(interval * 1000)), logger: logger)
        await loop.run { try await self.batch(now: self.clock.now()) }
    }
}

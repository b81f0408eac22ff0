import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// Why `linkback send` could not start: the post itself could not be fetched.
public struct SendError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
}

/// Sending mentions for the blog's own posts, the one use case behind `linkback send`, the admin
/// API's `POST /admin/api/send` and the server's retries: collect the post's links, queue a send
/// to each (and to the ones it linked to before: the W3C update rule) in the durable outbox, and
/// send what is due through the guarded fetcher, retrying 429s, 5xx and network trouble with
/// backoff, at most `send.per_host_per_minute` to one host.
public struct SendService: Sendable {
    let store: any SendOutboxStore
    let fetcher: GuardedFetcher
    let sender: MentionSender
    let pool: WorkPool?
    let maxAttempts: Int
    let retryBaseSeconds: Double
    /// What one send may take before another worker may claim it again.
    let lease: TimeInterval
    private let perHost: TokenBuckets<String>
    let logger: Logger
    let clock: any WallClock

    public init(
        store: any SendOutboxStore, fetcher: GuardedFetcher, pool: WorkPool? = nil, maxAttempts: Int = 5,
        retryBaseSeconds: Double = 60, perHostPerMinute: Int = 30, logger: Logger = Logger(label: "linkback.send"),
        clock: any WallClock = SystemClock()
    ) {
        self.clock = clock
        self.store = store
        self.fetcher = fetcher
        self.sender = MentionSender(fetcher: fetcher, pool: pool)
        self.pool = pool
        self.maxAttempts = maxAttempts
        self.retryBaseSeconds = retryBaseSeconds
        // Discovery and the send are two bounded fetches, each with the whole timeout.
        self.lease = max(60, 4 * fetcher.limits.timeoutSeconds)
        self.perHost = TokenBuckets(ratePerMinute: perHostPerMinute, burst: perHostPerMinute)
        self.logger = logger
    }

    public init(
        config: Config, store: any SendOutboxStore, pool: WorkPool? = nil, logger: Logger = Logger(label: "linkback.send"),
        clock: any WallClock = SystemClock()
    ) {
        self.init(
            store: store,
            fetcher: GuardedFetcher(config: config),
            pool: pool, maxAttempts: config.send.maxAttempts, retryBaseSeconds: config.send.retryBaseSeconds,
            perHostPerMinute: config.send.perHostPerMinute, logger: logger, clock: clock)
    }

    /// The post's URL in canonical form, or why it is not one.
    public static func sourceURL(_ text: String) -> Result<URL, SendError> {
        MentionCheck.parse(text).mapError { SendError(description: "the source URL \($0.message)") }
    }

    /// The links of the post at `source` (see ``SourceLinks``), fetched through the guarded fetcher.
    public func links(of source: URL) async throws(SendError) -> [URL] {
        try await read(source) { SourceLinks.targets(of: $0) }
    }

    /// The entries of the feed at `feed` (RSS, Atom, JSON Feed or h-feed, see ``FeedEntries``),
    /// fetched through the guarded fetcher.
    public func entries(ofFeed feed: URL) async throws(SendError) -> [FeedEntry] {
        switch try await read(feed, FeedEntries.of) {
        case .success(let entries): return entries
        case .failure(let failure): throw SendError(description: "\(feed.absoluteString): \(failure.description)")
        }
    }

    /// `url` fetched through the guarded fetcher and read by `reading` on the work pool.
    private func read<Value: Sendable>(
        _ url: URL, _ reading: @escaping @Sendable (FetchedResource) -> Value
    ) async throws(SendError) -> Value {
        let page: FetchedResource
        do {
            page = try await fetcher.fetch(url)
        } catch {
            throw SendError(description: "cannot fetch \(url.absoluteString): \(error.description)")
        }
        return await WorkPool.run(on: pool) { reading(page) }
    }

    /// Which of a feed's entries a run sends for: those updated after `since` (all of them when
    /// `nil`; an entry without a date only then), oldest first, at most `limit`; how many are left
    /// for the next run; and the date the next run starts after (the newest sent, else `since`).
    public static func select(
        _ entries: [FeedEntry], since: Date?, limit: Int
    ) -> (entries: [FeedEntry], left: Int, through: Date?) {
        let due = entries.filter { entry in since.map { since in entry.updated.map { $0 > since } ?? false } ?? true }
            .sorted { ($0.updated ?? .distantPast) < ($1.updated ?? .distantPast) }
        let taken = Array(due.prefix(limit))
        return (taken, due.count - taken.count, taken.compactMap(\.updated).max() ?? since)
    }

    /// What a send would do, with nothing sent or stored: each link's endpoints, or why none.
    public func dryRun(source: URL) async throws(SendError) -> [(target: URL, endpoints: Result<Endpoints, SendOutcome>)] {
        var found: [(URL, Result<Endpoints, SendOutcome>)] = []
        for target in try await links(of: source) { found.append((target, await sender.discover(target))) }
        return found
    }

    /// Queues the post's sends in the outbox (see ``MentionStore/planSends(source:targets:at:)``).
    public func plan(source: URL) async throws -> [OutgoingSend] {
        let targets = try await links(of: source).map(\.absoluteString)
        return try await store.planSends(source: source.absoluteString, targets: targets, at: clock.now())
    }

    /// Sends what is due now (of `source` only, when given), each outcome recorded; returns
    /// the sends tried with their outcomes, in the order they were due. `progress` is told after
    /// each (done, of).
    @discardableResult
    public func sendDue(source: String? = nil, limit: Int = 100, progress: ((Int, Int) -> Void)? = nil) async throws
        -> [(send: OutgoingSend, outcome: SendOutcome)]
    {
        let now = clock.now()
        let due = try await store.claimDueSends(source: source, now: now, lease: lease, limit: limit)
        var results: [(OutgoingSend, SendOutcome)] = []
        for send in due {
            let outcome = try await attempt(send)
            results.append((send, outcome))
            progress?(results.count, due.count)
        }
        return results
    }

    private func attempt(_ send: OutgoingSend) async throws -> SendOutcome {
        guard let source = URL(string: send.source), let target = URL(string: send.target) else {
            let outcome = SendOutcome.failed("not a URL")
            try await store.recordSend(
                id: send.id, state: .failed, result: outcome.description, endpoint: nil, nextAttemptAt: nil, attempted: true,
                at: clock.now())
            return outcome
        }
        if let host = target.host?.lowercased(), let wait = perHost.take(host, now: clock.now()) {
            // Put off, not tried: the attempt is not counted.
            let outcome = SendOutcome.retry("more than the per-host limit to \(host) this minute")
            try await store.recordSend(
                id: send.id, state: .queued, result: outcome.description, endpoint: nil,
                nextAttemptAt: clock.now().addingTimeInterval(Double(wait)), attempted: false, at: clock.now())
            return outcome
        }
        // Discovered first, so the endpoint is recorded whatever it answers.
        var endpoint: URL?
        var outcome: SendOutcome
        switch await sender.discover(target) {
        case .failure(let failure): outcome = failure
        case .success(let endpoints):
            endpoint = endpoints.webmention ?? endpoints.pingback
            outcome = await sender.send(source: source, target: target, to: endpoints)
        }
        let now = clock.now()
        let state: OutgoingSend.State
        var next: Date?
        switch outcome {
        case .webmention, .pingback: state = .sent
        case .noEndpoint: state = .noEndpoint
        case .failed: state = .failed
        case .retry(let why):
            if send.attempts + 1 < maxAttempts {
                state = .queued
                next = now.addingTimeInterval(Backoff.delay(base: retryBaseSeconds, attempts: send.attempts))
            } else {
                state = .failed
                outcome = .failed("\(why) (gave up after \(send.attempts + 1) attempts)")
            }
        }
        try await store.recordSend(
            id: send.id, state: state, result: outcome.description, endpoint: endpoint?.absoluteString,
            nextAttemptAt: next, attempted: true, at: now)
        logger.info(
            "send attempted", metadata: ["source": "\(send.source)", "target": "\(send.target)", "result": "\(outcome.description)"])
        return outcome
    }
}

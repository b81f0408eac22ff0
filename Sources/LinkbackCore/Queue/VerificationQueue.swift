import Foundation
import LinkbackKit
import LinkbackStore
import Logging
import Synchronization

/// Verifies queued mentions in the background with a bounded number of workers.
///
/// Mentions are claimed from the store oldest first, so a crash or restart loses nothing: claims
/// left behind are released when ``run()`` starts. ``notify()`` after storing a mention wakes the
/// queue at once; otherwise it looks for due retries every ``pollInterval``. ``stop()`` stops
/// claiming new work and gives verifications in flight ``shutdownGrace`` to finish; the rest are
/// cancelled without storing anything, so they stay claimed and are queued again at the next start.
public final class VerificationQueue: Sendable {
    private enum Event: Sendable {
        case wake
        case done
        case stop
    }

    let store: any VerificationQueueStore
    let verifier: Verifier
    let policy: VerificationPolicy
    let rejections: RejectionRecorder?
    /// Blocks the source of a mention that links to a trap target.
    let traps: Traps?
    let logger: Logger
    let concurrency: Int
    let pollInterval: Duration
    let shutdownGrace: Duration
    /// Claims and retry times are reckoned by it.
    let clock: any WallClock
    private let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    /// A wake-up waits in `events` unread: more are not queued behind it. One per receipt piled
    /// up by the hundred thousand under load, each costing a claim transaction when read.
    private let wakePending = Atomic(false)
    /// Verifications finished and not yet counted as free slots. The loop takes them all at once,
    /// so the verifications that finish while it claims are refilled by one claim, not one each
    /// (a claim is a transaction; on PostgreSQL it walks the queue index).
    private let finished = Atomic(0)

    public init(
        store: any VerificationQueueStore, verifier: Verifier, policy: VerificationPolicy, rejections: RejectionRecorder?,
        traps: Traps? = nil, logger: Logger, concurrency: Int, pollInterval: Duration = .seconds(1),
        shutdownGrace: Duration = .seconds(3), clock: any WallClock = SystemClock()
    ) {
        self.traps = traps
        self.clock = clock
        self.shutdownGrace = shutdownGrace
        self.store = store
        self.verifier = verifier
        self.policy = policy
        self.rejections = rejections
        self.logger = logger
        self.concurrency = max(1, concurrency)
        self.pollInterval = pollInterval
        (events, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Wakes the queue: a mention was stored. Wake-ups not yet read count once.
    public func notify() {
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) { continuation.yield(.wake) }
    }

    /// Stops claiming new mentions; ``run()`` returns once the verifications in flight are done,
    /// or abandoned after ``shutdownGrace``.
    public func stop() { continuation.yield(.stop) }

    /// Runs until ``stop()`` or cancellation. Call once.
    public func run() async throws {
        do {
            try await store.releaseClaims()
        } catch is CancellationError {
            return  // stopped before it began (another service failed to start)
        } catch {
            // A database problem must not take the endpoints down; /healthz reports it.
            logger.error("cannot release verification claims", metadata: ["error": "\(error)"])
        }
        let ticker = Task { [pollInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: pollInterval)
                self.notify()
            }
        }
        // Other instances' receipts (PostgreSQL's NOTIFY) wake it at once too.
        let listener = Task { [store] in
            guard let wakeUps = store.queueWakeUps() else { return }
            for await _ in wakeUps { self.notify() }
        }
        defer {
            ticker.cancel()
            listener.cancel()
        }
        try await withThrowingDiscardingTaskGroup { group in
            var free = concurrency
            var iterator = events.makeAsyncIterator()
            var stopping = false
            var shouldClaim = true
            while !stopping && !Task.isCancelled {
                if free > 0 && shouldClaim {
                    let claimed: [Mention]
                    do {
                        claimed = try await store.claimQueued(limit: free, now: clock.now())
                    } catch is CancellationError {
                        break  // leaves the loop: stopping
                    } catch {
                        logger.error("cannot read the verification queue", metadata: ["error": "\(error)"])
                        claimed = []
                    }
                    free -= claimed.count
                    for mention in claimed {
                        group.addTask { [continuation] in
                            await self.process(mention)
                            self.finished.add(1, ordering: .releasing)
                            continuation.yield(.done)
                        }
                    }
                }
                switch await iterator.next() {
                case .done?:
                    // Zero when an earlier `.done` already counted this one.
                    let slots = finished.exchange(0, ordering: .acquiringAndReleasing)
                    free += slots
                    shouldClaim = slots > 0
                case .wake?:
                    wakePending.store(false, ordering: .releasing)
                    shouldClaim = true
                case .stop?, nil: stopping = true
                }
            }
            // Stopping: a moment for the verifications in flight (the ticker wakes this loop to
            // look at the clock), then the rest are cancelled and stay queued.
            let deadline = ContinuousClock.now + shutdownGrace
            waiting: while free < concurrency, ContinuousClock.now < deadline, !Task.isCancelled {
                switch await iterator.next() {
                case .done?: free += finished.exchange(0, ordering: .acquiringAndReleasing)
                case .wake?: wakePending.store(false, ordering: .releasing)
                case nil: break waiting
                case .stop?: continue
                }
            }
            if free < concurrency {
                logger.notice("abandoning verifications in flight; they stay queued", metadata: ["count": "\(concurrency - free)"])
            }
            group.cancelAll()
        }
    }

    /// Verifies one claimed mention and stores the result.
    func process(_ mention: Mention) async {
        // The source links to the target as its sender spelt it, not to its canonical URL.
        guard let source = URL(string: mention.source), let target = URL(string: mention.targetAsSent ?? mention.target) else {
            _ = try? await store.complete(mention, with: policy.decide(mention, .invalidSource("not a URL"), now: clock.now()), actor: .server)
            return
        }
        let outcome = await verifier.verify(source: source, target: target)
        // Abandoned at shutdown: nothing is stored; the claim is released at the next start.
        guard !Task.isCancelled else { return }
        let signals = await policy.signals(
            source: mention.source, target: mention.target, outcome: outcome, existing: mention, protocol: mention.protocol,
            now: clock.now())
        guard !Task.isCancelled else { return }
        let result = await policy.withLocalAvatars(policy.decide(mention, outcome, signals: signals, now: clock.now()))
        guard !Task.isCancelled else { return }
        let status: MentionStatus?
        do {
            status = try await store.complete(mention, with: result, actor: .server)
        } catch {
            logger.error("cannot store a verification", metadata: ["id": "\(mention.id)", "error": "\(error)"])
            return
        }
        guard let status else {
            if result == .dropped {
                logger.info("dropped by the owner's policy", metadata: ["source": "\(mention.source)", "target": "\(mention.target)"])
            } else if case .aggregated(let type) = result {
                // Who sent it is not kept, not even in the log.
                logger.info("counted by the owner's policy", metadata: ["target": "\(mention.target)", "type": "\(type.rawValue)"])
            } else {
                logger.debug("mention was re-sent during verification", metadata: ["id": "\(mention.id)"])
            }
            return
        }
        // The row as the trap and the rejection log read it: as claimed but for its status
        // (`complete`'s contract; its content is not among what they read).
        var stored = mention
        stored.status = status
        var metadata: Logger.Metadata = [
            "id": "\(stored.id)", "source": "\(stored.source)", "target": "\(stored.target)",
            "outcome": "\(outcome.code)", "status": "\(status.rawValue)",
        ]
        // The operator's log says what went wrong and, where there is one, the fix.
        if case .linkFound = outcome {} else { metadata["detail"] = "\(outcome.description)" }
        if !signals.reasons.isEmpty { metadata["signals"] = "\(signals.reasons.joined(separator: ","))" }
        logger.info("verified", metadata: metadata)
        let sprung = outcome.isLinkFound && policy.sprangTrap(stored)
        if sprung { await traps?.sprung(by: stored) }
        if let reason = sprung ? .trap : stored.status == .rejected ? VerificationPolicy.rejectionReason(for: outcome) : nil,
            let ip = stored.clientIP.flatMap({ IPAddress($0) })
        {
            rejections?.record(
                Rejection(protocol: stored.protocol, clientIP: ip, reason: reason, source: stored.source,
                    target: stored.target, userAgent: stored.userAgent))
        }
    }
}

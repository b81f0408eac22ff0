import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// Accepting a mention request: the synchronous checks, then storing it as `queued` and waking
/// the verification queue. Shared by the endpoints; knows nothing of HTTP.
public struct MentionReceiver: Sendable {
    public let check: MentionCheck
    public let store: any MentionRecords
    /// Set when `verification.check_target_exists` is on, bounded by
    /// `verification.target_check_timeout_seconds`.
    public let targetFetcher: (any SourceFetching)?
    /// Set when `verification.canonical_targets` is on: a target is stored under its canonical URL.
    public let canonicalizer: TargetCanonicalizer?
    public let queue: VerificationQueue?
    /// Blocked sources and the per-pair interval (which the store enforces).
    public let spam: SpamGuard?
    /// Vouch (`vouch.mode`); `nil` accepts and ignores a `vouch` parameter.
    public let vouch: VouchCheck?
    let logger: Logger
    /// The time the pair interval is checked against before a fetch (the store checks again).
    public let clock: any WallClock
    /// Hosts already named in a `www.` warning (see ``warnAboutWWWTwin(_:)``).
    private let warnedHosts = Locked<Set<String>>([])

    public init(
        check: MentionCheck, store: any MentionRecords, targetFetcher: (any SourceFetching)?,
        canonicalizer: TargetCanonicalizer? = nil, queue: VerificationQueue?, spam: SpamGuard? = nil, vouch: VouchCheck? = nil,
        logger: Logger = Logger(label: "linkback.receive"), clock: any WallClock = SystemClock()
    ) {
        self.canonicalizer = canonicalizer
        self.clock = clock
        self.check = check
        self.store = store
        self.targetFetcher = targetFetcher
        self.queue = queue
        self.spam = spam
        self.vouch = vouch
        self.logger = logger
    }

    /// The synchronous checks: URLs and site, blocked source, and (when configured) that the
    /// target answers 2xx and what its canonical URL is. The per-pair interval is checked where
    /// the pair is stored.
    public func validate(source: String?, target: String?) async -> Result<CheckedPair, MentionCheckFailure> {
        var pair: CheckedPair
        switch check.check(source: source, target: target) {
        case .success(let checked): pair = checked
        case .failure(let failure):
            if case .targetNotSupported = failure, let target { warnAboutWWWTwin(target) }
            return .failure(failure)
        }
        if let blocked = spam?.blockedSource(pair.source) { return .failure(.blockedSource(blocked)) }
        if spam?.forgotten.contains(source: pair.source) == true { return .failure(.forgotten) }
        if let canonicalizer {
            // One fetch of the target answers both questions: where it really is, and whether it exists.
            switch await canonicalizer.resolve(pair.target) {
            case .canonical(let url) where url != pair.target:
                guard let site = check.site(of: url) else { break }
                if check.policy.current.closes(url) { return .failure(.targetClosed) }
                pair.targetAsSent = pair.targetAsSent ?? pair.target
                pair.target = url
                pair.site = site
            case .failed(let error) where targetFetcher != nil:
                switch error {
                case .gone, .notFound: return .failure(.targetNotFound("does not exist: \(error.description)"))
                default: return .failure(.targetUnavailable(error.description))
                }
            default: break
            }
        } else if let targetFetcher {
            do {
                _ = try await targetFetcher.fetch(pair.target)
            } catch {
                switch error {
                case .gone, .notFound: return .failure(.targetNotFound("does not exist: \(error.description)"))
                default: return .failure(.targetUnavailable(error.description))
                }
            }
        }
        return .success(pair)
    }

    /// Warns, once per host, when a refused target's host differs from a site only by `www.`: the
    /// likely cause is a `sites` list missing it, and every such mention is refused meanwhile.
    private func warnAboutWWWTwin(_ target: String) {
        guard case .success(let url) = MentionCheck.parse(target), let host = url.host?.lowercased(),
            let twin = check.wwwTwin(of: host), warnedHosts.withLock({ $0.insert(host).inserted })
        else { return }
        logger.warning(
            "mentions of \(host) are refused (target-not-supported), but sites lists \(twin.host): add \(host) to sites if it is your blog too")
    }

    /// ``validate(source:target:)``, then the vouch (under `vouch.mode: require_unknown`): the
    /// checked pair and the vouch URL to store with it.
    public func validate(source: String?, target: String?, vouch vouchURL: String?) async
        -> Result<(pair: CheckedPair, vouch: String?), MentionCheckFailure>
    {
        let pair: CheckedPair
        switch await validate(source: source, target: target) {
        case .success(let checked): pair = checked
        case .failure(let failure): return .failure(failure)
        }
        guard let vouch else { return .success((pair, nil)) }
        // The pair's interval is checked before the vouch page is fetched, not after.
        if vouchURL != nil, let wait = await pairWait(pair) { return .failure(.rateLimited(wait)) }
        return await vouch.check(source: pair.source, vouch: vouchURL).map { (pair, $0) }
    }

    /// The seconds a pair must still wait (`spam.pair_interval_seconds`), for the doors that fetch
    /// while the sender waits and so check it first; `nil` when it may come now.
    func pairWait(_ pair: CheckedPair) async -> Int? {
        guard let interval = spam?.pairInterval, interval > 0,
            let existing = try? await store.mention(source: pair.source.absoluteString, target: pair.target.absoluteString)
        else { return nil }
        return existing.pairWait(interval: interval, now: clock.now())
    }

    /// Validates, checks the vouch (webmentions, under `vouch.mode: require_unknown`), then
    /// stores the mention as `queued` (new, or an update of the same pair) and wakes the queue.
    /// Nothing is written unless every check passed.
    public func receive(
        source: String?, target: String?, vouch vouchURL: String? = nil, protocol: MentionProtocol, clientIP: IPAddress?,
        userAgent: String?
    ) async throws -> Result<ReceiveResult, MentionCheckFailure> {
        let (pair, vouched): (CheckedPair, String?)
        switch await validate(source: source, target: target, vouch: vouchURL) {
        case .success(let checked): (pair, vouched) = checked
        case .failure(let failure): return .failure(failure)
        }
        let incoming = pair.incoming(
            protocol: `protocol`, clientIP: clientIP, userAgent: userAgent, pairInterval: spam?.pairInterval ?? 0, vouch: vouched)
        let result: ReceiveResult
        do {
            result = try await store.receive(incoming, actor: .server)
        } catch StoreError.tooSoon(_, let seconds) {
            return .failure(.rateLimited(seconds))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // Nothing was stored (the transaction rolled back): the sender may simply try again.
            logger.error("cannot store a mention", metadata: ["source": "\(incoming.source)", "error": "\(error)"])
            return .failure(.storeUnavailable)
        }
        queue?.notify()
        return .success(result)
    }
}

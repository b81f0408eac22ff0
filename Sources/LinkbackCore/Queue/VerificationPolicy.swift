import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// The moderation settings a verification is judged with: the ``MentionLifecycle`` (whose rules
/// decide every status), the allow lists and the owner's ``MentionPolicy``, which change while the
/// server runs.
public struct VerificationPolicy: Sendable {
    /// The status rules, with `moderation.auto_approve`, `remoderate_updates` and the retry settings.
    public var lifecycle: MentionLifecycle
    /// `moderation.allow_domains`, shared by every copy of the policy and replaced by a
    /// configuration reload.
    public let configuredAllowDomains: DomainList
    public var allowDomains: [String] { configuredAllowDomains.current }
    /// Domains allowed in the database (`linkback allow`), refreshed while the server runs.
    public var storedAllowDomains: DomainList?
    /// `policy.rules` and `policy.traps`, replaced by a configuration reload.
    public let mentionPolicy: Shared<MentionPolicy>
    /// `spam.copy_detection`; `nil` where nothing is compared (the CLI's own verifications).
    public var copies: CopyDetector?
    /// `spam.score`; `nil` where nothing is scored (the CLI's own verifications).
    public var scorer: SpamScorer?
    /// The authors the owner asked to forget (the server's ``SpamGuard/forgotten``): a mention
    /// found to be theirs is dropped, nothing of it kept.
    public var forgotten: ForgottenList?
    /// `storage.keep`: what of a verified mention's content is stored.
    public var storage = Config.Storage()
    /// `api.avatars: proxy`: author photos kept and served here.
    public var avatars: AvatarProxy?

    public init(
        autoApprove: Bool = false, allowDomains: [String] = [], remoderateUpdates: Bool = false, maxAttempts: Int = 5,
        retryBaseSeconds: Double = 60, policy: MentionPolicy = MentionPolicy()
    ) {
        lifecycle = MentionLifecycle(
            autoApprove: autoApprove, remoderateUpdates: remoderateUpdates, maxAttempts: maxAttempts,
            retryBaseSeconds: retryBaseSeconds)
        configuredAllowDomains = DomainList(allowDomains)
        mentionPolicy = Shared(policy)
    }

    public init(config: Config) {
        self.init(
            autoApprove: config.moderation.autoApprove, allowDomains: config.moderation.allowDomains,
            remoderateUpdates: config.moderation.remoderateUpdates, maxAttempts: config.verification.maxAttempts,
            retryBaseSeconds: config.verification.retryBaseSeconds, policy: config.policy)
        storage = config.storage
        // Every door that stores a verification (the queue, pingbacks, `linkback reverify`) keeps photos alike.
        if config.avatars.proxy { avatars = AvatarProxy(config: config, logger: Logger(label: "linkback.avatars")) }
    }

    /// This policy with the content signals as `config` sets them: copy detection, comparing with
    /// the texts in `store` and fetching posts through a guarded fetcher of its own, and the spam
    /// score learnt in `store`.
    public func withContentSignals(config: Config, store: any MentionRecords, pool: WorkPool? = nil) -> VerificationPolicy {
        var policy = self
        policy.copies = CopyDetector(
            settings: config.spam.copyDetection, store: store, fetcher: GuardedFetcher(config: config), pool: pool)
        policy.scorer = SpamScorer(settings: config.spam.score, store: store)
        return policy
    }

    /// Whether `content`'s author is one the owner asked to forget.
    public func isForgotten(_ content: MentionContent) -> Bool {
        forgotten?.contains(author: content.authorURL) == true
    }

    /// Whether `source` is on an allow list (its host or a parent domain).
    public func isAllowed(source: String) -> Bool {
        guard let host = URL(string: source)?.host.flatMap(HostName.normalized) else { return false }
        return (allowDomains + (storedAllowDomains?.current ?? [])).contains { HostName.host(host, isWithin: $0) }
    }

    /// What the content signals say of a source whose link was found (`outcome`), `existing` being
    /// the pair's stored row (`nil` for none): copies and farms, then the spam score. Nothing for
    /// any other outcome, for a mention the owner's policy drops or only counts (no post is
    /// fetched for it), or without signals.
    public func signals(
        source: String, target: String, outcome: VerificationOutcome, existing: Mention?,
        protocol: MentionProtocol = .webmention, now: Date = Date()
    ) async -> SpamSignals {
        guard case .linkFound(let content, let text) = outcome,
            discard(target: target, existing: existing, content: content) == nil
        else { return .none }
        var signals = SpamSignals.none
        var traits = text.traits
        if let copies {
            signals = await copies.signals(
                source: source, target: target, text: text.shingles, type: content.type, mentionID: existing?.id, now: now)
            traits += await copies.languageTrait(source: traits, target: target)
        }
        if let scorer {
            signals = await scorer.score(signals, source: source, protocol: `protocol`, content: content, traits: traits)
        }
        return signals
    }

    /// What the queue does with a claimed mention after `outcome` (``MentionLifecycle/result(of:_:sourceAllowed:policy:signals:now:)``).
    public func decide(
        _ mention: Mention, _ outcome: VerificationOutcome, signals: SpamSignals = .none, now: Date = Date()
    ) -> VerificationResult {
        if case .linkFound(let content, _) = outcome, isForgotten(content) { return .dropped }
        let result = lifecycle.result(
            of: mention, outcome, sourceAllowed: isAllowed(source: mention.source), policy: mentionPolicy.current,
            signals: signals, now: now)
        // Judged on all of it, stored as the owner chose (`storage.keep`).
        if case .verified(let status, let content, let signals) = result {
            return .verified(status: status, content: storage.kept(content), signals: signals)
        }
        return result
    }

    /// `result` with its author photos kept and served here (``AvatarProxy``), when it stores content.
    public func withLocalAvatars(_ result: VerificationResult) async -> VerificationResult {
        guard let avatars, case .verified(let status, let content, let signals) = result else { return result }
        return .verified(status: status, content: await avatars.localize(content), signals: signals)
    }

    /// The status of a mention of `target` from `source` whose link was found with `content`,
    /// judged from `existing` (``MentionLifecycle/verifiedStatus(existing:target:content:sourceAllowed:policy:)``).
    public func status(
        forVerifiedSource source: String, target: String, existing: Mention?, content: MentionContent?,
        signals: SpamSignals = .none
    ) -> MentionStatus {
        lifecycle.verifiedStatus(
            existing: existing, target: target, content: content, sourceAllowed: isAllowed(source: source),
            policy: mentionPolicy.current, signals: signals)
    }

    /// Whether a mention of `target` whose link was found with `content` is dropped or only
    /// counted, not stored (``MentionLifecycle/discard(existing:target:content:isPrivate:policy:)``).
    public func discard(target: String, existing: Mention?, content: MentionContent, isPrivate: Bool = false) -> VerificationResult? {
        if isForgotten(content) { return .dropped }
        return lifecycle.discard(existing: existing, target: target, content: content, isPrivate: isPrivate, policy: mentionPolicy.current)
    }

    /// Whether `stored`, just written after its link was found, sprang one of the owner's traps:
    /// the life-cycle made it spam and its target is a trap.
    public func sprangTrap(_ stored: Mention) -> Bool {
        stored.status == .spam && (URL(string: stored.target).map(mentionPolicy.current.isTrap) ?? false)
    }

    /// Stores a mention verified while its sender (or `linkback reverify`) waited, with the status
    /// this policy gives it, judged against the row as it is when written: the store refuses a
    /// write based on a row that changed during the fetch (a moderator's spam, a re-send), and the
    /// status is judged again from the row as it is now. `adjust` changes the judged status (a
    /// pingback from an unknown domain held for a moderator).
    public func storeVerified(
        _ incoming: IncomingMention, content: MentionContent, signals: SpamSignals = .none, existing: Mention?,
        in store: any MentionRecords, actor: Actor, adjust: (MentionStatus) -> MentionStatus = { $0 }
    ) async throws -> Mention {
        var basis = existing
        let kept = storage.kept(content)
        let content = await avatars?.localize(kept) ?? kept
        for _ in 0..<5 {
            let status = adjust(
                status(
                    forVerifiedSource: incoming.source, target: incoming.target, existing: basis, content: content,
                    signals: signals))
            do {
                return try await store.storeVerified(
                    incoming, status: status, content: content, signals: signals, actor: actor, received: nil,
                    expecting: basis)
            } catch StoreError.conflict, StoreError.notFound {
                basis = try await store.mention(source: incoming.source, target: incoming.target)
            }
        }
        throw StoreError.failed("the mention of \(incoming.source) kept changing while it was stored")
    }

    /// The rejection-log reason for a final failure the client is responsible for; `nil` for
    /// successes and for our own or the source server's trouble.
    public static func rejectionReason(for outcome: VerificationOutcome) -> RejectionReason? {
        switch outcome {
        case .noLink, .unsupportedContentType: return .noLink
        case .gone, .notFound, .tooManyRedirects: return .sourceNotFound
        case .blockedAddress, .invalidSource: return .invalidURL
        case .tooLarge: return .tooLarge
        // A challenge is the source site's doing, not the sender's: never a reason to ban.
        case .linkFound, .serverError, .timedOut, .networkError, .rateLimited, .challenged: return nil
        }
    }
}

/// A list of domains shared between a refreshing task and its readers.
public final class DomainList: Sendable {
    private let domains = Locked<[String]>([])

    public init(_ domains: [String] = []) {
        self.domains.withLock { $0 = domains }
    }

    public var current: [String] { domains.withLock { $0 } }

    public func replace(_ domains: [String]) {
        self.domains.withLock { $0 = domains }
    }
}

import Foundation

/// Decides what a verification outcome means for a mention: its next status, or a retry.
///
/// A mention is *known* when it was verified before and then re-sent (its `previousStatus` is
/// `pending`, `approved`, `spam`, `deleted`, or `rejected` by a moderator). Only *gone* and *no
/// link* delete a known mention; other failures keep its status. A moderator's `spam`, `rejected`
/// and `deleted` stick (``Mention/decision``): a re-send never lifts them. Transient failures are
/// retried with exponential backoff.
public struct VerificationPolicy: Sendable {
    public var autoApprove: Bool
    /// `moderation.allow_domains`, shared by every copy of the policy and replaced by a
    /// configuration reload.
    public let configuredAllowDomains: DomainList
    public var allowDomains: [String] { configuredAllowDomains.current }
    /// Domains allowed in the database (`linkback allow`), refreshed while the server runs.
    public var storedAllowDomains: DomainList?
    public var remoderateUpdates: Bool
    public var maxAttempts: Int
    public var retryBaseSeconds: Double

    public init(
        autoApprove: Bool = false, allowDomains: [String] = [], remoderateUpdates: Bool = false, maxAttempts: Int = 5,
        retryBaseSeconds: Double = 60
    ) {
        self.autoApprove = autoApprove
        configuredAllowDomains = DomainList(allowDomains)
        self.remoderateUpdates = remoderateUpdates
        self.maxAttempts = maxAttempts
        self.retryBaseSeconds = retryBaseSeconds
    }

    public init(config: Config) {
        self.init(
            autoApprove: config.moderation.autoApprove, allowDomains: config.moderation.allowDomains,
            remoderateUpdates: config.moderation.remoderateUpdates, maxAttempts: config.verification.maxAttempts,
            retryBaseSeconds: config.verification.retryBaseSeconds)
    }

    public func decide(_ mention: Mention, _ outcome: VerificationOutcome, now: Date = Date()) -> VerificationResult {
        let previous = mention.previousStatus
        let known = previous.map { [.pending, .approved, .spam, .rejected, .deleted].contains($0) } ?? false
        switch outcome {
        case .linkFound(let content):
            return .verified(status: status(forVerifiedSource: mention.source, existing: mention, content: content), content: content)
        case .noLink, .gone:
            return .failed(status: known ? .deleted : .rejected, reason: outcome.code)
        case .rateLimited:
            // The source host's fetch allowance is spent (anyone can spend it): the mention waits
            // for the next minute's and is never rejected for it (review F12).
            return .retry(nextAttempt: now.addingTimeInterval(60), reason: outcome.code)
        case _ where outcome.isTransient:
            if mention.attempts + 1 < maxAttempts {
                let delay = retryBaseSeconds * pow(2, Double(mention.attempts))
                return .retry(nextAttempt: now.addingTimeInterval(delay), reason: outcome.code)
            }
            return .failed(status: known ? previous! : .rejected, reason: outcome.code)
        default:
            return .failed(status: known ? previous! : .rejected, reason: outcome.code)
        }
    }

    /// The status of a mention from `source` whose link was found with `content`: `existing` is
    /// its stored row (`nil` for a new one), as the queue claimed it or as a synchronous door
    /// (pingback, Private Webmention, `linkback reverify`) read it.
    ///
    /// A moderator's rejection, spam or delete sticks (``Mention/decision``); a pending or
    /// approved mention keeps its status, unless `moderation.remoderate_updates` sends changed
    /// content back to moderation; anything else is judged as new (auto-approval, allowed domains).
    public func status(forVerifiedSource source: String, existing: Mention?, content: MentionContent?) -> MentionStatus {
        if let decision = existing?.decision, decision.isStickyDecision { return decision }
        let previous = existing.flatMap(Self.statusToKeep)
        switch previous {
        case .spam?: return .spam
        case .rejected?: return .rejected
        case .approved?, .pending?:
            if !remoderateUpdates || (content != nil && content == existing?.content) { return previous! }
        default: break
        }
        if autoApprove { return .approved }
        if let host = URL(string: source)?.host.flatMap(HostName.normalized),
            (allowDomains + (storedAllowDomains?.current ?? [])).contains(where: { HostName.host(host, isWithin: $0) })
        {
            return .approved
        }
        return .pending
    }

    /// Stores a mention verified while its sender (or `linkback reverify`) waited, with the status
    /// this policy gives it, judged against the row as it is when written: the store refuses a
    /// write based on a row that changed during the fetch (a moderator's spam, a re-send), and the
    /// status is judged again from the row as it is now. `adjust` changes the judged status (a
    /// pingback from an unknown domain held for a moderator).
    public func storeVerified(
        _ incoming: IncomingMention, content: MentionContent, existing: Mention?, in store: any MentionStore, actor: Actor,
        adjust: (MentionStatus) -> MentionStatus = { $0 }
    ) async throws -> Mention {
        var basis = existing
        for _ in 0..<5 {
            let status = adjust(status(forVerifiedSource: incoming.source, existing: basis, content: content))
            do {
                return try await store.storeVerified(
                    incoming, status: status, content: content, actor: actor, received: nil, expecting: basis)
            } catch StoreError.conflict, StoreError.notFound {
                basis = try await store.mention(source: incoming.source, target: incoming.target)
            }
        }
        throw StoreError.failed("the mention of \(incoming.source) kept changing while it was stored")
    }

    /// The status a stored mention brings to its next verification: a queued one (a re-send)
    /// the status it had before it was queued; a rejected one only a moderator's rejection (a
    /// failed verification is no decision to keep: the mention is judged as new).
    public static func statusToKeep(_ mention: Mention) -> MentionStatus? {
        switch mention.status {
        case .queued: return mention.previousStatus
        case .rejected: return mention.decision == .rejected ? .rejected : nil
        default: return mention.status
        }
    }

    /// The rejection-log reason for a final failure the client is responsible for; `nil` for
    /// successes and for our own or the source server's trouble.
    public static func rejectionReason(for outcome: VerificationOutcome) -> RejectionReason? {
        switch outcome {
        case .noLink, .unsupportedContentType: return .noLink
        case .gone, .notFound, .tooManyRedirects: return .sourceNotFound
        case .blockedAddress, .invalidSource: return .invalidURL
        case .tooLarge: return .tooLarge
        case .linkFound, .serverError, .timedOut, .networkError, .rateLimited: return nil
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

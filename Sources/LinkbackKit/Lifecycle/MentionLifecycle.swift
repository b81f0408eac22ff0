import Foundation

/// Every rule about a mention's status, in one place: what a receipt, a verification, a
/// moderator's action and a re-check do to it. Pure: no I/O and no clock (the caller gives `now`),
/// so both stores and every door (queue, pingback, Private Webmention, `linkback reverify`,
/// moderation) ask it and none decides on its own.
///
/// The statuses: `queued` → (verification) → `pending` / `approved` / `rejected`; moderators move
/// mentions between `pending`, `approved`, `rejected`, `spam` and `deleted`; a source that is gone
/// or no longer links moves a verified mention to `deleted`.
///
/// Who may undo whose decision: a moderator's `rejected`, `spam` and `deleted` are kept in
/// ``Mention/decision`` and stick through any re-send, verification or re-check; only a moderator
/// lifts them (`restore`, `approve`). The server's own verdicts (a failed verification's
/// `rejected`, a gone source's `deleted`) are lifted by a re-send that verifies.
///
/// A periodic re-check (`recheck.interval_days`) queues approved, public mentions in place as a
/// re-send of an approved mention would be (``resend(_:)``); its outcome is judged by
/// ``result(of:_:sourceAllowed:policy:signals:now:)`` like any other. (Which rows are due is a query the stores
/// write out, on a partial index of approved rows.)
public struct MentionLifecycle: Sendable, Equatable {
    /// `moderation.auto_approve`: a new verified mention is approved, not pending.
    public var autoApprove: Bool
    /// `moderation.remoderate_updates`: changed content of an approved mention goes back to moderation.
    public var remoderateUpdates: Bool
    /// `verification.max_attempts`: transient failures before a mention is given up on.
    public var maxAttempts: Int
    /// `verification.retry_base_seconds`: the first retry's wait (doubling, ``Backoff``).
    public var retryBaseSeconds: Double

    /// How long a mention waits when its source host's fetch allowance is spent (per minute).
    public static let rateLimitedWait: TimeInterval = 60

    public init(autoApprove: Bool = false, remoderateUpdates: Bool = false, maxAttempts: Int = 5, retryBaseSeconds: Double = 60) {
        self.autoApprove = autoApprove
        self.remoderateUpdates = remoderateUpdates
        self.maxAttempts = maxAttempts
        self.retryBaseSeconds = retryBaseSeconds
    }

    // MARK: Receipt

    /// What a re-sent mention becomes while it waits to be verified again.
    public struct Resend: Sendable, Equatable {
        /// `approved` (still visible while verified again, see ``Mention/reverifying``) or `queued`.
        public var status: MentionStatus
        /// The status its verification starts from (``statusToKeep(_:)``).
        public var previousStatus: MentionStatus?
        /// Whether it stays visible and is verified in place.
        public var reverifying: Bool { status != .queued }
    }

    /// A re-send of `existing` (same source and target). A visible mention stays visible while it
    /// is verified again; anything else waits in the queue, so nobody approves content not yet
    /// verified. Privacy is never lifted by a re-send (the stores keep `is_private OR new`).
    public static func resend(_ existing: Mention) -> Resend {
        let previous = statusToKeep(existing)
        return Resend(status: previous == .approved ? .approved : .queued, previousStatus: previous)
    }

    /// The status a stored mention brings to its next verification: a queued one (a re-send) the
    /// status it had before it was queued; a rejected one only a moderator's rejection (a failed
    /// verification is no decision to keep: the mention is judged as new).
    public static func statusToKeep(_ mention: Mention) -> MentionStatus? {
        switch mention.status {
        case .queued: return mention.previousStatus
        case .rejected: return mention.decision == .rejected ? .rejected : nil
        // Held only because its source answered with a bot challenge: nobody judged it yet.
        case .pending where mention.reason == VerificationOutcome.challengedCode && mention.decision == nil:
            return mention.previousStatus
        default: return mention.status
        }
    }

    // MARK: Verification

    /// The status of a mention whose link was found with `content`: `existing` is its stored row
    /// (`nil` for a new one) as the queue claimed it or a synchronous door read it; `sourceAllowed`
    /// says whether its source is on an allow list (`moderation.allow_domains`, `linkback allow`);
    /// `rule` is what the owner's first matching `policy.rules` entry says (``MentionPolicy``), and
    /// `trap` whether the target is one of `policy.traps`.
    ///
    /// A moderator's rejection, spam or delete sticks; a link to a trap is spam (unless a moderator
    /// approved the mention); a pending or
    /// approved mention keeps its status unless `remoderate_updates` sends changed content back to
    /// moderation; anything else is judged as new: the owner's rule for the target and type first
    /// (`accept`, `moderate`), then auto-approval and allowed domains; and a mention judged as new
    /// that the content signals speak against (`holds`, ``SpamSignals/reasons``: a copy of the post,
    /// a farm's text, a high spam score) waits for the owner, whatever approved it, and one whose
    /// spam score reached `spam_at` (`scoredSpam`) is spam.
    public func verifiedStatus(
        existing: Mention?, content: MentionContent?, sourceAllowed: Bool, rule: PolicyAction? = nil, trap: Bool = false,
        holds: [String] = [], scoredSpam: Bool = false
    ) -> MentionStatus {
        if let decision = existing?.decision, decision.isStickyDecision { return decision }
        // A moderator who approved a mention of a trap target knows better than the trap.
        if trap && existing?.decision != .approved { return .spam }
        let previous = existing.flatMap(Self.statusToKeep)
        switch previous {
        case .spam?: return .spam
        case .rejected?: return .rejected
        case .approved?, .pending?:
            if !remoderateUpdates || (content != nil && content == existing?.content) { return previous! }
        default: break
        }
        if scoredSpam { return .spam }
        if !holds.isEmpty { return .pending }
        switch rule {
        case .accept?: return .approved
        case .moderate?: return .pending
        case .close?, .drop?, .aggregate?, nil: return autoApprove || sourceAllowed ? .approved : .pending
        }
    }

    /// What becomes of a mention whose link was found when the owner's policy keeps no row of it:
    /// ``VerificationResult/dropped`` (`drop`) or ``VerificationResult/aggregated(_:)``
    /// (`aggregate`), otherwise `nil`. Only a mention judged as new (never one a moderator decided
    /// on or that was verified before), never a link to a trap (that is spam, and kept as
    /// evidence); a Private Webmention is never counted in public (it is kept as any other).
    public func discard(existing: Mention?, rule: PolicyAction?, trap: Bool, type: MentionType, isPrivate: Bool) -> VerificationResult? {
        guard rule == .drop || (rule == .aggregate && !isPrivate), !trap, existing?.decision == nil,
            existing.flatMap(Self.statusToKeep) == nil
        else { return nil }
        return rule == .drop ? .dropped : .aggregated(type)
    }

    /// ``discard(existing:rule:trap:type:isPrivate:)`` with the rule and trap that `policy` gives a
    /// mention of `target`.
    public func discard(
        existing: Mention?, target: String, content: MentionContent, isPrivate: Bool, policy: MentionPolicy
    ) -> VerificationResult? {
        guard let url = URL(string: target) else { return nil }
        return discard(
            existing: existing, rule: policy.action(for: url, type: content.type), trap: policy.isTrap(url), type: content.type,
            isPrivate: isPrivate || existing?.isPrivate == true)
    }

    /// ``verifiedStatus(existing:content:sourceAllowed:rule:trap:holds:)`` with the rule and trap that
    /// `policy` gives a mention of `target` of `content`'s type.
    public func verifiedStatus(
        existing: Mention?, target: String, content: MentionContent?, sourceAllowed: Bool, policy: MentionPolicy,
        signals: SpamSignals = .none
    ) -> MentionStatus {
        let url = URL(string: target)
        return verifiedStatus(
            existing: existing, content: content, sourceAllowed: sourceAllowed,
            rule: url.flatMap { url in content.flatMap { policy.action(for: url, type: $0.type) } },
            trap: url.map(policy.isTrap) ?? false, holds: signals.reasons, scoredSpam: signals.isSpam)
    }

    /// What the queue does with a claimed mention after `outcome`. A *known* mention (verified
    /// before, then re-sent) is deleted only when its source is gone or no longer links; other
    /// failures keep its status. A new one is rejected, except one whose source answered with a bot
    /// challenge: that one waits for the owner (``VerificationResult/held(reason:nextAttempt:)``)
    /// and is tried again with ``Backoff`` until `maxAttempts`. Transient failures are retried with
    /// ``Backoff`` until `maxAttempts`; a spent fetch allowance waits a minute and is never a failure.
    public func result(
        of mention: Mention, _ outcome: VerificationOutcome, sourceAllowed: Bool, policy: MentionPolicy = MentionPolicy(),
        signals: SpamSignals = .none, now: Date
    ) -> VerificationResult {
        let previous = mention.previousStatus
        let known = previous.map { [.pending, .approved, .spam, .rejected, .deleted].contains($0) } ?? false
        switch outcome {
        case .linkFound(let content, _):
            if let discarded = discard(
                existing: mention, target: mention.target, content: content, isPrivate: mention.isPrivate, policy: policy)
            {
                return discarded
            }
            let status = verifiedStatus(
                existing: mention, target: mention.target, content: content, sourceAllowed: sourceAllowed, policy: policy,
                signals: signals)
            return .verified(status: status, content: content, signals: signals)
        case _ where outcome.allowsDelete:
            return .failed(status: known ? .deleted : .rejected, reason: outcome.code)
        case .challenged where !known:
            // A new mention waits for the owner, who may know the source, and is tried again; a
            // known one keeps its status meanwhile, as with any trouble of the source's (below).
            let next = mention.attempts + 1 < maxAttempts
                ? now.addingTimeInterval(Backoff.delay(base: retryBaseSeconds, attempts: mention.attempts)) : nil
            return .held(reason: outcome.code, nextAttempt: next)
        case .rateLimited:
            // Anyone can spend a host's allowance: the mention waits, never rejected for it (review F12).
            return .retry(nextAttempt: now.addingTimeInterval(Self.rateLimitedWait), reason: outcome.code)
        case _ where outcome.isTransient && mention.attempts + 1 < maxAttempts:
            let delay = Backoff.delay(base: retryBaseSeconds, attempts: mention.attempts)
            return .retry(nextAttempt: now.addingTimeInterval(delay), reason: outcome.code)
        default:
            return .failed(status: known ? previous! : .rejected, reason: outcome.code)
        }
    }

    /// What a failed verification of a stored, not queued mention does (`linkback reverify`):
    /// `deleted` when its source is gone or no longer links (Webmention §3.2.4), otherwise `nil`:
    /// a timeout or a 5xx changes nothing.
    public static func statusAfterFailedReverification(_ outcome: VerificationOutcome) -> MentionStatus? {
        outcome.allowsDelete ? .deleted : nil
    }

    // MARK: Moderation

    /// Statuses `action` may start from. A mention must have been verified to be approved or
    /// restored; anything can be marked spam or deleted.
    public static func allowedFrom(_ action: Moderation) -> Set<MentionStatus> {
        switch action {
        case .approve: return [.pending, .rejected, .spam]
        case .reject: return [.queued, .pending, .approved]
        case .spam: return [.queued, .pending, .approved, .rejected, .deleted]
        case .delete: return [.queued, .pending, .approved, .rejected, .spam]
        case .restore: return [.rejected, .spam, .deleted]
        }
    }

    /// Why `action` is refused for a mention in `status` (with the moderator's last `decision`),
    /// or `nil` when it is allowed.
    public static func refusal(of action: Moderation, from status: MentionStatus, decision: MentionStatus? = nil) -> String? {
        if status == action.target { return "it is already \(status.rawValue)" }
        if allowedFrom(action).contains(status) { return nil }
        if action == .approve && status == .deleted {
            if decision == .deleted { return "it was deleted by a moderator; restore it first" }
            return "it was deleted (its source is gone or no longer links); re-verify it first"
        }
        if action == .approve && status == .queued { return "it has not been verified yet" }
        let from = MentionStatus.allCases.filter(allowedFrom(action).contains).map(\.rawValue)
        return "\(action.rawValue) takes \(from.joined(separator: ", ")) mentions; this one is \(status.rawValue)"
    }

    /// The statuses a block of its source domain marks as spam: everything not yet approved
    /// (an approved mention was a moderator's choice, and stays).
    public static let spamOnDomainBlock: Set<MentionStatus> = [.queued, .pending, .rejected]
}

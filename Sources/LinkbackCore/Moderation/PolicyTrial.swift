import Foundation
import LinkbackKit
import LinkbackStore

/// `linkback policy test`: the stored mentions of the last days judged again, as new, under a
/// candidate configuration (its blocks and subscribed lists' stored copies, `policy.rules` and
/// `policy.traps`, allow lists and auto-approval, copy detection), listing every mention whose
/// outcome would change. Reads only: nothing is written.
///
/// A moderator's decision stands under any configuration and is left out; copy detection's
/// reasons are those found when the mention was verified (the candidate can switch them off, not
/// find new ones), and a list the candidate adds that was never fetched blocks nothing yet
/// (`linkback blocklist sync --dry-run` says what it would).
public struct PolicyTrial: Sendable {
    /// One mention whose outcome would change.
    public struct Change: Sendable, Encodable, Equatable {
        public var id: Int64
        public var source: String
        public var target: String
        public var from: String
        /// A status, or `refused` (at the door), `dropped` or `counted` (`aggregate`).
        public var to: String
        public var reasons: [String]
    }

    /// Mentions replayed at most.
    public static let limit = 100_000

    public let candidate: Config
    public let store: any MentionRecords & BlockStore & BlocklistStore

    public init(candidate: Config, store: any MentionRecords & BlockStore & BlocklistStore) {
        self.candidate = candidate
        self.store = store
    }

    /// Every mention received in the last `days` (as of `now`) whose outcome the candidate changes,
    /// and how many were replayed.
    public func run(days: Int, now: Date = Date()) async throws -> (replayed: Int, changes: [Change]) {
        let spam = SpamGuard(config: candidate.spam)
        spam.reloadBlocks(try await store.blocks())
        spam.reloadSubscribed(
            SubscribedBlocklists(copies: BlocklistSync.copies(of: candidate.spam.blocklists, among: try await store.blocklistCopies())))
        var policy = VerificationPolicy(config: candidate)
        policy.storedAllowDomains = DomainList(try await store.allowedDomains())
        let mentions = try await store.list(
            MentionQuery(since: now.addingTimeInterval(-Double(days) * 86_400), limit: Self.limit))
        var changes: [Change] = []
        for mention in mentions where mention.decision == nil && mention.status != .queued {
            guard let (to, reasons) = verdict(on: mention, spam: spam, policy: policy), to != mention.status.rawValue else { continue }
            changes.append(
                Change(id: mention.id, source: mention.source, target: mention.target, from: mention.status.rawValue, to: to, reasons: reasons))
        }
        return (mentions.count, changes)
    }

    /// What the candidate does with `mention` judged as new; `nil` when it cannot say (a mention
    /// that never verified and is not refused at the door keeps what its verification said).
    func verdict(on mention: Mention, spam: SpamGuard, policy: VerificationPolicy) -> (String, [String])? {
        guard let source = URL(string: mention.source), let target = URL(string: mention.target) else { return nil }
        if let blocked = spam.blockedSource(source) { return ("refused", ["blocked-source: \(blocked)"]) }
        if candidate.policy.closes(target) { return ("refused", ["target-closed"]) }
        guard let content = mention.content, [.pending, .approved, .spam].contains(mention.status) else { return nil }
        // Its type known, a rule that closes the target for it refuses it (at the door, with the
        // type unknown there, only a target closed to every type is refused).
        let rule = candidate.policy.action(for: target, type: content.type)
        if rule == .close { return ("refused", ["target-closed"]) }
        if candidate.policy.isTrap(target) { return (MentionStatus.spam.rawValue, ["trap"]) }
        switch policy.discard(target: mention.target, existing: nil, content: content, isPrivate: mention.isPrivate) {
        case .dropped?: return ("dropped", ["rule: drop"])
        case .aggregated?: return ("counted", ["rule: aggregate"])
        default: break
        }
        // Copy detection's reasons as found at verification; the stored score against the candidate's thresholds.
        var signals = SpamSignals(
            reasons: candidate.spam.copyDetection.enabled ? mention.spamReasons.filter { $0 != SpamSignals.spamScore } : [])
        if let score = mention.spamScore?.value { candidate.spam.score.judge(score, into: &signals) }
        let status = policy.status(
            forVerifiedSource: mention.source, target: mention.target, existing: nil, content: content, signals: signals)
        var reasons: [String] = []
        if let rule { reasons.append("rule: \(rule.rawValue)") }
        if policy.isAllowed(source: mention.source) { reasons.append("allowed domain") }
        reasons.append(policy.lifecycle.autoApprove ? "auto_approve on" : "auto_approve off")
        return (status.rawValue, reasons + signals.reasons)
    }
}

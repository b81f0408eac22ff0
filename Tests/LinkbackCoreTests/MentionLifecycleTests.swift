import Foundation
import Testing

@testable import LinkbackKit

/// The life-cycle's rules over every (status, moderator's decision, event, actor): what the server
/// may do on its own (a re-send, a verification, a re-check) and what only a moderator may undo.
@Suite struct MentionLifecycleTests {
    static let outcomes: [VerificationOutcome] = [
        .linkFound(MentionContent(type: .reply, contentText: "new")), .noLink, .gone, .notFound(status: 404),
        .serverError(status: 502), .blockedAddress("private"), .tooLarge(limit: 10), .timedOut,
        .tooManyRedirects(limit: 3), .unsupportedContentType("image/png"), .networkError("reset"),
        .invalidSource("ftp"), .rateLimited("a.example"), .challenged("cloudflare"),
    ]
    static let lifecycles: [(name: String, lifecycle: MentionLifecycle, allowed: Bool)] = [
        ("default", MentionLifecycle(), false),
        ("auto-approve", MentionLifecycle(autoApprove: true), false),
        ("remoderate", MentionLifecycle(remoderateUpdates: true), false),
        ("allowed source", MentionLifecycle(), true),
    ]
    static let decisions: [MentionStatus?] = [nil] + MentionStatus.allCases
    let now = Date(timeIntervalSince1970: 1_000_000)

    private func mention(
        _ status: MentionStatus, previous: MentionStatus? = nil, decision: MentionStatus? = nil, attempts: Int = 0
    ) -> Mention {
        var mention = Mention(
            id: 1, token: "t", source: "https://a.example/p", target: "https://blog.example/", site: "blog.example",
            protocol: .webmention, status: status, reason: nil, clientIP: nil, userAgent: nil, received: now,
            updated: now, verified: nil, attempts: attempts, content: MentionContent(type: .reply, contentText: "old"),
            previousStatus: previous, revision: 0, nextAttemptAt: nil)
        mention.decision = decision
        return mention
    }

    /// What the server alone does to a stored mention: it is re-sent (queued as the stores queue
    /// it), then the queue judges `outcome`. `nil` when the outcome is a retry.
    private func serverRound(
        _ stored: Mention, _ outcome: VerificationOutcome, _ lifecycle: MentionLifecycle, allowed: Bool
    ) -> MentionStatus? {
        let resend = MentionLifecycle.resend(stored)
        var queued = stored
        queued.status = resend.status
        queued.previousStatus = resend.previousStatus
        queued.reverifying = resend.reverifying
        switch lifecycle.result(of: queued, outcome, sourceAllowed: allowed, now: now) {
        case .verified(let status, _, _), .failed(let status, _): return status
        case .held: return .pending
        case .retry, .dropped, .aggregated: return nil
        }
    }

    // MARK: Who may undo whose decision

    /// A moderator's rejection, spam or delete stands through any re-send and any verification
    /// outcome, under every setting: the server never makes such a mention visible again.
    @Test func noServerEventLiftsAModeratorsDecision() {
        for sticky in MentionStatus.allCases where sticky.isStickyDecision {
            for (name, lifecycle, allowed) in Self.lifecycles {
                for outcome in Self.outcomes {
                    let decided = mention(sticky, decision: sticky)
                    guard let after = serverRound(decided, outcome, lifecycle, allowed: allowed) else { continue }
                    #expect(after != .approved && after != .pending, "\(sticky) \(name) \(outcome.code) → \(after)")
                    if case .linkFound = outcome { #expect(after == sticky, "\(sticky) \(name)") }
                }
            }
        }
    }

    /// And a moderator can always undo it: every status a moderator can reach has a way back to
    /// `pending` or `approved`, through `restore` or `approve`.
    @Test func aModeratorCanUndoEveryDecision() {
        for status in MentionStatus.allCases where status != .queued {
            let ways = Moderation.allCases.filter { MentionLifecycle.refusal(of: $0, from: status) == nil }
            let back = ways.map(\.target).contains { $0 == .pending || $0 == .approved }
            #expect(back || status == .pending || status == .approved, "\(status) is a dead end: \(ways)")
        }
    }

    /// The server's own verdicts are not decisions: a rejection by a failed verification, or a
    /// delete by a gone source, is lifted by a re-send whose source links again.
    @Test func theServersVerdictsAreLiftedByAVerifiedResend() {
        let found = Self.outcomes[0]
        #expect(serverRound(mention(.rejected), found, MentionLifecycle(), allowed: false) == .pending)
        #expect(serverRound(mention(.rejected), found, MentionLifecycle(autoApprove: true), allowed: false) == .approved)
        #expect(serverRound(mention(.deleted), found, MentionLifecycle(), allowed: false) == .pending)
        // A moderator's approval, rejected by nothing since, stays approved.
        #expect(serverRound(mention(.approved, decision: .approved), found, MentionLifecycle(), allowed: false) == .approved)
    }

    // MARK: Receipt

    @Test func aResendKeepsOnlyApprovedMentionsVisible() {
        for status in MentionStatus.allCases {
            for decision in Self.decisions {
                for previous in Self.decisions {
                    let stored = mention(status, previous: previous, decision: decision)
                    let resend = MentionLifecycle.resend(stored)
                    let keep = MentionLifecycle.statusToKeep(stored)
                    #expect(resend.previousStatus == keep)
                    #expect(resend.status == (keep == .approved ? .approved : .queued), "\(status)/\(String(describing: previous))")
                    #expect(resend.reverifying == (resend.status == .approved))
                }
            }
        }
    }

    @Test func whatAStoredMentionBringsToItsNextVerification() {
        let rows: [(Mention, MentionStatus?)] = [
            (mention(.queued, previous: .spam), .spam),
            (mention(.queued), nil),
            (mention(.rejected), nil),  // rejected by a failed verification: judged as new
            (mention(.rejected, decision: .rejected), .rejected),
            (mention(.rejected, decision: .pending), nil),  // restored, then failed again
            (mention(.approved), .approved),
            (mention(.pending), .pending),
            (mention(.spam), .spam),
            (mention(.deleted), .deleted),
        ]
        for (stored, expected) in rows {
            #expect(MentionLifecycle.statusToKeep(stored) == expected, "\(stored.status) \(String(describing: stored.decision))")
        }
    }

    // MARK: Verification

    /// Every failure of a queued mention, for every status it may have had before it was re-sent:
    /// only gone and no-link delete a known mention, a transient failure retries and then keeps
    /// the status, a new mention is rejected; no failure makes a mention visible it was not.
    @Test func everyFailureOfEveryQueuedMention() {
        let lifecycle = MentionLifecycle(maxAttempts: 3, retryBaseSeconds: 10)
        for previous in Self.decisions {
            for outcome in Self.outcomes.dropFirst() {
                for attempts in [0, 2] {
                    let queued = mention(.queued, previous: previous, attempts: attempts)
                    let result = lifecycle.result(of: queued, outcome, sourceAllowed: true, now: now)
                    let known = previous != nil && previous != .queued
                    let label = "\(String(describing: previous)) \(outcome.code) attempts \(attempts)"
                    switch result {
                    case .retry(let next, let reason):
                        #expect(reason == outcome.code)
                        #expect(outcome.isTransient, "\(label): only the source's trouble is retried")
                        if case .rateLimited = outcome {
                            #expect(next == now.addingTimeInterval(60))
                        } else {
                            #expect(attempts == 0, "\(label)")
                            #expect(next == now.addingTimeInterval(10), "\(label)")
                        }
                    case .failed(let status, let reason):
                        #expect(reason == outcome.code)
                        if outcome.allowsDelete {
                            #expect(status == (known ? .deleted : .rejected), "\(label)")
                        } else {
                            #expect(status == (known ? previous! : .rejected), "\(label)")
                        }
                    case .held(let reason, let next):
                        // Only a new mention behind a bot challenge waits for the owner, tried
                        // again while attempts last.
                        #expect(reason == "source-challenged" && outcome.code == reason && !known, "\(label)")
                        #expect(next == (attempts == 0 ? now.addingTimeInterval(10) : nil), "\(label)")
                    case .verified, .dropped, .aggregated:
                        Issue.record("\(label): a failure verified")
                    }
                }
            }
        }
    }

    /// The verified status for every prior status and setting, as a table.
    @Test func theVerifiedStatusTable() {
        let content = MentionContent(type: .reply, contentText: "new")
        let unchanged = MentionContent(type: .reply, contentText: "old")
        // (prior status to keep, decision, lifecycle, allowed, content) → status
        let rows: [(MentionStatus?, MentionStatus?, MentionLifecycle, Bool, MentionContent, MentionStatus)] = [
            (nil, nil, MentionLifecycle(), false, content, .pending),
            (nil, nil, MentionLifecycle(autoApprove: true), false, content, .approved),
            (nil, nil, MentionLifecycle(), true, content, .approved),
            (.pending, nil, MentionLifecycle(autoApprove: true), false, content, .pending),
            (.approved, nil, MentionLifecycle(), false, content, .approved),
            (.approved, nil, MentionLifecycle(remoderateUpdates: true), false, content, .pending),
            (.approved, nil, MentionLifecycle(remoderateUpdates: true), false, unchanged, .approved),
            (.approved, nil, MentionLifecycle(remoderateUpdates: true), true, content, .approved),
            (.spam, .spam, MentionLifecycle(autoApprove: true), true, content, .spam),
            (.rejected, .rejected, MentionLifecycle(autoApprove: true), true, content, .rejected),
            (.deleted, .deleted, MentionLifecycle(autoApprove: true), true, content, .deleted),
            (.deleted, nil, MentionLifecycle(), false, content, .pending),
            (.spam, nil, MentionLifecycle(autoApprove: true), false, content, .spam),
        ]
        for (index, (previous, decision, lifecycle, allowed, content, expected)) in rows.enumerated() {
            let queued = mention(.queued, previous: previous, decision: decision)
            #expect(lifecycle.verifiedStatus(existing: queued, content: content, sourceAllowed: allowed) == expected, "row \(index)")
            #expect(lifecycle.result(of: queued, .linkFound(content), sourceAllowed: allowed, now: now)
                == .verified(status: expected, content: content), "row \(index)")
        }
        #expect(MentionLifecycle().verifiedStatus(existing: nil, content: content, sourceAllowed: false) == .pending)
    }

    @Test func reverificationDeletesOnlyOnGoneOrNoLink() {
        for outcome in Self.outcomes {
            let after = MentionLifecycle.statusAfterFailedReverification(outcome)
            #expect((after == .deleted) == (outcome.code == "gone" || outcome.code == "no-link"), "\(outcome.code)")
        }
    }

    // MARK: Moderation

    /// Every action from every status, with the reason given when it is refused.
    @Test func everyActionFromEveryStatus() {
        let allowed: [Moderation: Set<MentionStatus>] = [
            .approve: [.pending, .rejected, .spam],
            .reject: [.queued, .pending, .approved],
            .spam: [.queued, .pending, .approved, .rejected, .deleted],
            .delete: [.queued, .pending, .approved, .rejected, .spam],
            .restore: [.rejected, .spam, .deleted],
        ]
        for action in Moderation.allCases {
            #expect(MentionLifecycle.allowedFrom(action) == allowed[action])
            for status in MentionStatus.allCases {
                for decision in Self.decisions {
                    let refusal = MentionLifecycle.refusal(of: action, from: status, decision: decision)
                    #expect((refusal == nil) == allowed[action]!.contains(status), "\(action) from \(status)")
                    if status == action.target { #expect(refusal == "it is already \(status.rawValue)") }
                }
            }
        }
        #expect(MentionLifecycle.refusal(of: .approve, from: .deleted, decision: .deleted) == "it was deleted by a moderator; restore it first")
        #expect(MentionLifecycle.refusal(of: .approve, from: .deleted)?.contains("re-verify it first") == true)
        #expect(MentionLifecycle.refusal(of: .approve, from: .queued) == "it has not been verified yet")
        #expect(MentionLifecycle.refusal(of: .restore, from: .approved) == "restore takes rejected, spam, deleted mentions; this one is approved")
    }

    /// A domain block turns what no moderator approved into spam, and leaves the approved alone.
    @Test func aDomainBlockSparesApprovedMentions() {
        #expect(MentionLifecycle.spamOnDomainBlock == [.queued, .pending, .rejected])
        for status in MentionLifecycle.spamOnDomainBlock {
            #expect(MentionLifecycle.allowedFrom(.spam).contains(status))
        }
    }

    // MARK: Backoff

    @Test func oneBackoffDoublesAndIsCapped() {
        #expect(Backoff.delay(base: 10, attempts: 0) == 10)
        #expect(Backoff.delay(base: 10, attempts: 3) == 80)
        #expect(Backoff.delay(base: 10, attempts: 10, cap: 3600) == 3600)
        #expect(Backoff.delay(base: 10, attempts: 10_000, cap: 3600) == 3600)
        #expect(Backoff.delay(base: 10, attempts: -1) == 10)
    }
}

extension MentionLifecycleTests {
    /// A reception date read back from SQLite may lie a fraction of a millisecond after the `now` it
    /// was written at (it keeps milliseconds, rounded); the wait is still the interval, not a second more.
    @Test func aPairWaitIsNeverLongerThanTheInterval() {
        var stored = mention(.pending)
        stored.lastReceived = now.addingTimeInterval(0.0005)
        #expect(stored.pairWait(interval: 30, now: now) == 30)
        #expect(stored.pairWait(interval: 30, now: now.addingTimeInterval(30.001)) == nil)
    }
}

import Foundation
import Testing

@testable import LinkbackCore
@testable import LinkbackKit

@Suite struct VerificationPolicyTests {
    private func mention(previous: MentionStatus? = nil, attempts: Int = 0, source: String = "https://a.example/p") -> Mention {
        Mention(
            id: 1, token: "t", source: source, target: "https://blog.example/", site: "blog.example",
            protocol: .webmention, status: .queued, reason: nil, clientIP: nil, userAgent: nil, received: Date(),
            updated: Date(), verified: nil, attempts: attempts, content: nil, previousStatus: previous, revision: 0,
            nextAttemptAt: nil)
    }

    let found = VerificationOutcome.linkFound(MentionContent())

    /// The status a verification that found `content` gives `existing`.
    private func verified(
        _ policy: VerificationPolicy, _ existing: Mention, content: MentionContent = MentionContent(type: .reply)
    ) -> MentionStatus {
        policy.status(forVerifiedSource: existing.source, target: existing.target, existing: existing, content: content)
    }

    @Test func newMentionsGoToModerationUnlessApprovedByConfig() {
        #expect(VerificationPolicy().decide(mention(), found) == .verified(status: .pending, content: MentionContent()))
        #expect(VerificationPolicy(autoApprove: true).decide(mention(), found) == .verified(status: .approved, content: MentionContent()))
        let friends = VerificationPolicy(allowDomains: ["a.example"])
        #expect(verified(friends, mention(source: "https://www.a.example/x")) == .approved)
        #expect(verified(friends, mention(source: "https://nota.example/x")) == .pending)
    }

    @Test func updatesKeepTheirModerationUnlessRemoderated() {
        #expect(verified(VerificationPolicy(), mention(previous: .approved)) == .approved)
        #expect(verified(VerificationPolicy(remoderateUpdates: true), mention(previous: .approved)) == .pending)
        #expect(verified(VerificationPolicy(autoApprove: true), mention(previous: .spam)) == .spam)
        #expect(verified(VerificationPolicy(), mention(previous: nil)) == .pending)
    }

    /// Review F10: with `remoderate_updates`, only changed content goes back to moderation; an
    /// unchanged re-send leaves an approved mention visible.
    @Test func remoderationTakesOnlyChangedContent() {
        let policy = VerificationPolicy(remoderateUpdates: true)
        var approved = mention(previous: .approved)
        approved.content = MentionContent(type: .reply, contentText: "as it was")
        #expect(verified(policy, approved, content: MentionContent(type: .reply, contentText: "as it was")) == .approved)
        #expect(verified(policy, approved, content: MentionContent(type: .reply, contentText: "edited")) == .pending)
    }

    /// Review F3: a moderator's rejection is the mention's decision, not its last event: a
    /// verification that rejected it since (or kept it rejected) does not lift it; a rejection
    /// by verification alone is judged as new.
    @Test func aModeratorsDecisionSticksWhateverHappenedSince() {
        for sticky in [MentionStatus.rejected, .spam, .deleted] {
            var decided = mention()
            decided.status = sticky
            decided.decision = sticky
            for policy in [VerificationPolicy(), VerificationPolicy(autoApprove: true), VerificationPolicy(allowDomains: ["a.example"])] {
                #expect(verified(policy, decided) == sticky)
            }
            decided.status = .queued  // re-sent: it waits in the queue with the decision it had
            decided.previousStatus = sticky
            #expect(verified(VerificationPolicy(autoApprove: true), decided) == sticky)
        }
        var rejectedByVerification = mention()
        rejectedByVerification.status = .rejected
        #expect(verified(VerificationPolicy(), rejectedByVerification) == .pending)
        var restored = rejectedByVerification
        restored.decision = .pending  // a moderator restored it, then a verification failed
        #expect(verified(VerificationPolicy(), restored) == .pending)
    }

    @Test func aModeratorsRejectionIsKnownButMayStillBeDeleted() {
        let policy = VerificationPolicy()
        var rejected = mention(previous: .rejected)
        rejected.decision = .rejected
        #expect(policy.decide(rejected, found) == .verified(status: .rejected, content: MentionContent()))
        #expect(policy.decide(mention(previous: .rejected), .noLink) == .failed(status: .deleted, reason: "no-link"))
        #expect(policy.decide(mention(previous: .rejected), .notFound(status: 404))
            == .failed(status: .rejected, reason: "source-not-found"))
    }

    @Test func onlyGoneAndNoLinkDeleteKnownMentions() {
        let policy = VerificationPolicy()
        #expect(policy.decide(mention(previous: .approved), .gone) == .failed(status: .deleted, reason: "gone"))
        #expect(policy.decide(mention(previous: .pending), .noLink) == .failed(status: .deleted, reason: "no-link"))
        #expect(policy.decide(mention(), .noLink) == .failed(status: .rejected, reason: "no-link"))
        #expect(policy.decide(mention(previous: .approved), .notFound(status: 404))
            == .failed(status: .approved, reason: "source-not-found"))
        #expect(policy.decide(mention(), .notFound(status: 404)) == .failed(status: .rejected, reason: "source-not-found"))
    }

    /// Review F12: anyone can spend a source host's fetch allowance; a mention that meets a spent
    /// one waits for the next minute's, however often, and is never rejected for it.
    @Test func aSpentFetchAllowanceDefersAndNeverRejects() {
        let policy = VerificationPolicy(maxAttempts: 3, retryBaseSeconds: 10)
        let now = Date(timeIntervalSince1970: 1000)
        for attempts in [0, 2, 3, 50] {
            #expect(policy.decide(mention(attempts: attempts), .rateLimited("a.example"), now: now)
                == .retry(nextAttempt: now.addingTimeInterval(60), reason: "rate-limited"))
        }
    }

    /// Review item 9: the status page speaks the rejection log's vocabulary.
    @Test func theStatusPageSaysWhatTheRejectionLogSays() {
        #expect(PublicStatus.publicReason("blocked-address") == "invalid-url")
        #expect(PublicStatus.publicReason("gone") == "gone")
        #expect(PublicStatus.publicReason("too-many-redirects") == "source-not-found")
        #expect(PublicStatus.publicReason("unsupported-content-type") == "no-link")
        #expect(PublicStatus.publicReason("timed-out") == "timed-out")
        #expect(PublicStatus.publicReason("off-topic, says the moderator") == nil)
        let logged = Set(RejectionReason.allCases.map(\.rawValue))
        for code in VerificationOutcome.codes {
            guard let shown = PublicStatus.publicReason(code) else { continue }
            #expect(logged.contains(shown) || ["gone", "timed-out", "source-server-error", "network-error", "source-challenged"].contains(shown), "\(code)")
        }
    }

    @Test func transientFailuresBackOffThenGiveUpWithoutDeleting() {
        let policy = VerificationPolicy(maxAttempts: 3, retryBaseSeconds: 10)
        let now = Date(timeIntervalSince1970: 1000)
        #expect(policy.decide(mention(attempts: 0), .timedOut, now: now) == .retry(nextAttempt: now.addingTimeInterval(10), reason: "timed-out"))
        #expect(policy.decide(mention(attempts: 1), .serverError(status: 502), now: now)
            == .retry(nextAttempt: now.addingTimeInterval(20), reason: "source-server-error"))
        #expect(policy.decide(mention(attempts: 2), .timedOut, now: now) == .failed(status: .rejected, reason: "timed-out"))
        #expect(policy.decide(mention(previous: .approved, attempts: 2), .networkError("x"), now: now)
            == .failed(status: .approved, reason: "network-error"))
    }

    @Test func onlyTheClientsFaultsAreLoggedForFail2ban() {
        #expect(VerificationPolicy.rejectionReason(for: .noLink) == .noLink)
        #expect(VerificationPolicy.rejectionReason(for: .notFound(status: 404)) == .sourceNotFound)
        #expect(VerificationPolicy.rejectionReason(for: .timedOut) == nil)
        #expect(VerificationPolicy.rejectionReason(for: .serverError(status: 500)) == nil)
        #expect(VerificationPolicy.rejectionReason(for: found) == nil)
    }
}

import Foundation
import Testing

@testable import LinkbackCore

@Suite struct VerificationPolicyTests {
    private func mention(previous: MentionStatus? = nil, attempts: Int = 0, source: String = "https://a.example/p") -> Mention {
        Mention(
            id: 1, token: "t", source: source, target: "https://blog.example/", site: "blog.example",
            protocol: .webmention, status: .queued, reason: nil, clientIP: nil, userAgent: nil, received: Date(),
            updated: Date(), verified: nil, attempts: attempts, content: nil, previousStatus: previous, revision: 0,
            nextAttemptAt: nil)
    }

    let found = VerificationOutcome.linkFound(MentionContent())

    @Test func newMentionsGoToModerationUnlessApprovedByConfig() {
        #expect(VerificationPolicy().decide(mention(), found) == .verified(status: .pending, content: MentionContent()))
        #expect(VerificationPolicy(autoApprove: true).decide(mention(), found) == .verified(status: .approved, content: MentionContent()))
        let friends = VerificationPolicy(allowDomains: ["a.example"])
        #expect(friends.status(forVerified: mention(source: "https://www.a.example/x")) == .approved)
        #expect(friends.status(forVerified: mention(source: "https://nota.example/x")) == .pending)
    }

    @Test func updatesKeepTheirModerationUnlessRemoderated() {
        #expect(VerificationPolicy().status(forVerified: mention(previous: .approved)) == .approved)
        #expect(VerificationPolicy(remoderateUpdates: true).status(forVerified: mention(previous: .approved)) == .pending)
        #expect(VerificationPolicy(autoApprove: true).status(forVerified: mention(previous: .spam)) == .spam)
        // A previous `rejected` is a moderator's (the store keeps no other): it sticks like spam,
        // even for an allowed domain or with auto-approval.
        #expect(VerificationPolicy().status(forVerified: mention(previous: .rejected)) == .rejected)
        #expect(VerificationPolicy(autoApprove: true).status(forVerified: mention(previous: .rejected)) == .rejected)
        #expect(VerificationPolicy(allowDomains: ["a.example"]).status(forVerified: mention(previous: .rejected)) == .rejected)
        #expect(VerificationPolicy().status(forVerified: mention(previous: nil)) == .pending)
    }

    @Test func aModeratorsRejectionIsKnownButMayStillBeDeleted() {
        let policy = VerificationPolicy()
        #expect(policy.decide(mention(previous: .rejected), found) == .verified(status: .rejected, content: MentionContent()))
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

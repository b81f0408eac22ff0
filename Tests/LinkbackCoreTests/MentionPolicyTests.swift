import Foundation
import Testing

@testable import LinkbackKit

/// The owner's policy (`policy.rules`, `policy.traps`): which targets a pattern names, first match
/// wins, what closes at the door, and how the life-cycle takes its verdicts.
@Suite struct MentionPolicyTests {
    static func url(_ text: String) -> URL { URL(string: text)! }

    @Test(arguments: [
        ("/drafts/*", "https://blog.example/drafts/a", true),
        ("/drafts/*", "https://blog.example/drafts/a/b?x=1", true),
        ("/drafts/*", "https://blog.example/drafts", false),
        ("/drafts/*", "https://blog.example/posts/drafts/a", false),
        ("/about", "https://blog.example/about", true),
        ("/about", "https://blog.example/about/me", false),
        ("/*/private", "https://blog.example/2026/private", true),
        ("/*/private", "https://blog.example/2026/private/x", false),
        ("/a*b*c", "https://blog.example/a-b-c", true),
        ("/a*b*c", "https://blog.example/a-c-b", false),
        ("/", "https://blog.example", true),
        ("https://blog.example/drafts/", "https://blog.example/drafts/x", true),
        ("https://blog.example/drafts/", "https://blog.example/draftsx", false),
        ("https://Blog.Example/about", "https://blog.example/about-me", true),
        ("https://blog.example/about", "https://other.example/about", false),
        ("https://blog.example", "https://blog.example/any/post", true),
    ])
    func aPatternNamesTargets(pattern: String, target: String, named: Bool) throws {
        let pattern = try #require(TargetPattern(pattern))
        #expect(pattern.matches(Self.url(target)) == named)
    }

    @Test func onlyPathsAndHTTPURLsArePatterns() {
        for text in ["drafts/*", "ftp://blog.example/", "", "*"] { #expect(TargetPattern(text) == nil, "\(text)") }
    }

    @Test func theFirstRuleThatTakesAMentionDecides() {
        let policy = MentionPolicy(rules: [
            PolicyRule(target: TargetPattern("/notes/*"), types: [.like, .repost], action: .accept),
            PolicyRule(site: "other.example", action: .close),
            PolicyRule(target: TargetPattern("/notes/*"), action: .moderate),
        ])
        let note = Self.url("https://blog.example/notes/1")
        #expect(policy.action(for: note, type: .like) == .accept)
        #expect(policy.action(for: note, type: .reply) == .moderate)
        #expect(policy.action(for: Self.url("https://blog.example/posts/1"), type: .reply) == nil)
        // The first rule takes likes of any site's notes, before the site's rule is tried.
        #expect(policy.action(for: Self.url("https://other.example/notes/1"), type: .like) == .accept)
        #expect(policy.action(for: Self.url("https://Other.Example/notes/1"), type: .reply) == .close)
        #expect(policy.action(for: Self.url("https://other.example/posts/1"), type: .like) == .close)
    }

    /// A target closes at the door only when every type would be closed: a rule for some types,
    /// placed before, keeps those open (and the type is known only after the fetch).
    @Test func aTargetClosesAtTheDoorOnlyWhenEveryTypeIsClosed() {
        let closed = MentionPolicy(rules: [PolicyRule(target: TargetPattern("/drafts/*"), action: .close)])
        #expect(closed.closes(Self.url("https://blog.example/drafts/x")))
        #expect(!closed.closes(Self.url("https://blog.example/posts/x")))
        let repliesOpen = MentionPolicy(rules: [
            PolicyRule(target: TargetPattern("/drafts/*"), types: [.reply], action: .moderate),
            PolicyRule(target: TargetPattern("/drafts/*"), action: .close),
        ])
        #expect(!repliesOpen.closes(Self.url("https://blog.example/drafts/x")))
        #expect(repliesOpen.action(for: Self.url("https://blog.example/drafts/x"), type: .like) == .close)
        let likesClosed = MentionPolicy(rules: [PolicyRule(types: [.like], action: .close)])
        #expect(!likesClosed.closes(Self.url("https://blog.example/posts/x")))
        #expect(!MentionPolicy().closes(Self.url("https://blog.example/")))
    }

    @Test func trapsAreTheirOwnList() {
        let policy = MentionPolicy(traps: [TargetPattern("/do-not-link/*")!, TargetPattern("https://blog.example/secret")!])
        #expect(policy.isTrap(Self.url("https://blog.example/do-not-link/1")))
        #expect(policy.isTrap(Self.url("https://blog.example/secret-page")))
        #expect(!policy.isTrap(Self.url("https://blog.example/posts/1")))
        #expect(policy.action(for: Self.url("https://blog.example/secret"), type: .reply) == nil)
    }

    // MARK: The life-cycle takes the verdicts

    static let lifecycles = [MentionLifecycle(), MentionLifecycle(autoApprove: true), MentionLifecycle(remoderateUpdates: true)]

    /// A new mention: `accept` approves and `moderate` holds whatever the settings and allow
    /// lists say; a trap is spam; no rule leaves auto-approval and the allow lists to decide.
    @Test func aNewMentionTakesTheRulesVerdict() {
        let content = MentionContent(type: .reply)
        for lifecycle in Self.lifecycles {
            for allowed in [false, true] {
                #expect(lifecycle.verifiedStatus(existing: nil, content: content, sourceAllowed: allowed, rule: .accept) == .approved)
                #expect(lifecycle.verifiedStatus(existing: nil, content: content, sourceAllowed: allowed, rule: .moderate) == .pending)
                #expect(lifecycle.verifiedStatus(existing: nil, content: content, sourceAllowed: allowed, rule: .accept, trap: true) == .spam)
                let usual: MentionStatus = lifecycle.autoApprove || allowed ? .approved : .pending
                #expect(lifecycle.verifiedStatus(existing: nil, content: content, sourceAllowed: allowed, rule: nil) == usual)
            }
        }
    }

    /// The owner's rules never lift a moderator's rejection, spam or delete, and an approved
    /// mention re-sent stays approved under `moderate` (the rule is for new mentions).
    @Test func aRuleNeverLiftsAModeratorsDecision() {
        let content = MentionContent(type: .reply)
        for sticky in MentionStatus.allCases where sticky.isStickyDecision {
            var decided = Mention(
                id: 1, token: "t", source: "https://a.example/p", target: "https://blog.example/", site: "blog.example",
                protocol: .webmention, status: sticky, reason: nil, clientIP: nil, userAgent: nil, received: Date(),
                updated: Date(), verified: nil, attempts: 0, content: content, previousStatus: nil, revision: 0, nextAttemptAt: nil)
            decided.decision = sticky
            for lifecycle in Self.lifecycles {
                for rule in [PolicyAction.accept, .moderate, nil] {
                    for trap in [false, true] {
                        #expect(lifecycle.verifiedStatus(existing: decided, content: content, sourceAllowed: true, rule: rule, trap: trap) == sticky)
                    }
                }
            }
        }
        var approved = Mention(
            id: 1, token: "t", source: "https://a.example/p", target: "https://blog.example/", site: "blog.example",
            protocol: .webmention, status: .approved, reason: nil, clientIP: nil, userAgent: nil, received: Date(),
            updated: Date(), verified: nil, attempts: 0, content: content, previousStatus: nil, revision: 0, nextAttemptAt: nil)
        #expect(MentionLifecycle().verifiedStatus(existing: approved, content: content, sourceAllowed: false, rule: .moderate) == .approved)
        // A trap configured later makes the server's approval spam, not a moderator's.
        #expect(MentionLifecycle().verifiedStatus(existing: approved, content: content, sourceAllowed: false, trap: true) == .spam)
        approved.decision = .approved
        #expect(MentionLifecycle().verifiedStatus(existing: approved, content: content, sourceAllowed: false, trap: true) == .approved)
        approved.status = .queued
        approved.previousStatus = .approved
        #expect(MentionLifecycle().verifiedStatus(existing: approved, content: content, sourceAllowed: false, rule: .moderate) == .approved)
    }

    /// The queue's verdict reads the type from the verified content.
    @Test func theQueueJudgesByTheVerifiedType() {
        let policy = MentionPolicy(
            rules: [PolicyRule(types: [.like], action: .accept), PolicyRule(action: .moderate)], traps: [TargetPattern("/trap")!])
        let queued = Mention(
            id: 1, token: "t", source: "https://a.example/p", target: "https://blog.example/post", site: "blog.example",
            protocol: .webmention, status: .queued, reason: nil, clientIP: nil, userAgent: nil, received: Date(),
            updated: Date(), verified: nil, attempts: 0, content: nil, previousStatus: nil, revision: 0, nextAttemptAt: nil)
        let lifecycle = MentionLifecycle(autoApprove: true)
        func status(_ mention: Mention, _ type: MentionType) -> MentionStatus? {
            if case .verified(let status, _, _) = lifecycle.result(
                of: mention, .linkFound(MentionContent(type: type)), sourceAllowed: false, policy: policy, now: Date())
            {
                return status
            }
            return nil
        }
        #expect(status(queued, .like) == .approved)
        #expect(status(queued, .reply) == .pending)
        var trapped = queued
        trapped.target = "https://blog.example/trap"
        #expect(status(trapped, .like) == .spam)
        if case .failed(let status, _) = lifecycle.result(of: trapped, .noLink, sourceAllowed: false, policy: policy, now: Date()) {
            #expect(status == .rejected, "a page that does not link springs no trap")
        } else {
            Issue.record("no link is a failure")
        }
    }

    /// A copy of the post or a farm's text waits for the owner, whatever would have approved it
    /// (auto-approval, an allowed domain, an accept rule); it never lifts or overrides a decision
    /// already made, and the result carries the reasons to be stored.
    @Test func contentSignalsHoldWhatWouldBeApproved() {
        let holds = [SpamSignals.copyOfTarget]
        let content = MentionContent(type: .reply)
        for lifecycle in Self.lifecycles {
            for allowed in [false, true] {
                for rule in [PolicyAction.accept, .moderate, nil] {
                    #expect(lifecycle.verifiedStatus(existing: nil, content: content, sourceAllowed: allowed, rule: rule, holds: holds) == .pending)
                }
            }
            #expect(lifecycle.verifiedStatus(existing: nil, content: content, sourceAllowed: false, trap: true, holds: holds) == .spam)
        }
        var approved = Mention(
            id: 1, token: "t", source: "https://a.example/p", target: "https://blog.example/", site: "blog.example",
            protocol: .webmention, status: .approved, received: Date(), updated: Date(), content: content)
        approved.decision = .approved
        #expect(MentionLifecycle().verifiedStatus(existing: approved, content: content, sourceAllowed: false, holds: holds) == .approved)
        approved.decision = .spam
        approved.status = .spam
        #expect(MentionLifecycle().verifiedStatus(existing: approved, content: content, sourceAllowed: true, holds: holds) == .spam)

        let queued = Mention(
            id: 2, token: "u", source: "https://a.example/q", target: "https://blog.example/post", site: "blog.example",
            protocol: .webmention, status: .queued, received: Date(), updated: Date())
        let signals = SpamSignals(reasons: [SpamSignals.copyCluster])
        let result = MentionLifecycle(autoApprove: true).result(of: queued, .linkFound(content), sourceAllowed: true, signals: signals, now: Date())
        #expect(result == .verified(status: .pending, content: content, signals: signals))
        #expect(MentionLifecycle(autoApprove: true).result(of: queued, .linkFound(content), sourceAllowed: true, now: Date())
            == .verified(status: .approved, content: content))
    }

    /// `drop` takes only what it sees for the first time, and never a trap.
    @Test func dropTakesOnlyNewMentionsAndNeverATrap() {
        let policy = MentionPolicy(rules: [PolicyRule(types: [.bookmark], action: .drop)], traps: [TargetPattern("/trap")!])
        var queued = Mention(
            id: 1, token: "t", source: "https://a.example/p", target: "https://blog.example/post", site: "blog.example",
            protocol: .webmention, status: .queued, received: Date(), updated: Date())
        let lifecycle = MentionLifecycle(autoApprove: true)
        let bookmark = MentionContent(type: .bookmark)
        #expect(lifecycle.result(of: queued, .linkFound(bookmark), sourceAllowed: false, policy: policy, now: Date()) == .dropped)
        #expect(lifecycle.result(of: queued, .linkFound(MentionContent(type: .reply)), sourceAllowed: false, policy: policy, now: Date())
            == .verified(status: .approved, content: MentionContent(type: .reply)))
        var trapped = queued
        trapped.target = "https://blog.example/trap"
        #expect(lifecycle.result(of: trapped, .linkFound(bookmark), sourceAllowed: false, policy: policy, now: Date())
            == .verified(status: .spam, content: bookmark))
        // Verified before (a re-send of an approved one), or decided by a moderator: kept.
        queued.previousStatus = .approved
        #expect(lifecycle.result(of: queued, .linkFound(bookmark), sourceAllowed: false, policy: policy, now: Date())
            == .verified(status: .approved, content: bookmark))
        queued.previousStatus = nil
        queued.decision = .approved
        #expect(lifecycle.discard(existing: queued, target: queued.target, content: bookmark, isPrivate: false, policy: policy) == nil)
        #expect(
            lifecycle.discard(existing: nil, target: "https://blog.example/post", content: bookmark, isPrivate: false, policy: policy)
                == .dropped)
        // A failed verification of a mention a drop rule would take is rejected as usual.
        if case .failed(let status, _) = lifecycle.result(of: Mention(
            id: 2, token: "u", source: "https://b.example/", target: "https://blog.example/post", site: "blog.example",
            protocol: .webmention, status: .queued, received: Date(), updated: Date()), .noLink, sourceAllowed: false, policy: policy, now: Date())
        {
            #expect(status == .rejected)
        } else {
            Issue.record("no link is a failure")
        }
    }

    /// `aggregate` counts a new mention of its types instead of keeping it; a Private Webmention
    /// is never counted in public (kept as any other), a known mention keeps its row.
    @Test func aggregateCountsOnlyNewPublicMentions() {
        let policy = MentionPolicy(rules: [PolicyRule(types: [.like], action: .aggregate)])
        var queued = Mention(
            id: 1, token: "t", source: "https://a.example/p", target: "https://blog.example/post", site: "blog.example",
            protocol: .webmention, status: .queued, received: Date(), updated: Date())
        let lifecycle = MentionLifecycle()
        let like = MentionContent(type: .like)
        #expect(lifecycle.result(of: queued, .linkFound(like), sourceAllowed: false, policy: policy, now: Date()) == .aggregated(.like))
        #expect(lifecycle.result(of: queued, .linkFound(MentionContent(type: .reply)), sourceAllowed: false, policy: policy, now: Date())
            == .verified(status: .pending, content: MentionContent(type: .reply)))
        queued.isPrivate = true
        #expect(lifecycle.result(of: queued, .linkFound(like), sourceAllowed: false, policy: policy, now: Date())
            == .verified(status: .pending, content: like))
        queued.isPrivate = false
        queued.previousStatus = .pending
        #expect(lifecycle.result(of: queued, .linkFound(like), sourceAllowed: false, policy: policy, now: Date())
            == .verified(status: .pending, content: like))
    }
}

import Foundation
import Testing

@testable import LinkbackKit
@testable import LinkbackStore

/// The statements both stores share (``MentionWriteSQL``, ``TableSQL``): every statement binds exactly as many values as it has
/// placeholders (PostgreSQL numbers them; a miscount would shift every value after it), and each
/// write says what the life-cycle says. What they do to real rows is the store conformance suite's.
@Suite struct MentionWriteSQLTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func mention(_ status: MentionStatus, previous: MentionStatus? = nil) -> Mention {
        Mention(
            id: 7, token: "t", source: "https://a.example/p", target: "https://blog.example/", site: "blog.example",
            protocol: .webmention, status: status, reason: nil, clientIP: nil, userAgent: nil, received: now, updated: now,
            verified: nil, attempts: 0, content: nil, previousStatus: previous, revision: 3, nextAttemptAt: nil)
    }

    var incoming: IncomingMention {
        IncomingMention(source: "https://a.example/p", target: "https://blog.example/", site: "blog.example", protocol: .pingback)
    }

    func allStatements() -> [SQLStatement] {
        var all: [SQLStatement] = []
        for status in MentionStatus.allCases {
            all += MentionWriteSQL.resend(mention(status), incoming, actor: .server, at: now)
            all += MentionWriteSQL.storeVerified(
                id: 7, previous: mention(status), incoming, status: .pending, content: MentionContent(), actor: .server, at: now)
            all += MentionWriteSQL.storeVerified(
                id: 7, previous: mention(status), incoming, status: .queued, content: MentionContent(), actor: .server, at: now)
            all += MentionWriteSQL.transition(mention(status), to: .spam, actor: .cli, reason: nil, decision: true, at: now)
        }
        for result in [
            VerificationResult.verified(status: .approved, content: MentionContent()), .failed(status: .rejected, reason: "no-link"),
            .retry(nextAttempt: now, reason: "timed-out"),
        ] {
            all += MentionWriteSQL.complete(claimed: mention(.queued), with: result, actor: .server, at: now)
        }
        all += [
            TableSQL.addBlock(kind: .domain, value: "a.example", reason: nil, at: now), TableSQL.block(kind: .ip, value: "192.0.2.1"),
            TableSQL.removeBlock(kind: .url, value: "https://a.example/"), TableSQL.blocks, TableSQL.allowDomain("a.example", at: now),
            TableSQL.disallowDomain("a.example"), TableSQL.allowedDomains, TableSQL.setting(.recheck),
            TableSQL.setSetting(.recheck, to: "{}", at: now), TableSQL.events(mentionID: 7),
            TableSQL.page(of: .mentions, afterID: 0, limit: 10), TableSQL.page(of: .deliveries, afterID: 0, limit: 10),
        ]
        return all
    }

    @Test func everyPlaceholderHasItsValue() {
        let statements = allStatements()
        #expect(statements.count > 30)
        for statement in statements {
            #expect(statement.sql.filter { $0 == "?" }.count == statement.values.count, "\(statement.sql)")
        }
    }

    @Test func aResendWritesWhatTheLifecycleSays() throws {
        let approved = MentionWriteSQL.resend(mention(.approved), incoming, actor: .server, at: now)
        #expect(approved.first?.values.prefix(3) == [.text("approved"), .text("approved"), .bool(true)])
        let spam = MentionWriteSQL.resend(mention(.spam), incoming, actor: .server, at: now)
        #expect(spam.first?.values.prefix(3) == [.text("queued"), .text("spam"), .bool(false)])
        #expect(spam.last?.values == [.integer(7), .date(now), .text("server"), .text("spam"), .text("queued"), .text(MentionEvent.resendReason)])
        // A new row (no previous) is not updated again, only verified.
        let new = MentionWriteSQL.storeVerified(
            id: 7, previous: nil, incoming, status: .pending, content: MentionContent(), actor: .server, at: now)
        // The verified row, its old bands cleared (no fingerprint, so none written), its URLs
        // replaced and whether it copies an older mention (one interaction), the event.
        #expect(new.count == 6 && new[0].sql.contains("verified_at"))
        #expect(new[1].sql.hasPrefix("DELETE FROM fingerprint_bands") && new[5].sql.hasPrefix("INSERT INTO events"))
        #expect(new[2].sql.hasPrefix("DELETE FROM mention_urls") && new[3].sql.hasPrefix("INSERT INTO mention_urls"))
        #expect(new[4].sql.hasPrefix("UPDATE mentions SET alias_of"))
        let fingerprint = try #require(TextFingerprint(Shingles("one two three four five six seven"), minimum: 1))
        let held = MentionWriteSQL.storeVerified(
            id: 7, previous: nil, incoming, status: .pending, content: MentionContent(),
            signals: SpamSignals(reasons: [SpamSignals.copyOfTarget], fingerprint: fingerprint), actor: .server, at: now)
        #expect(held.count == 7 && held[2].values.count == TextFingerprint.signatureSize / TextFingerprint.bandSize * 3)
        #expect(held[6].values.last == .text("held: copy-of-target"))
    }
}

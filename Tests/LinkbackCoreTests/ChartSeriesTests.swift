import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackCore
@testable import LinkbackKit
@testable import LinkbackStore

/// The series the dashboard's charts and `linkback stats --hourly/--daily` draw: rejections per
/// hour and day by reason with the bans started, mentions per day by type, and the terminal bars.
@Suite struct ChartSeriesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000 + 1_800)  // 2027-01-15 08:30 UTC

    @Test func rejectionsAreCountedByReasonPerHourAndPerDayForAWeek() throws {
        let counts = RejectionCounts()
        let address = try #require(IPAddress("203.0.113.9"))
        func reject(_ reason: RejectionReason, hoursAgo: Double) {
            counts.record(Rejection(
                endpoint: .pingback, clientIP: address, reason: reason, userAgent: nil, date: Self.now.addingTimeInterval(-hoursAgo * 3600)))
        }
        reject(.malformedXML, hoursAgo: 0)
        reject(.malformedXML, hoursAgo: 0)
        reject(.banned, hoursAgo: 0)
        counts.banStarted(at: Self.now)
        reject(.noLink, hoursAgo: 30)
        reject(.noLink, hoursAgo: 6 * 24 + 1)
        reject(.noLink, hoursAgo: 8 * 24)  // older than the week: gone
        let summary = counts.lastDay(now: Self.now)
        let last = try #require(summary.hourly.last)
        #expect(last.reasons == ["malformed-xml": 2, "banned": 1] && last.rejected == 2 && last.banned == 1 && last.bansStarted == 1)
        #expect(summary.byReason == ["malformed-xml": 2, "banned": 1], "the day's reasons only")
        #expect(summary.daily.count == 7)
        #expect(summary.daily.first?.hour.iso8601 == "2027-01-09T00:00:00Z" && summary.daily.last?.hour.iso8601 == "2027-01-15T00:00:00Z")
        #expect(summary.daily.map { $0.reasons.values.reduce(0, +) } == [1, 0, 0, 0, 0, 1, 3])
        #expect(summary.daily.last?.bansStarted == 1)
        // Hours older than a day keep counts, not addresses.
        #expect(counts.namedAddresses() == 1)
    }

    @Test func theLogGivesTheSameWeekWithoutBans() throws {
        let directory = try TemporaryDirectory("series")
        defer { directory.remove() }
        let lines = [(0.0, "malformed-xml"), (0.1, "banned"), (30, "no-link"), (6 * 24 + 1, "no-link"), (8 * 24, "no-link")].map {
            "\(Self.now.addingTimeInterval(-$0.0 * 3600).iso8601) linkback[1]: pingback rejected from 203.0.113.9 reason=\($0.1)"
        }
        let log = try directory.write("fail2ban.log", lines.joined(separator: "\n") + "\n")
        let summary = RejectionSummary.lastDay(log, now: Self.now)
        #expect(summary.hourly.count == 24 && summary.hourly.last?.reasons == ["malformed-xml": 1, "banned": 1])
        #expect(summary.daily.map { $0.reasons.values.reduce(0, +) } == [1, 0, 0, 0, 0, 1, 2])
        #expect(summary.daily.allSatisfy { $0.bansStarted == 0 })
    }

    @Test func barsAreScaledToTheLargestTotalAndNameTheirParts() {
        let lines = BarChart.render([
            .init(label: "07:00", parts: [:]),
            .init(label: "08:00", parts: ["no-link": 30, "malformed-xml": 10]),
            .init(label: "09:00", parts: ["banned": 1]),
        ], width: 8)
        #expect(lines == [
            "  07:00           0",
            "  08:00 ████████ 40  no-link 30, malformed-xml 10",
            "  09:00 ▎         1  banned 1",
        ])
    }

    @Test(arguments: StoreKind.tested) func mentionsAreCountedPerDayByType(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        for (source, type, status) in [
            ("https://a.example/", MentionType.reply, MentionStatus.approved), ("https://b.example/", .like, .pending),
            ("https://c.example/", .like, .approved), ("https://d.example/", .reply, .spam),
        ] {
            _ = try await store.receive(StoreFixture.incoming(source, target: "https://blog.example/a"), actor: .server)
            let claimed = try #require(try await store.claimQueued(limit: 1, now: fixture.clock.now()).first)
            _ = try await store.complete(claimed, with: .verified(status: status, content: MentionContent(type: type)), actor: .server)
        }
        let today = String(fixture.clock.now().iso8601.prefix(10))
        #expect(try await store.statistics().byDayAndType == [today: ["reply": 1, "like": 2]], "spam left out")
        try await store.close()
    }
}

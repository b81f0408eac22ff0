import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackKit

@Suite struct RejectionLogTests {
    private let noon = Date(timeIntervalSince1970: 1_795_618_800)  // 2026-11-25T15:00:00Z

    @Test func exactFormat() {
        let rejection = Rejection(
            protocol: .pingback, clientIP: IPAddress("203.0.113.5")!, reason: .malformedXML, date: noon)
        #expect(
            rejection.line(pid: 123)
                == "2026-11-25T15:00:00Z linkback[123]: pingback rejected from 203.0.113.5 reason=malformed-xml")
    }

    @Test func valuesFollowTheAddressQuoted() {
        let rejection = Rejection(
            protocol: .webmention, clientIP: IPAddress("2001:db8::1")!, reason: .noLink,
            source: "https://spam.example/", target: "https://blog.example/p", userAgent: "PHP/5.2.10", date: noon)
        #expect(
            rejection.line(pid: 7)
                == #"2026-11-25T15:00:00Z linkback[7]: webmention rejected from 2001:db8::1 reason=no-link source="https://spam.example/" target="https://blog.example/p" ua="PHP/5.2.10""#
        )
    }

    @Test func mappedIPv4IsWrittenAsIPv4() {
        let rejection = Rejection(protocol: .pingback, clientIP: IPAddress("::ffff:198.51.100.9")!, reason: .banned)
        #expect(rejection.message == "pingback rejected from 198.51.100.9 reason=banned")
    }

    @Test func hostileValuesAreEscapedAndCut() {
        let hostile = "evil\" reason=no-link\nFAKE rejected from 1.2.3.4\r\\x\u{1B}[31m\u{7F}"
        let rejection = Rejection(protocol: .pingback, clientIP: IPAddress("192.0.2.1")!, reason: .blockedUserAgent,
            userAgent: hostile)
        #expect(
            rejection.message
                == #"pingback rejected from 192.0.2.1 reason=blocked-user-agent ua="evil\" reason=no-linkFAKE rejected from 1.2.3.4\\x[31m""#
        )
        #expect(!rejection.message.contains("\n"))

        let long = Rejection(protocol: .pingback, clientIP: IPAddress("192.0.2.1")!, reason: .tooLarge,
            source: String(repeating: "a", count: 1000) + "\"")
        #expect(long.message.hasSuffix(" source=\"" + String(repeating: "a", count: 256) + "\""))
    }

    @Test func nonASCIIValuesLoseTheirControlCharactersAndCountCharacters() {
        // C1 controls (NEL) go as C0 ones do; a character outside ASCII counts once towards the cut.
        let rejection = Rejection(protocol: .pingback, clientIP: IPAddress("192.0.2.1")!, reason: .blockedUserAgent,
            userAgent: "caf\u{E9} \u{85}\"x\u{1B}\\")
        #expect(rejection.message == #"pingback rejected from 192.0.2.1 reason=blocked-user-agent ua="caf\#u{E9} \"x\\""#)
        let long = Rejection(protocol: .pingback, clientIP: IPAddress("192.0.2.1")!, reason: .tooLarge,
            source: String(repeating: "\u{E9}", count: 300))
        #expect(long.message.hasSuffix(" source=\"" + String(repeating: "\u{E9}", count: 256) + "\""))
        // Exactly at the cut, with controls that do not count.
        let edge = Rejection(protocol: .pingback, clientIP: IPAddress("192.0.2.1")!, reason: .tooLarge,
            source: "\t" + String(repeating: "b", count: 256) + "\n")
        #expect(edge.message.hasSuffix(" source=\"" + String(repeating: "b", count: 256) + "\""))
    }

    @Test func reasonCodesAreLowerCaseWords() {
        for reason in RejectionReason.allCases {
            #expect(reason.rawValue.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(reason)")
        }
    }

    @Test func concurrentWritesStayWholeLines() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("logs/fail2ban.log")
        let log = try RejectionLog(destination: path)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<250 {
                        log.record(Rejection(protocol: .webmention, clientIP: .v4(UInt32(task)), reason: .noLink,
                            source: "https://s\(task).example/\(index)" + String(repeating: "x", count: 200)))
                    }
                }
            }
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2000)
        let shape = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ linkback\[\d+\]: webmention rejected from 0\.0\.0\.[0-7] reason=no-link source="https://s[0-7]\.example/\d+x{200}"$/#
        #expect(lines.allSatisfy { $0.wholeMatch(of: shape) != nil })
    }

    @Test func reopenFollowsRotation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("fail2ban.log")
        let log = try RejectionLog(destination: path)
        log.record(Rejection(protocol: .pingback, clientIP: IPAddress("192.0.2.1")!, reason: .banned))
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        log.record(Rejection(protocol: .pingback, clientIP: IPAddress("192.0.2.2")!, reason: .banned))
        try log.reopen()
        log.record(Rejection(protocol: .pingback, clientIP: IPAddress("192.0.2.3")!, reason: .banned))
        let rotated = try String(contentsOfFile: path + ".1", encoding: .utf8)
        let fresh = try String(contentsOfFile: path, encoding: .utf8)
        #expect(rotated.contains("192.0.2.1") && rotated.contains("192.0.2.2"))
        #expect(fresh.contains("192.0.2.3") && !fresh.contains("192.0.2.2"))
    }

    @Test func unwritableDestinationIsAnError() {
        #expect(throws: RejectionLogError.self) { try RejectionLog(destination: "/proc/linkback/fail2ban.log") }
    }
}

/// The rejection log read back for stats and the dashboard's graph.
@Suite struct RejectionSummaryTests {
    @Test func countsByReasonAddressAndHourIncludingTheRotatedFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let now = try Date("2026-11-26T10:30:00Z", strategy: .iso8601)
        func line(_ time: String, _ address: String, _ reason: String) -> String {
            "\(time) linkback[7]: pingback rejected from \(address) reason=\(reason) ua=\"PHP/5.2.10\"\n"
        }
        // Yesterday's file, rotated: one line too old for the last day, one inside it.
        try directory.write("f.log.1", line("2026-11-25T10:59:59Z", "192.0.2.9", "malformed-xml")
            + line("2026-11-25T11:05:00Z", "192.0.2.1", "malformed-xml"))
        try directory.write("f.log", line("2026-11-26T09:10:00Z", "192.0.2.1", "banned")
            + line("2026-11-26T09:20:00Z", "192.0.2.2", "no-link") + "not a rejection line\n"
            + line("2026-11-26T10:29:00Z", "192.0.2.1", "malformed-xml") + line("2026-11-26T10:31:00Z", "192.0.2.3", "future"))
        let summary = RejectionSummary.lastDay(directory.file("f.log"), now: now)
        #expect(summary.hourly.count == 24)
        #expect(summary.hourly.first?.hour.iso8601 == "2026-11-25T11:00:00Z")
        #expect(summary.hourly.last?.hour.iso8601 == "2026-11-26T10:00:00Z")
        #expect(summary.hourly.first?.rejected == 1 && summary.hourly.first?.banned == 0)
        #expect(summary.hourly[22].rejected == 1 && summary.hourly[22].banned == 1)
        #expect(summary.hourly[23].rejected == 1)
        #expect(summary.hourly.map { $0.rejected + $0.banned }.reduce(0, +) == 4)
        #expect(summary.byReason == ["malformed-xml": 2, "banned": 1, "no-link": 1])
        #expect(summary.topAddresses.first?.address == "192.0.2.1" && summary.topAddresses.first?.count == 3)
        #expect(summary.sparkline == "▄" + String(repeating: " ", count: 21) + "█▄")
        #expect(RejectionSummary.lastDay("syslog", now: now).hourly.allSatisfy { $0.rejected == 0 && $0.banned == 0 })

        // Counted as they happen (the admin API), seeded from the same files, the answer is the same.
        let counts = RejectionCounts()
        counts.seed(fromLog: directory.file("f.log"), before: now, now: now)
        #expect(counts.lastDay(now: now) == summary)
        // What is recorded live adds to it; hours older than a day drop out.
        counts.record(Rejection(protocol: .webmention, clientIP: IPAddress("192.0.2.2")!, reason: .noLink, date: now))
        #expect(counts.lastDay(now: now).byReason["no-link"] == 2)
        #expect(counts.lastDay(now: now.addingTimeInterval(24 * 3600)).byReason.isEmpty)
    }

    /// Review F8: the counts stay small whatever a flood of addresses does: each hour names at
    /// most `maxAddressesPerHour` of them and counts the rest.
    @Test func countsNameABoundedNumberOfAddresses() throws {
        let counts = RejectionCounts()
        let now = Date()
        for index in 0..<(RejectionCounts.maxAddressesPerHour + 500) {
            let address = IPAddress.v6(0x2001_0db8_0000_0000, UInt64(index))
            counts.record(Rejection(protocol: .pingback, clientIP: address, reason: .malformedXML, date: now))
        }
        let summary = counts.lastDay(now: now)
        #expect(summary.hourly.last?.rejected == RejectionCounts.maxAddressesPerHour + 500)
        #expect(summary.topAddresses.count == 10)
        #expect(counts.namedAddresses() == RejectionCounts.maxAddressesPerHour)
    }
}

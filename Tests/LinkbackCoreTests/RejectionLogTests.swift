import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackCore

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

import Foundation

/// The rejection log read back: rejections by reason and the busiest addresses since a date, for
/// `linkback stats` and the admin API's stats.
public struct RejectionSummary: Sendable, Equatable {
    public var byReason: [String: Int]
    /// The ten addresses with the most rejections, most first.
    public var topAddresses: [(address: String, count: Int)]

    public static func == (lhs: RejectionSummary, rhs: RejectionSummary) -> Bool {
        lhs.byReason == rhs.byReason && lhs.topAddresses.map(\.address) == rhs.topAddresses.map(\.address)
            && lhs.topAddresses.map(\.count) == rhs.topAddresses.map(\.count)
    }

    /// Reads `path` (`logging.fail2ban_log`); an unreadable file or `syslog` gives an empty summary.
    public static func read(_ path: String, since: Date) -> RejectionSummary {
        guard path != "syslog", let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return RejectionSummary(byReason: [:], topAddresses: [])
        }
        var reasons: [String: Int] = [:]
        var addresses: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 7)
            guard parts.count >= 6, let date = try? Date(String(parts[0]), strategy: .iso8601), date >= since,
                parts[3] == "rejected", parts[4] == "from", parts[6].hasPrefix("reason=")
            else { continue }
            reasons[String(parts[6].dropFirst("reason=".count)), default: 0] += 1
            addresses[String(parts[5]), default: 0] += 1
        }
        let top = addresses.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(10)
        return RejectionSummary(byReason: reasons, topAddresses: top.map { ($0.key, $0.value) })
    }
}

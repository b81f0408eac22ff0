import Foundation

/// The rejection log read back: rejections by reason, the busiest addresses and an hourly series
/// since a date, for `linkback stats`, the admin API and the dashboard's graph. The rotated file
/// (`PATH.1`, kept uncompressed by the shipped logrotate configuration) is read too, so a rotation
/// does not empty the last day.
public struct RejectionSummary: Sendable, Equatable {
    /// One hour (or day) of the series.
    public struct Hour: Sendable, Equatable, Encodable {
        /// The start of the hour, or of the day for the daily series (UTC).
        public var hour: Date
        /// Rejections for any reason but `banned`.
        public var rejected: Int
        /// Requests refused because their address was banned (`reason=banned`).
        public var banned: Int
        /// Every rejection by reason (`banned` included), for a chart stacked by reason.
        public var reasons: [String: Int]
        /// Built-in bans this server started (a server counts them as they start; the log does
        /// not say, so what is read from the log has none).
        public var bansStarted: Int

        public init(hour: Date, rejected: Int = 0, banned: Int = 0, reasons: [String: Int] = [:], bansStarted: Int = 0) {
            self.hour = hour
            self.rejected = rejected
            self.banned = banned
            self.reasons = reasons
            self.bansStarted = bansStarted
        }

        package enum CodingKeys: String, CodingKey {
            case hour, rejected, banned, reasons
            case bansStarted = "bans_started"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(hour.iso8601, forKey: .hour)
            try container.encode(rejected, forKey: .rejected)
            try container.encode(banned, forKey: .banned)
            try container.encode(reasons, forKey: .reasons)
            try container.encode(bansStarted, forKey: .bansStarted)
        }

        /// Counts one rejection.
        package mutating func add(reason: String, count: Int = 1) {
            if reason == RejectionReason.banned.rawValue { banned += count } else { rejected += count }
            reasons[reason, default: 0] += count
        }

        /// Adds another period's counts (an hour into its day).
        package mutating func merge(_ other: Hour) {
            rejected += other.rejected
            banned += other.banned
            reasons.merge(other.reasons, uniquingKeysWith: +)
            bansStarted += other.bansStarted
        }
    }

    public var byReason: [String: Int]
    /// The ten addresses with the most rejections, most first.
    public var topAddresses: [(address: String, count: Int)]
    /// The current hour and the ones before it back to `since`, oldest first.
    public var hourly: [Hour]
    /// Today and the six days before it (UTC days), oldest first: the week's chart.
    public var daily: [Hour] = []

    public static func == (lhs: RejectionSummary, rhs: RejectionSummary) -> Bool {
        lhs.byReason == rhs.byReason && lhs.topAddresses.map(\.address) == rhs.topAddresses.map(\.address)
            && lhs.topAddresses.map(\.count) == rhs.topAddresses.map(\.count) && lhs.hourly == rhs.hourly
            && lhs.daily == rhs.daily
    }

    /// Reads `path` (`logging.fail2ban_log`) and `path.1`; an unreadable file or `syslog` gives
    /// empty counts. Reasons and addresses are those since `since`; the daily series goes back
    /// to `dailySince` (the start of a day) when given.
    public static func read(_ path: String, since: Date, now: Date = Date(), dailySince: Date? = nil) -> RejectionSummary {
        let firstHour = Date(timeIntervalSince1970: (since.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
        let hours = max(1, Int((now.timeIntervalSince(firstHour) / 3600).rounded(.down)) + 1)
        var hourly = (0..<hours).map { Hour(hour: firstHour.addingTimeInterval(Double($0) * 3600)) }
        let firstDay = dailySince ?? firstHour
        var daily = dailySince == nil ? [] : days(from: firstDay, to: now)
        var reasons: [String: Int] = [:]
        var addresses: [String: Int] = [:]
        eachLine(of: path, since: min(firstDay, since), until: now) { date, address, reason in
            let day = Int(date.timeIntervalSince(firstDay) / 86_400)
            if daily.indices.contains(day) { daily[day].add(reason: reason) }
            guard date >= since else { return }
            reasons[reason, default: 0] += 1
            addresses[address, default: 0] += 1
            let index = Int(date.timeIntervalSince(firstHour) / 3600)
            if hourly.indices.contains(index) { hourly[index].add(reason: reason) }
        }
        return RejectionSummary(byReason: reasons, topAddresses: top(addresses), hourly: hourly, daily: daily)
    }

    /// Empty days from the day of `first` to the day of `now`.
    package static func days(from first: Date, to now: Date) -> [Hour] {
        let start = (first.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
        let count = max(1, Int((now.timeIntervalSince1970 - start) / 86_400) + 1)
        return (0..<count).map { Hour(hour: Date(timeIntervalSince1970: start + Double($0) * 86_400)) }
    }

    /// The start of the UTC day six days before `now`'s: the daily series' first day.
    package static func weekStart(_ now: Date) -> Date {
        Date(timeIntervalSince1970: ((now.timeIntervalSince1970 / 86_400).rounded(.down) - 6) * 86_400)
    }

    /// Each rejection line of `path.1` and `path` dated from `since` to `until`: its date, address
    /// and reason. Nothing for `syslog` or an unreadable file.
    package static func eachLine(
        of path: String, since: Date, until: Date, _ body: (_ date: Date, _ address: String, _ reason: String) -> Void
    ) {
        let texts = path == "syslog" ? [] : [path + ".1", path].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
        for text in texts {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 7)
                guard parts.count >= 7, let date = try? Date(String(parts[0]), strategy: .iso8601), date >= since,
                    date <= until, parts[3] == "rejected", parts[4] == "from", parts[6].hasPrefix("reason=")
                else { continue }
                body(date, String(parts[5]), String(parts[6].dropFirst("reason=".count)))
            }
        }
    }

    /// The ten addresses with the most rejections, most first (ties by address).
    package static func top(_ addresses: [String: Int]) -> [(address: String, count: Int)] {
        addresses.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(10).map { ($0.key, $0.value) }
    }

    /// The last day: the current hour and the 23 before it; and the week by day.
    public static func lastDay(_ path: String, now: Date = Date()) -> RejectionSummary {
        let currentHour = (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600
        return read(path, since: Date(timeIntervalSince1970: currentHour - 23 * 3600), now: now, dailySince: weekStart(now))
    }

    /// The hourly series as a one-line sparkline (`▁▂▃▄▅▆▇█`, a space for none), for terminals.
    public var sparkline: String {
        let totals = hourly.map { $0.rejected + $0.banned }
        let top = totals.max() ?? 0
        let blocks = Array("▁▂▃▄▅▆▇█")
        return String(totals.map { total in
            guard total > 0, top > 0 else { return " " }
            return blocks[min(blocks.count - 1, (total * blocks.count - 1) / top)]
        })
    }
}

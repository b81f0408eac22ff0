import Foundation

/// The last day's rejections, counted as they are recorded: what `GET /admin/api/stats` and the
/// dashboard's graph show, without reading the rejection log on every call (a 141 MB log took 12 s
/// a call). Kept per hour for the last week (addresses only for the last 24 hours); each hour
/// keeps at most ``maxAddressesPerHour`` addresses (the rest are counted, not named), so a flood
/// from many addresses stays small.
/// A server seeds it once at start from the log (``seed(fromLog:before:now:)``); `linkback stats`
/// still reads the log, being one command, not a request.
public final class RejectionCounts: Sendable {
    public static let maxAddressesPerHour = 10_000

    /// Keyed by values, not text: a rejection costs a lock and two lookups, no formatting
    /// (it is on every refused request's path; text is made only when the counts are read).
    package struct Hour {
        package var rejected = 0
        package var banned = 0
        package var bansStarted = 0
        package var byReason: [String: Int] = [:]
        package var byAddress: [IPAddress: Int] = [:]
        /// Lines read from the log at start: their addresses as written.
        package var byAddressText: [String: Int] = [:]
    }

    /// By hour number (seconds since 1970 / 3600).
    private let hours = Locked<[Int: Hour]>([:])

    public init() {}

    private static func hourNumber(_ date: Date) -> Int { Int((date.timeIntervalSince1970 / 3600).rounded(.down)) }

    public func record(_ rejection: Rejection) {
        let address = rejection.clientIP.unmapped
        count(reason: rejection.reason.rawValue, at: rejection.date) { hour in
            if hour.byAddress[address] != nil || hour.byAddress.count + hour.byAddressText.count < Self.maxAddressesPerHour {
                hour.byAddress[address, default: 0] += 1
            }
        }
    }

    package func add(reason: String, address: String, at date: Date) {
        count(reason: reason, at: date) { hour in
            if hour.byAddressText[address] != nil || hour.byAddress.count + hour.byAddressText.count < Self.maxAddressesPerHour {
                hour.byAddressText[address, default: 0] += 1
            }
        }
    }

    private func count(reason: String, at date: Date, address: (inout Hour) -> Void) {
        let number = Self.hourNumber(date)
        hours.withLock { hours in
            let isNew = hours[number] == nil
            hours[number, default: Hour()].add(reason: reason, address: address)
            // Once an hour, not on every rejection: it is on every refused request's path.
            if isNew { Self.prune(&hours, now: number) }
        }
    }

    /// A built-in ban started now.
    public func banStarted(at date: Date) {
        let number = Self.hourNumber(date)
        hours.withLock { hours in
            let isNew = hours[number] == nil
            hours[number, default: Hour()].bansStarted += 1
            if isNew { Self.prune(&hours, now: number) }
        }
    }

    /// Hours older than a week go; older than a day, they keep their counts but not their addresses
    /// (reckoned from the newest hour: the log's seed may add an older hour after a newer one).
    private static func prune(_ hours: inout [Int: Hour], now: Int) {
        let number = max(now, hours.keys.max() ?? now)
        hours = hours.filter { $0.key > number - 7 * 24 }
        for (key, hour) in hours where key <= number - 24 && !(hour.byAddress.isEmpty && hour.byAddressText.isEmpty) {
            hours[key]?.byAddress = [:]
            hours[key]?.byAddressText = [:]
        }
    }

    /// The current hour and the 23 before it, as ``RejectionSummary/lastDay(_:now:)`` reads them
    /// from the log.
    public func lastDay(now: Date = Date()) -> RejectionSummary {
        let current = Self.hourNumber(now)
        let kept = hours.withLock { hours in hours.filter { $0.key > current - 7 * 24 && $0.key <= current } }
        var reasons: [String: Int] = [:]
        var addresses: [String: Int] = [:]
        var hourly: [RejectionSummary.Hour] = []
        for number in (current - 23)...current {
            let hour = kept[number] ?? Hour()
            hourly.append(hour.summary(Date(timeIntervalSince1970: Double(number) * 3600)))
            reasons.merge(hour.byReason, uniquingKeysWith: +)
            addresses.merge(hour.byAddressText, uniquingKeysWith: +)
            for (address, count) in hour.byAddress { addresses[address.description, default: 0] += count }
        }
        var daily = RejectionSummary.days(from: RejectionSummary.weekStart(now), to: now)
        for (number, hour) in kept {
            let at = Date(timeIntervalSince1970: Double(number) * 3600)
            guard let day = daily.firstIndex(where: { at >= $0.hour && at < $0.hour.addingTimeInterval(86_400) }) else { continue }
            daily[day].merge(hour.summary(at))
        }
        return RejectionSummary(byReason: reasons, topAddresses: RejectionSummary.top(addresses), hourly: hourly, daily: daily)
    }

    /// How many addresses the kept hours name (at most ``maxAddressesPerHour`` each).
    package func namedAddresses() -> Int { hours.withLock { $0.values.reduce(0) { $0 + $1.byAddress.count + $1.byAddressText.count } } }

    /// Counts the log's lines (and its rotated file's) of the last day written before `before`
    /// (the server's start: what it records itself is counted as it happens). Run once, off the
    /// request path.
    public func seed(fromLog path: String, before: Date, now: Date = Date()) {
        let since = RejectionSummary.weekStart(now)
        RejectionSummary.eachLine(of: path, since: since, until: before) { date, address, reason in
            add(reason: reason, address: address, at: date)
        }
    }
}

extension RejectionCounts.Hour {
    /// The hour as the summary shows it.
    package func summary(_ at: Date) -> RejectionSummary.Hour {
        RejectionSummary.Hour(hour: at, rejected: rejected, banned: banned, reasons: byReason, bansStarted: bansStarted)
    }

    package mutating func add(reason: String, address: (inout Self) -> Void) {
        if reason == RejectionReason.banned.rawValue { banned += 1 } else { rejected += 1 }
        byReason[reason, default: 0] += 1
        address(&self)
    }
}

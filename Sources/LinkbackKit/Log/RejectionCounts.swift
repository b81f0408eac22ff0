import Foundation

/// The last day's rejections, counted as they are recorded: what `GET /admin/api/stats` and the
/// dashboard's graph show, without reading the rejection log on every call (a 141 MB log took 12 s
/// a call). Kept per hour for the last 24; each hour keeps at most ``maxAddressesPerHour``
/// addresses (the rest are counted, not named), so a flood from many addresses stays small.
/// A server seeds it once at start from the log (``seed(fromLog:before:now:)``); `linkback stats`
/// still reads the log, being one command, not a request.
public final class RejectionCounts: Sendable {
    public static let maxAddressesPerHour = 10_000

    /// Keyed by values, not text: a rejection costs a lock and two lookups, no formatting
    /// (it is on every refused request's path; text is made only when the counts are read).
    package struct Hour {
        package var rejected = 0
        package var banned = 0
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
            hours[number, default: Hour()].add(reason: reason, address: address)
            // Hours older than a day are of no use any more.
            if hours.count > 26 { hours = hours.filter { $0.key > number - 24 } }
        }
    }

    /// The current hour and the 23 before it, as ``RejectionSummary/lastDay(_:now:)`` reads them
    /// from the log.
    public func lastDay(now: Date = Date()) -> RejectionSummary {
        let current = Self.hourNumber(now)
        let kept = hours.withLock { hours in hours.filter { $0.key > current - 24 && $0.key <= current } }
        var reasons: [String: Int] = [:]
        var addresses: [String: Int] = [:]
        var hourly: [RejectionSummary.Hour] = []
        for number in (current - 23)...current {
            let hour = kept[number] ?? Hour()
            hourly.append(RejectionSummary.Hour(
                hour: Date(timeIntervalSince1970: Double(number) * 3600), rejected: hour.rejected, banned: hour.banned))
            reasons.merge(hour.byReason, uniquingKeysWith: +)
            addresses.merge(hour.byAddressText, uniquingKeysWith: +)
            for (address, count) in hour.byAddress { addresses[address.description, default: 0] += count }
        }
        return RejectionSummary(byReason: reasons, topAddresses: RejectionSummary.top(addresses), hourly: hourly)
    }

    /// How many addresses the kept hours name (at most ``maxAddressesPerHour`` each).
    package func namedAddresses() -> Int { hours.withLock { $0.values.reduce(0) { $0 + $1.byAddress.count + $1.byAddressText.count } } }

    /// Counts the log's lines (and its rotated file's) of the last day written before `before`
    /// (the server's start: what it records itself is counted as it happens). Run once, off the
    /// request path.
    public func seed(fromLog path: String, before: Date, now: Date = Date()) {
        let since = Date(timeIntervalSince1970: Double(Self.hourNumber(now) - 23) * 3600)
        RejectionSummary.eachLine(of: path, since: since, until: before) { date, address, reason in
            add(reason: reason, address: address, at: date)
        }
    }
}

extension RejectionCounts.Hour {
    package mutating func add(reason: String, address: (inout Self) -> Void) {
        if reason == RejectionReason.banned.rawValue { banned += 1 } else { rejected += 1 }
        byReason[reason, default: 0] += 1
        address(&self)
    }
}

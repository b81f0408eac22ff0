import Foundation

/// The built-in repeat-offender ban, for hosts without fail2ban: `threshold` rejections from one
/// client within `window` ban it for `duration`. A threshold of 0 turns it off. A client is an
/// IPv4 address, or an IPv6 address's first `ipv6Prefix` bits (``IPAddress/client(ipv6Prefix:)``):
/// a ban on 2001:db8:1:2::5 bans 2001:db8:1:2::/64.
public final class BanList: Sendable {
    private struct Record {
        var rejections: [Date] = []
        var bannedUntil: Date?
    }

    package let threshold: Int
    package let window: TimeInterval
    package let duration: TimeInterval
    package let ipv6Prefix: Int
    private let records = Locked<[IPAddress: Record]>([:])
    /// Bans started here and not yet handed to the store (``takeStarted()``).
    private let started = Locked<[Ban]>([])

    public init(threshold: Int, windowMinutes: Double, banMinutes: Double, ipv6Prefix: Int = 64) {
        self.threshold = threshold
        self.window = windowMinutes * 60
        self.duration = banMinutes * 60
        self.ipv6Prefix = ipv6Prefix
    }

    /// Counts one rejection of `address`; returns whether this one started a ban.
    @discardableResult
    public func noteRejection(_ address: IPAddress, at now: Date = Date()) -> Bool {
        guard threshold > 0 else { return false }
        let address = address.client(ipv6Prefix: ipv6Prefix)
        return records.withLock { table in
            var record = table[address] ?? Record()
            record.rejections = record.rejections.filter { now.timeIntervalSince($0) < window } + [now]
            var started = false
            if record.rejections.count >= threshold, (record.bannedUntil.map { $0 <= now } ?? true) {
                let ban = Ban(address: address.description, until: now.addingTimeInterval(duration))
                record.bannedUntil = ban.until
                self.started.withLock { $0.append(ban) }
                record.rejections = []
                started = true
            }
            table[address] = record
            if table.count > 100_000 {
                table = table.filter { !$0.value.rejections.isEmpty || ($0.value.bannedUntil.map { $0 > now } ?? false) }
            }
            return started
        }
    }

    /// The end of `address`'s ban, if it is banned now.
    public func bannedUntil(_ address: IPAddress, at now: Date = Date()) -> Date? {
        guard threshold > 0 else { return nil }
        let address = address.client(ipv6Prefix: ipv6Prefix)
        return records.withLock { table in
            guard let until = table[address]?.bannedUntil, until > now else { return nil }
            return until
        }
    }

    /// The bans started here since the last call, for the store (other instances, restarts).
    public func takeStarted() -> [Ban] {
        started.withLock { bans in
            defer { bans = [] }
            return bans
        }
    }

    /// Refuses the addresses of bans started elsewhere (another instance, or before a restart)
    /// until they end; a ban already running here keeps the later end.
    public func adopt(_ bans: [Ban]) {
        guard threshold > 0 else { return }
        records.withLock { table in
            for ban in bans {
                guard let address = IPAddress(ban.address)?.client(ipv6Prefix: ipv6Prefix) else { continue }
                var record = table[address] ?? Record()
                record.bannedUntil = max(record.bannedUntil ?? ban.until, ban.until)
                table[address] = record
            }
        }
    }
}

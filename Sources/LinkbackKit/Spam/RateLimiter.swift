import Foundation

/// Token buckets per key: `ratePerMinute` tokens a minute, up to `burst` at once. Memory is
/// bounded: when the table grows past `maxKeys`, buckets that have refilled are dropped.
public final class TokenBuckets<Key: Hashable & Sendable>: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    package let ratePerMinute: Double
    package let burst: Double
    package let maxKeys: Int
    private let buckets = Locked<[Key: Bucket]>([:])

    public init(ratePerMinute: Int, burst: Int, maxKeys: Int = 100_000) {
        self.ratePerMinute = Double(ratePerMinute)
        self.burst = Double(max(1, burst))
        self.maxKeys = maxKeys
    }

    /// Takes a token for `key`; `nil` when allowed, else the seconds until a token is available.
    public func take(_ key: Key, now: Date) -> Int? {
        guard ratePerMinute > 0 else { return nil }
        let perSecond = ratePerMinute / 60
        return buckets.withLock { table in
            var bucket = table[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + now.timeIntervalSince(bucket.updated) * perSecond)
            bucket.updated = now
            defer {
                table[key] = bucket
                if table.count > maxKeys { Self.prune(&table, now: now, perSecond: perSecond, burst: burst) }
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
    }

    private static func prune(_ table: inout [Key: Bucket], now: Date, perSecond: Double, burst: Double) {
        table = table.filter { $0.value.tokens + now.timeIntervalSince($0.value.updated) * perSecond < burst }
    }
}

import Foundation

/// Where Linkback reads the time for every decision that depends on it: leases, pair intervals,
/// rate limits, bans, backoff, re-checks, webhook retries and the dates it stores. The system's
/// clock when serving; tests give a clock they move by hand (`ManualClock` in the test support),
/// so nothing waits for real time to pass.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system's clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

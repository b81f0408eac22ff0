import Foundation
import LinkbackKit

/// A clock that moves only when a test moves it, so a test of an interval, a lease or a ban
/// checks both sides of its edge without sleeping.
public final class ManualClock: WallClock {
    private let time: Locked<Date>

    /// Starts at a fixed, whole-second date (2027-01-15 08:00:00 UTC) unless told otherwise.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        time = Locked(start)
    }

    public func now() -> Date { time.withLock { $0 } }

    /// Moves the clock forward (or back, with a negative interval).
    public func advance(by seconds: TimeInterval) {
        time.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

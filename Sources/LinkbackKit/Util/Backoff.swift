import Foundation

/// The one retry backoff: `base` seconds after the first failure, doubling with every attempt,
/// capped at `cap`. Verification retries, webhook deliveries and outgoing sends all wait this long.
public enum Backoff {
    /// The wait after `attempts` failed attempts (0 for the first retry).
    public static func delay(base: Double, attempts: Int, cap: Double = .infinity) -> Double {
        // 2^62 overflows nothing as a Double, but a cap of hours is reached long before.
        min(cap, base * pow(2, Double(min(max(attempts, 0), 62))))
    }
}

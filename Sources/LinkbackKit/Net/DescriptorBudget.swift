#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many client connections the process can afford within its file-descriptor limit.
///
/// Running out of descriptors must never happen by accepting: on Linux, libdispatch's own worker
/// monitor then fails to open `/proc` and aborts the process (seen here: a server under
/// `ulimit -n 60` with 80 idle connections crashed). So `serve` first raises its soft limit to the
/// hard one (as nginx's `worker_rlimit_nofile` does) and then keeps `server.max_connections`
/// below what is left after a reserve for everything else: the database, logs, fetches.
public struct DescriptorBudget: Sendable, Equatable {
    /// The soft limit after raising it.
    public var limit: Int
    /// Connections that fit: `limit` minus the reserve, at most what the configuration asks.
    public var maxConnections: Int
    /// Whether the configured `server.max_connections` had to be lowered.
    public var lowered: Bool

    /// Descriptors kept for everything but client connections: the store and its WAL, the logs,
    /// the event loops, and `fetches` outgoing connections (with their kept-alive spares).
    public static func reserve(fetches: Int) -> Int { 64 + 2 * fetches }

    public static func plan(limit: Int, configured: Int, fetches: Int) -> DescriptorBudget {
        let room = max(16, limit - reserve(fetches: fetches))
        return DescriptorBudget(limit: limit, maxConnections: min(configured, room), lowered: configured > room)
    }

    /// Raises the soft `RLIMIT_NOFILE` to the hard one (capped at `ceiling`) and returns the plan.
    public static func applied(configured: Int, fetches: Int, ceiling: Int = 1 << 20) -> DescriptorBudget {
        var limits = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 {
            let wanted = min(limits.rlim_max, rlim_t(ceiling))
            if limits.rlim_cur < wanted {
                var raised = limits
                raised.rlim_cur = wanted
                if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limits = raised }
            }
        }
        let limit = Int(min(limits.rlim_cur, rlim_t(ceiling)))  // unlimited is the largest value: the ceiling
        return plan(limit: limit, configured: configured, fetches: fetches)
    }
}

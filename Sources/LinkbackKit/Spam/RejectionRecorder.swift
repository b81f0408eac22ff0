/// The one place rejections go: a line in the rejection log (for fail2ban), the last day's
/// counts (for the admin API's statistics) and a count towards the built-in ban.
public final class RejectionRecorder: Sendable {
    public let log: RejectionLog
    public let bans: BanList
    public let counts: RejectionCounts
    /// Stamps every rejection: the log line's time, its hour in the counts, its place in a ban window.
    public let clock: any WallClock

    public init(log: RejectionLog, bans: BanList, counts: RejectionCounts = RejectionCounts(), clock: any WallClock = SystemClock()) {
        self.clock = clock
        self.log = log
        self.bans = bans
        self.counts = counts
    }

    public func record(_ rejection: Rejection) {
        var rejection = rejection
        rejection.date = clock.now()
        log.record(rejection)
        counts.record(rejection)
        LinkbackMetrics.rejection(rejection)
        // A banned client's refused requests do not lengthen its own ban (fail2ban sees them, though).
        if !rejection.reason.isSoft, rejection.reason != .banned, bans.noteRejection(rejection.clientIP.unmapped, at: rejection.date) {
            LinkbackMetrics.banStarted()
            counts.banStarted(at: rejection.date)
        }
    }

    /// The last day's counts, as of now.
    public func lastDay() -> RejectionSummary { counts.lastDay(now: clock.now()) }
}

/// The one place rejections go: a line in the rejection log (for fail2ban) and a count towards
/// the built-in ban.
public final class RejectionRecorder: Sendable {
    public let log: RejectionLog
    public let bans: BanList

    public init(log: RejectionLog, bans: BanList) {
        self.log = log
        self.bans = bans
    }

    /// Reasons that say nothing bad about the client and do not count towards a ban.
    static let soft: Set<RejectionReason> = [.alreadyRegistered, .banned, .vouchRequired]

    public func record(_ rejection: Rejection) {
        log.record(rejection)
        LinkbackMetrics.rejection(rejection)
        if !Self.soft.contains(rejection.reason), bans.noteRejection(rejection.clientIP.unmapped, at: rejection.date) {
            LinkbackMetrics.banStarted()
        }
    }
}

/// What a moderator can do to a mention, and from which statuses.
public enum Moderation: String, CaseIterable, Sendable {
    case approve, reject, spam, delete, restore

    /// The status the action leads to.
    public var target: MentionStatus {
        switch self {
        case .approve: return .approved
        case .reject: return .rejected
        case .spam: return .spam
        case .delete: return .deleted
        case .restore: return .pending
        }
    }

    /// Statuses the action may start from. A mention must have been verified to be approved or
    /// restored; anything can be marked spam or deleted.
    public var allowedFrom: Set<MentionStatus> {
        switch self {
        case .approve: return [.pending, .rejected, .spam]
        case .reject: return [.queued, .pending, .approved]
        case .spam: return [.queued, .pending, .approved, .rejected, .deleted]
        case .delete: return [.queued, .pending, .approved, .rejected, .spam]
        case .restore: return [.rejected, .spam, .deleted]
        }
    }

    /// Why the action is refused for a mention in `status` (with the moderator's last `decision`),
    /// or `nil` when it is allowed.
    public func refusal(from status: MentionStatus, decision: MentionStatus? = nil) -> String? {
        if status == target { return "it is already \(status.rawValue)" }
        if allowedFrom.contains(status) { return nil }
        if self == .approve && status == .deleted {
            if decision == .deleted { return "it was deleted by a moderator; restore it first" }
            return "it was deleted (its source is gone or no longer links); re-verify it first"
        }
        if self == .approve && status == .queued { return "it has not been verified yet" }
        return "a \(status.rawValue) mention cannot be \(target.rawValue) by \(rawValue)"
    }
}

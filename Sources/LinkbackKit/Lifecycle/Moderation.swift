/// What a moderator can do to a mention. Which statuses each action may start from, and why one
/// is refused, is ``MentionLifecycle``'s to say.
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
}

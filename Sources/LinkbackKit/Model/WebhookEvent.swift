/// What a webhook is told about.
public enum WebhookEvent: String, Sendable, CaseIterable, Codable {
    /// A mention became visible (approved by anyone: the server, the CLI, the admin API, an import).
    case approved
    /// A visible mention was re-verified with new content and stays visible.
    case updated
    /// A visible mention stopped being visible (its source is gone or no longer links, or a
    /// moderator rejected, deleted or marked it spam).
    case deleted

    /// The webhook event a status change is, given the mention's last status before it that was
    /// not `queued` (a re-send of a mention that was not approved passes through `queued`); `nil`
    /// when the change is none of them. Re-send events themselves are skipped by the dispatcher.
    public static func of(change to: MentionStatus, previousSettled: MentionStatus?) -> WebhookEvent? {
        let wasVisible = previousSettled == .approved
        switch to {
        case .approved: return wasVisible ? .updated : .approved
        case .queued: return nil
        case .pending, .rejected, .spam, .deleted: return wasVisible ? .deleted : nil
        }
    }
}

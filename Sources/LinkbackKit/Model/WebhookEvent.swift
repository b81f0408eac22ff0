/// What a webhook or a notification channel is told about.
public enum WebhookEvent: String, Sendable, CaseIterable, Codable {
    /// A mention became visible (approved by anyone: the server, the CLI, the admin API, an import).
    case approved
    /// A visible mention was re-verified with new content and stays visible.
    case updated
    /// A visible mention stopped being visible (its source is gone or no longer links, or a
    /// moderator rejected, deleted or marked it spam).
    case deleted
    /// A mention started waiting for the owner's decision (moderation is on, or a policy rule
    /// holds it), with no spam signal against it.
    case pending
    /// A mention started waiting for the owner because a spam signal held it (a copy, a cluster,
    /// the spam score): the mention's `spamReasons` say which.
    case held

    /// What a webhook hears unless it lists its events: a mention's visibility, as webmention.io's
    /// webhooks report it. `pending` and `held` are asked for by name.
    public static let visibility: Set<WebhookEvent> = [.approved, .updated, .deleted]

    /// The events a status change is, most specific first, given the mention's last status before
    /// it that was not `queued` (a re-send of a mention that was not approved passes through
    /// `queued`) and whether the change is a hold by a spam signal. A listener takes the first it
    /// asked for: a visible mention held again is `deleted` for a blog and `held` for its owner.
    /// Empty when the change is none of them; re-send events themselves are skipped by the feeds.
    public static func of(change to: MentionStatus, previousSettled: MentionStatus?, held: Bool = false) -> [WebhookEvent] {
        let wasVisible = previousSettled == .approved
        switch to {
        case .approved: return [wasVisible ? .updated : .approved]
        case .queued: return []
        case .pending:
            let waiting: WebhookEvent = held ? .held : .pending
            if wasVisible { return [.deleted, waiting] }
            return previousSettled == .pending ? [] : [waiting]
        case .rejected, .spam, .deleted: return wasVisible ? [.deleted] : []
        }
    }
}

import Foundation

/// One mention Linkback sends for the blog's own post: a (source, target) pair in the durable
/// send outbox, with the last outcome.
public struct OutgoingSend: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// Due at ``OutgoingSend/nextAttemptAt`` (at once when new, later after a 429 or 5xx).
        case queued
        /// Accepted by the target's endpoint.
        case sent
        /// Refused for good, or still failing after the last attempt.
        case failed
        /// The target declares no endpoint.
        case noEndpoint = "no-endpoint"
    }

    public var id: Int64
    /// The blog's own post.
    public var source: String
    public var target: String
    /// Whether the post linked to the target when it was last sent: a link since removed is
    /// still sent (the W3C update rule), so the receiver can delete its mention.
    public var linked: Bool
    public var state: State
    /// The last outcome, as `linkback send` prints it (`webmention: 201 Location …`).
    public var result: String?
    /// The endpoint it went to.
    public var endpoint: String?
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var updated: Date

    public init(
        id: Int64, source: String, target: String, linked: Bool, state: State, result: String? = nil,
        endpoint: String? = nil, attempts: Int = 0, nextAttemptAt: Date? = nil, updated: Date
    ) {
        self.id = id
        self.source = source
        self.target = target
        self.linked = linked
        self.state = state
        self.result = result
        self.endpoint = endpoint
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.updated = updated
    }
}

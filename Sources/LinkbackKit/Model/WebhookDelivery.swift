import Foundation

/// A status change not yet turned into webhook deliveries, with what classifying it needs.
public struct OutboxCandidate: Sendable {
    public var event: MentionEvent
    /// The mention as it is now.
    public var mention: Mention
    /// The mention's last status before the event that was not `queued`.
    public var previousSettled: MentionStatus?

    public init(event: MentionEvent, mention: Mention, previousSettled: MentionStatus?) {
        self.event = event
        self.mention = mention
        self.previousSettled = previousSettled
    }
}

/// A delivery to be stored in the outbox.
public struct NewWebhookDelivery: Sendable, Equatable {
    public var url: String
    public var event: WebhookEvent
    public var mentionID: Int64
    public var eventID: Int64
    /// The exact body to send on every attempt.
    public var payload: Data

    public init(url: String, event: WebhookEvent, mentionID: Int64, eventID: Int64, payload: Data) {
        self.url = url
        self.event = event
        self.mentionID = mentionID
        self.eventID = eventID
        self.payload = payload
    }
}

/// One webhook delivery in the outbox.
public struct WebhookDelivery: Sendable, Equatable, Identifiable {
    public enum State: String, Sendable, CaseIterable {
        /// Waiting for its first or next attempt.
        case pending
        case delivered
        /// Given up after `webhook_delivery.give_up_hours`.
        case failed
    }

    public var id: Int64
    public var url: String
    public var event: WebhookEvent
    public var mentionID: Int64
    public var eventID: Int64
    public var payload: Data
    public var created: Date
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var deliveredAt: Date?
    public var givenUpAt: Date?
    public var lastError: String?

    public init(
        id: Int64, url: String, event: WebhookEvent, mentionID: Int64, eventID: Int64, payload: Data, created: Date,
        attempts: Int = 0, nextAttemptAt: Date? = nil, deliveredAt: Date? = nil, givenUpAt: Date? = nil, lastError: String? = nil
    ) {
        self.id = id
        self.url = url
        self.event = event
        self.mentionID = mentionID
        self.eventID = eventID
        self.payload = payload
        self.created = created
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.givenUpAt = givenUpAt
        self.lastError = lastError
    }

    public var state: State {
        if deliveredAt != nil { return .delivered }
        if givenUpAt != nil { return .failed }
        return .pending
    }
}

/// What one delivery attempt came to.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered
    /// Failed; try again at `nextAttempt`.
    case retry(error: String, nextAttempt: Date)
    /// Failed for good.
    case gaveUp(error: String)
}

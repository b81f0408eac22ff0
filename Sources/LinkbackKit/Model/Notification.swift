import Foundation

/// A status change a notification channel hears, to be stored in the outbox.
public struct NewNotificationItem: Sendable, Equatable {
    /// The channel's `to`.
    public var channel: String
    public var event: WebhookEvent
    public var mentionID: Int64
    public var eventID: Int64
    public var target: String
    /// Kept only if the channel has heard of no other mention of `target` (`first_per_target`).
    public var onlyFirstForTarget: Bool

    public init(channel: String, event: WebhookEvent, mentionID: Int64, eventID: Int64, target: String, onlyFirstForTarget: Bool = false) {
        self.channel = channel
        self.event = event
        self.mentionID = mentionID
        self.eventID = eventID
        self.target = target
        self.onlyFirstForTarget = onlyFirstForTarget
    }
}

/// A stored item not yet in a message, with its mention as it is now.
public struct NotificationItem: Sendable {
    public var id: Int64
    public var channel: String
    public var event: WebhookEvent
    public var eventID: Int64
    public var created: Date
    public var mention: Mention

    public init(id: Int64, channel: String, event: WebhookEvent, eventID: Int64, created: Date, mention: Mention) {
        self.id = id
        self.channel = channel
        self.event = event
        self.eventID = eventID
        self.created = created
        self.mention = mention
    }

    /// Whether it asks the owner to decide (and the mention still waits).
    public var isWaiting: Bool { (event == .pending || event == .held) && mention.status == .pending }
}

/// A message as composed, the same on every attempt: a mail's subject and parts, or a push's
/// title, body and actions.
public struct OutgoingNotification: Sendable, Codable, Equatable {
    /// A button in a push notification, or a link in a mail: a POST to `url` acts.
    public struct Action: Sendable, Codable, Equatable {
        public var label: String
        public var url: String

        public init(label: String, url: String) {
            self.label = label
            self.url = url
        }
    }

    public var subject: String
    public var text: String
    public var html: String
    /// Where a tap on a push notification leads (the dashboard).
    public var click: String?
    /// Push buttons: only for a message about one waiting mention.
    public var actions: [Action]
    /// How many mentions it tells of.
    public var mentions: Int

    public init(subject: String, text: String, html: String, click: String? = nil, actions: [Action] = [], mentions: Int = 1) {
        self.subject = subject
        self.text = text
        self.html = html
        self.click = click
        self.actions = actions
        self.mentions = mentions
    }
}

/// One message in the notification outbox.
public struct NotificationMessage: Sendable, Identifiable {
    public var id: Int64
    public var channel: String
    public var body: OutgoingNotification
    public var created: Date
    public var attempts: Int
    public var sentAt: Date?
    public var givenUpAt: Date?
    public var lastError: String?

    public init(
        id: Int64, channel: String, body: OutgoingNotification, created: Date, attempts: Int = 0, sentAt: Date? = nil,
        givenUpAt: Date? = nil, lastError: String? = nil
    ) {
        self.id = id
        self.channel = channel
        self.body = body
        self.created = created
        self.attempts = attempts
        self.sentAt = sentAt
        self.givenUpAt = givenUpAt
        self.lastError = lastError
    }

    public var state: WebhookDelivery.State {
        if sentAt != nil { return .delivered }
        if givenUpAt != nil { return .failed }
        return .pending
    }
}

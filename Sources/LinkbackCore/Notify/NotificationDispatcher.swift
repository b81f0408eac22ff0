import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// Tells the owner: turns status changes into the items each channel hears, gathers them into
/// messages (at once, or a digest when its time comes) and sends them from the durable outbox,
/// retried like webhooks (`webhook_delivery`), one message per channel at a time, in order.
///
/// Like webhooks it is fed from the store's event history, so changes made by any process are
/// told. A message is stored before it is sent and marked sent after, so a restart never sends a
/// sent message again (one cut off in the middle of its sending may go twice, as any mail can).
/// Waiting mentions decided before their digest went out are left out of it.
public final class NotificationDispatcher: Sendable {
    let store: any NotificationOutboxStore
    let settings: Config.Notifications
    let baseURL: String
    let delivery: Config.WebhookDelivery
    let sender: any NotificationSending
    let logger: Logger
    let clock: any WallClock
    let calendar: Calendar
    private let loop: WorkerLoop

    public init(
        store: any NotificationOutboxStore, settings: Config.Notifications, baseURL: String, delivery: Config.WebhookDelivery,
        sender: any NotificationSending, logger: Logger, pollInterval: Duration = .seconds(1), clock: any WallClock = SystemClock(),
        calendar: Calendar = .current
    ) {
        self.store = store
        self.settings = settings
        self.baseURL = baseURL
        self.delivery = delivery
        self.sender = sender
        self.logger = logger
        self.clock = clock
        self.calendar = calendar
        loop = WorkerLoop(name: "the notification outbox", interval: pollInterval, logger: logger)
    }

    public convenience init(config: Config, store: any NotificationOutboxStore, logger: Logger, clock: any WallClock = SystemClock()) {
        self.init(
            store: store, settings: config.notifications, baseURL: config.server.baseURL, delivery: config.webhookDelivery,
            sender: NotificationSender(config: config), logger: logger, clock: clock)
    }

    public func notify() { loop.notify() }

    public func run() async {
        guard !settings.channels.isEmpty else { return }
        await loop.run { await self.pass() }
    }

    func pass() async {
        do {
            try await feed()
            try await compose()
            while !Task.isCancelled, await deliverDue() > 0 {}
        } catch is CancellationError {
            return
        } catch {
            logger.error("notification outbox failed", metadata: ["error": "\(error)"])
        }
    }

    /// Turns every status change since the last call into the items channels hear.
    @discardableResult
    public func feed() async throws -> Int {
        var total = 0
        while true {
            let (candidates, cursor) = try await store.notificationBacklog(limit: 500)
            var items: [NewNotificationItem] = []
            for candidate in candidates where candidate.event.isAnnounced {
                let events = WebhookEvent.of(
                    change: candidate.event.to, previousSettled: candidate.previousSettled, held: candidate.event.isHold)
                let mention = candidate.mention
                for channel in settings.channels {
                    guard let event = events.first(where: channel.events.contains),
                        channel.hears(event, type: mention.content?.type ?? .mention, site: mention.site)
                    else { continue }
                    items.append(NewNotificationItem(
                        channel: channel.to, event: event, mentionID: mention.id, eventID: candidate.event.id, target: mention.target,
                        onlyFirstForTarget: channel.firstPerTarget))
                }
            }
            try await store.enqueueNotifications(items, cursor: cursor)
            total += items.count
            if candidates.count < 500 { return total }
        }
    }

    /// Makes messages of the items whose time has come; returns how many.
    @discardableResult
    public func compose() async throws -> Int {
        let open = try await store.openNotifications(limit: 5_000)
        guard !open.isEmpty else { return 0 }
        let now = clock.now()
        let key = try await store.linkKey()
        let expires = now.addingTimeInterval(settings.linkExpiryHours * 3600)
        let base = baseURL
        let composer = NotificationComposer(baseURL: base) { id, action, nonce in
            ModerationLink(mentionID: id, action: action, expires: expires, nonce: nonce).url(base: base, key: key)
        }
        var made = 0
        let byChannel = Dictionary(grouping: open, by: \.channel)
        for (name, items) in byChannel {
            // Waiting mentions already decided: nothing to tell.
            let stale = items.filter { ($0.event == .pending || $0.event == .held) && !$0.isWaiting }.map(\.id)
            let live = items.filter { !stale.contains($0.id) }
            guard let channel = settings.channels.first(where: { $0.to == name }) else {
                try await store.composeNotification(channel: name, message: nil, included: [], leftOut: items.map(\.id), at: now)
                continue
            }
            if channel.digest == .off {
                for item in live {
                    try await store.composeNotification(
                        channel: name, message: composer.compose([item]), included: [item.id], leftOut: [], at: now)
                    made += 1
                }
                if !stale.isEmpty { try await store.composeNotification(channel: name, message: nil, included: [], leftOut: stale, at: now) }
                continue
            }
            guard let first = items.map(\.created).min(), channel.digest.due(after: first, dailyHour: settings.dailyHour, calendar: calendar) <= now
            else { continue }
            try await store.composeNotification(
                channel: name, message: live.isEmpty ? nil : composer.compose(live), included: live.map(\.id), leftOut: stale, at: now)
            if !live.isEmpty { made += 1 }
        }
        return made
    }

    /// Sends every due message (one per channel at a time); returns how many went.
    @discardableResult
    public func deliverDue() async -> Int {
        let due: [NotificationMessage]
        do {
            due = try await store.dueNotifications(now: clock.now())
        } catch is CancellationError {
            return 0
        } catch {
            logger.error("cannot read the notification outbox", metadata: ["error": "\(error)"])
            return 0
        }
        return await withTaskGroup(of: Bool.self) { group in
            for message in due { group.addTask { await self.attempt(message) } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    func attempt(_ message: NotificationMessage) async -> Bool {
        let outcome: DeliveryOutcome
        let channel = settings.channels.first { $0.to == message.channel }
        let kind = message.channel.lowercased().hasPrefix("mailto:") ? "mail" : "push"
        if let channel {
            do {
                try await sender.send(message.body, to: channel)
                outcome = .delivered
            } catch {
                outcome = error.permanent
                    ? .gaveUp(error: error.description)
                    : delivery.outcome(afterFailure: error.description, attempts: message.attempts, created: message.created, now: clock.now())
            }
        } else {
            outcome = .gaveUp(error: "the channel is no longer configured")
        }
        do {
            try await store.recordNotification(id: message.id, outcome: outcome, at: clock.now())
        } catch {
            logger.error("cannot record a notification", metadata: ["id": "\(message.id)", "error": "\(error)"])
        }
        let shown = Secret.loggable(channel: message.channel)
        switch outcome {
        case .delivered:
            LinkbackMetrics.notification("sent", kind: kind)
            logger.info("notification sent", metadata: ["to": "\(shown)", "mentions": "\(message.body.mentions)"])
            return true
        case .retry(let error, let next):
            LinkbackMetrics.notification("retry", kind: kind)
            logger.warning("notification failed; will retry", metadata: ["to": "\(shown)", "error": "\(error)", "next": "\(next.iso8601)"])
        case .gaveUp(let error):
            LinkbackMetrics.notification("given_up", kind: kind)
            logger.error("notification given up", metadata: ["to": "\(shown)", "error": "\(error)"])
        }
        return false
    }
}

import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// Sends one webhook request; ``GuardedFetcher/post(_:body:headers:)`` is the implementation.
public protocol WebhookSending: Sendable {
    func send(_ url: URL, body: Data, headers: [(String, String)]) async throws(FetchFailure)
}

extension GuardedFetcher: WebhookSending {
    public func send(_ url: URL, body: Data, headers: [(String, String)]) async throws(FetchFailure) {
        try await post(url, body: Array(body), headers: headers)
    }
}

/// Turns status changes into webhook deliveries and delivers them from the durable outbox.
///
/// The outbox is fed from the store's status-change events, so changes made by any process (the
/// CLI, an import, the admin API, the server) are announced. Each delivery is retried with
/// exponential backoff (`webhook_delivery.retry_base_seconds`, doubling, capped at
/// `max_retry_seconds`) across restarts until `give_up_hours` after the change; one URL never has
/// two deliveries in flight.
public final class WebhookDispatcher: Sendable {
    let store: any WebhookOutboxStore
    /// `webhooks`, replaced by a configuration reload (deliveries already queued for a URL no
    /// longer configured are not sent).
    public let webhookList: Shared<[Config.Webhook]>
    var webhooks: [Config.Webhook] { webhookList.current }
    let delivery: Config.WebhookDelivery
    let sender: any WebhookSending
    let logger: Logger
    let clock: any WallClock
    private let loop: WorkerLoop

    public init(
        store: any WebhookOutboxStore, webhooks: [Config.Webhook], delivery: Config.WebhookDelivery, sender: any WebhookSending,
        logger: Logger, pollInterval: Duration = .seconds(1), clock: any WallClock = SystemClock()
    ) {
        self.clock = clock
        self.store = store
        webhookList = Shared(webhooks)
        self.delivery = delivery
        self.sender = sender
        self.logger = logger
        loop = WorkerLoop(name: "the webhook outbox", interval: pollInterval, logger: logger)
    }

    /// A dispatcher configured from `config`, sending through the SSRF guard (webhook URLs must be
    /// public unless their host:port is in `fetch.allow_hosts`).
    public convenience init(config: Config, store: any WebhookOutboxStore, logger: Logger, clock: any WallClock = SystemClock()) {
        let sender = GuardedFetcher(config: config, timeoutSeconds: config.webhookDelivery.timeoutSeconds)
        self.init(store: store, webhooks: config.webhooks, delivery: config.webhookDelivery, sender: sender, logger: logger, clock: clock)
    }

    /// Looks at the outbox now rather than at the next poll.
    public func notify() { loop.notify() }

    /// Feeds and delivers until cancelled: at once when started (so the outbox's cursor is set
    /// before the first change it must announce), then on every poll or ``notify()``.
    public func run() async {
        guard !webhooks.isEmpty else { return }
        await loop.run { await self.pass() }
    }

    /// Feeds the outbox, then delivers until nothing more is due (one delivery per URL at a
    /// time, the next as soon as the previous one succeeded).
    func pass() async {
        do {
            try await feed()
            while !Task.isCancelled, await deliverDue() > 0 {}
        } catch is CancellationError {
            return  // stopping
        } catch {
            logger.error("webhook outbox failed", metadata: ["error": "\(error)"])
        }
    }

    /// Turns every status change since the last call into deliveries; returns how many.
    @discardableResult
    public func feed() async throws -> Int {
        var total = 0
        while true {
            let (candidates, cursor) = try await store.webhookBacklog(limit: 500)
            var deliveries: [NewWebhookDelivery] = []
            for candidate in candidates {
                guard candidate.event.isAnnounced else { continue }
                let events = WebhookEvent.of(
                    change: candidate.event.to, previousSettled: candidate.previousSettled, held: candidate.event.isHold)
                for webhook in webhooks {
                    guard let event = events.first(where: webhook.events.contains) else { continue }
                    let payload = WebhookPayload(event: event, eventID: candidate.event.id, mention: candidate.mention).encoded()
                    deliveries.append(NewWebhookDelivery(
                        url: webhook.url, event: event, mentionID: candidate.mention.id, eventID: candidate.event.id,
                        payload: payload))
                }
            }
            try await store.enqueueDeliveries(deliveries, cursor: cursor)
            total += deliveries.count
            if candidates.count < 500 { return total }
        }
    }

    /// Attempts every due delivery (one per URL at a time); returns how many were delivered.
    @discardableResult
    public func deliverDue() async -> Int {
        let now = clock.now()
        let due: [WebhookDelivery]
        do {
            due = try await store.dueDeliveries(now: now)
        } catch is CancellationError {
            return 0
        } catch {
            logger.error("cannot read the webhook outbox", metadata: ["error": "\(error)"])
            return 0
        }
        return await withTaskGroup(of: Bool.self) { group in
            for item in due {
                group.addTask { await self.attempt(item) }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    /// One attempt, recorded in the outbox.
    func attempt(_ item: WebhookDelivery) async -> Bool {
        let outcome: DeliveryOutcome
        if let webhook = webhooks.first(where: { $0.url == item.url }), let url = URL(string: item.url) {
            let body = WebhookPayload.body(stored: item.payload, secret: webhook.secret)
            let headers = [
                ("Content-Type", "application/json"), (WebhookSignature.header, WebhookSignature.value(secret: webhook.secret, body: body)),
                ("X-Linkback-Event", item.event.rawValue), ("X-Linkback-Delivery", String(item.eventID)),
            ]
            do {
                try await sender.send(url, body: body, headers: headers)
                outcome = .delivered
            } catch {
                outcome = next(after: item, error: error.description, now: clock.now())
            }
        } else {
            outcome = .gaveUp(error: "the webhook is no longer configured")
        }
        do {
            try await store.recordDelivery(id: item.id, outcome: outcome, at: clock.now())
        } catch {
            logger.error("cannot record a webhook delivery", metadata: ["id": "\(item.id)", "error": "\(error)"])
        }
        switch outcome {
        case .delivered: LinkbackMetrics.webhookDelivery("delivered")
        case .retry: LinkbackMetrics.webhookDelivery("retry")
        case .gaveUp: LinkbackMetrics.webhookDelivery("given_up")
        }
        switch outcome {
        case .delivered:
            logger.info("webhook delivered", metadata: ["url": "\(Secret.loggable(url: item.url))", "event": "\(item.event.rawValue)", "mention": "\(item.mentionID)"])
            return true
        case .retry(let error, let next):
            logger.warning("webhook failed; will retry", metadata: ["url": "\(Secret.loggable(url: item.url))", "error": "\(error)", "next": "\(next.iso8601)"])
        case .gaveUp(let error):
            logger.error("webhook given up", metadata: ["url": "\(Secret.loggable(url: item.url))", "error": "\(error)"])
        }
        return false
    }

    /// Retry after base × 2^attempts (capped), unless the change is older than the give-up time.
    func next(after item: WebhookDelivery, error: String, now: Date) -> DeliveryOutcome {
        delivery.outcome(afterFailure: error, attempts: item.attempts, created: item.created, now: now)
    }
}

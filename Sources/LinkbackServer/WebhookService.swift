import LinkbackCore
import ServiceLifecycle

/// Runs webhook delivery inside the service group until shutdown; deliveries not yet made stay
/// in the outbox for the next start.
struct WebhookService: Service {
    let dispatcher: WebhookDispatcher

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await dispatcher.run()
        }
    }
}

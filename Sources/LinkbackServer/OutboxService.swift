import LinkbackCore
import ServiceLifecycle

/// Runs an outbox (webhooks, notifications) inside the service group until shutdown; what is not
/// yet sent stays in the database for the next start.
struct OutboxService: Service {
    let run: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await run()
        }
    }
}

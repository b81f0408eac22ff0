import LinkbackCore
import ServiceLifecycle

/// Runs the send outbox (retries of `linkback send`, and sends planned through the admin API)
/// inside the service group until shutdown.
struct SendOutboxService: Service {
    let outbox: SendOutbox

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await outbox.run()
        }
    }
}

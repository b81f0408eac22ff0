import LinkbackCore
import ServiceLifecycle

/// Runs the periodic re-check (`verification.recheck_days`) inside the service group until
/// shutdown; what it marked stays in the durable queue.
struct RecheckService: Service {
    let sweep: RecheckSweep

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await sweep.run()
        }
    }
}

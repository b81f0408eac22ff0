import LinkbackCore
import ServiceLifecycle

/// Runs the verification queue inside the service group; on graceful shutdown it stops claiming
/// and lets verifications in flight finish.
struct VerificationQueueService: Service {
    let queue: VerificationQueue

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await queue.run()
        } onGracefulShutdown: {
            queue.stop()
        }
    }
}

import LinkbackCore
import ServiceLifecycle
import UnixSignals

/// Cancels the fetches that senders wait for (Private Webmention, Vouch) as soon as the server is
/// told to stop (SIGTERM, SIGINT), so a graceful shutdown, which lets requests in flight finish,
/// does not wait out their timeouts.
struct InRequestWorkService: Service {
    let work: InRequestWork

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        for await _ in signals.cancelOnGracefulShutdown() {
            work.shutDown()
            break
        }
        work.shutDown()
        // Returning before the group asks its services to stop would end the group at once.
        try? await gracefulShutdown()
    }
}

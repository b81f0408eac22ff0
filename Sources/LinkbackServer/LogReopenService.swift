import Logging
import LinkbackCore
import ServiceLifecycle
import UnixSignals

/// Reopens the rejection log on SIGHUP, so `logrotate` can move the file away.
struct LogReopenService: Service {
    let log: RejectionLog
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                try log.reopen()
                logger.info("rejection log reopened")
            } catch {
                logger.error("\(error)")
            }
        }
    }
}

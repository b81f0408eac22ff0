import LinkbackKit
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP (`systemctl reload`, logrotate's postrotate): reopens the rejection log, so `logrotate`
/// can move the file away, reads the configuration again (``LinkbackServer/reload(to:)``),
/// logging what changed (a configuration that does not load is logged and the running one kept),
/// and has the database's blocks and allowed domains loaded at once (`afterwards`).
struct HangupService: Service {
    let log: RejectionLog
    /// Reads and applies the configuration; returns what to log. `nil`: the log only.
    let reload: (@Sendable () throws -> String)?
    let logger: Logger
    var afterwards: @Sendable () -> Void = {}

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                try log.reopen()
                logger.info("rejection log reopened")
            } catch {
                logger.error("\(error)")
            }
            if let reload {
                do {
                    let changes = try reload()
                    logger.notice("\(changes)")
                } catch {
                    logger.error("configuration not reloaded, the running one kept: \(error)")
                }
            }
            afterwards()
        }
    }
}

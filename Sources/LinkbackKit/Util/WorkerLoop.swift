import Logging

/// The one shape of Linkback's background workers (the webhook outbox, the send outbox, the
/// periodic re-check, the block refresh): a pass at once when started, then one after every
/// `interval` or ``notify()``, whichever comes first, until cancelled. Wake-ups that come during a
/// pass count once. A pass that fails is logged and the worker carries on at the next wake-up.
/// (The verification queue keeps a loop of its own: it runs many verifications at a time.)
public final class WorkerLoop: Sendable {
    /// Named in the log line of a failed pass.
    public let name: String
    package let interval: Duration
    package let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init(name: String, interval: Duration, logger: Logger) {
        self.name = name
        self.interval = interval
        self.logger = logger
        (wakeups, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Runs a pass now rather than at the next interval.
    public func notify() { continuation.yield() }

    /// Runs `pass` until the task is cancelled.
    public func run(_ pass: @Sendable () async throws -> Void) async {
        let ticker = Task { [continuation, interval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                continuation.yield()
            }
        }
        defer { ticker.cancel() }
        continuation.yield()
        for await _ in wakeups {
            if Task.isCancelled { break }
            do {
                try await pass()
            } catch is CancellationError {
                break
            } catch {
                logger.error("\(name) failed; next try at the next wake-up", metadata: ["error": "\(error)"])
            }
        }
    }
}

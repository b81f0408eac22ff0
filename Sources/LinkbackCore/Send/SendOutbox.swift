import Foundation
import Logging

/// The server's worker for the send outbox: sends what is due every `pollSeconds`, and at once
/// after ``notify()`` (a post just planned through the admin API). Sends not yet made stay in the
/// database for the next start.
public final class SendOutbox: Sendable {
    public let service: SendService
    let pollSeconds: Double
    let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init(service: SendService, pollSeconds: Double, logger: Logger = Logger(label: "linkback.send")) {
        self.service = service
        self.pollSeconds = pollSeconds
        self.logger = logger
        (wakeups, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Looks at the outbox now rather than at the next poll.
    public func notify() { continuation.yield() }

    /// Sends until cancelled.
    public func run() async {
        let ticker = Task { [continuation, pollSeconds] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int64(pollSeconds * 1000)))
                continuation.yield()
            }
        }
        defer { ticker.cancel() }
        continuation.yield()
        for await _ in wakeups {
            if Task.isCancelled { break }
            do {
                // Until nothing is due: a batch put off by the per-host limit is due later, not now.
                while !Task.isCancelled, try await !service.sendDue(limit: 20).isEmpty {}
            } catch {
                logger.error("the send outbox cannot be read", metadata: ["error": "\(error)"])
            }
        }
    }
}

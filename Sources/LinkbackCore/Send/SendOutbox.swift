import Foundation
import LinkbackKit
import Logging

/// The server's worker for the send outbox: sends what is due every `pollSeconds`, and at once
/// after ``notify()`` (a post just planned through the admin API). Sends not yet made stay in the
/// database for the next start.
public final class SendOutbox: Sendable {
    public let service: SendService
    let loop: WorkerLoop

    public init(service: SendService, pollSeconds: Double, logger: Logger = Logger(label: "linkback.send")) {
        self.service = service
        loop = WorkerLoop(name: "the send outbox", interval: .milliseconds(Int64(pollSeconds * 1000)), logger: logger)
    }

    /// Looks at the outbox now rather than at the next poll.
    public func notify() { loop.notify() }

    /// Sends until cancelled.
    public func run() async {
        await loop.run { [service] in
            // Until nothing is due: a batch put off by the per-host limit is due later, not now.
            while !Task.isCancelled, try await !service.sendDue(limit: 20).isEmpty {}
        }
    }
}

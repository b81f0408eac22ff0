import LinkbackKit

/// Group commit: writes submitted concurrently are applied together, in one transaction, so a
/// burst of receipts pays for one commit (and one `fsync`) instead of one each.
///
/// A submission waits for its batch's commit, so whoever awaits ``submit(_:)`` hears of success
/// only once the write is durable. Nothing waits for company: the first submission commits at
/// once, and what arrives while a commit runs goes into the next (up to `maxBatch` items).
/// `commit` returns one result per item, in order: one item's failure (say a constraint) does not
/// undo the others; an error thrown by `commit` itself (the transaction failed) fails them all.
/// With `concurrentBatches` above one, that many batches may commit at once (PostgreSQL: separate
/// connections; SQLite has one writer, so one).
/// Every submission to one group passes the same `commit`: whichever submission starts a run of
/// batches has its closure commit them (so a store can hand itself over without a reference cycle).
package final class GroupCommit<Item: Sendable, Output: Sendable>: Sendable {
    package typealias Commit = @Sendable ([Item]) async throws -> [Result<Output, any Error>]

    private struct Waiting {
        var item: Item
        var continuation: CheckedContinuation<Output, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        /// Batches being committed now.
        var committing = 0
    }

    private let state = Locked(State())
    private let maxBatch: Int
    private let concurrentBatches: Int

    package init(maxBatch: Int = 256, concurrentBatches: Int = 1) {
        self.maxBatch = max(1, maxBatch)
        self.concurrentBatches = max(1, concurrentBatches)
    }

    /// Applies `item` with whatever else is waiting, through `commit`; returns its result once
    /// committed.
    package func submit(_ item: Item, _ commit: @escaping Commit) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state in
                state.waiting.append(Waiting(item: item, continuation: continuation))
                guard state.committing < concurrentBatches else { return false }
                state.committing += 1
                return true
            }
            if start { Task { await self.drain(commit) } }
        }
    }

    /// Commits batches until nobody waits.
    private func drain(_ commit: Commit) async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                guard !state.waiting.isEmpty else {
                    state.committing -= 1
                    return []
                }
                let batch = Array(state.waiting.prefix(maxBatch))
                state.waiting.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let results = try await commit(batch.map(\.item))
                precondition(results.count == batch.count, "a group commit must answer every item")
                for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result) }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}

/// A mention received, as the stores commit them in groups.
package struct Receipt: Sendable {
    package var incoming: IncomingMention
    package var actor: Actor
    /// The new mention's status token, made before the writer is held (used only if it is new).
    package var token: String = Token.make()
}

/// A verification's result for a claimed mention, as the stores commit them in groups.
package struct Completion: Sendable {
    package var claimed: Mention
    package var result: VerificationResult
    package var actor: Actor
}

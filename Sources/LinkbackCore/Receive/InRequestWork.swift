import Foundation
import LinkbackKit

/// Fetches made while a sender waits for the answer (a Private Webmention's discovery, code
/// exchange and source; a vouch page): each request's work has a bounded cost. At most `slots`
/// run at once and each holds a page's worth of `verification.max_pending_bytes` while it runs;
/// what finds neither free is answered 503 at once, before any fetch. Each is bounded in time as
/// a whole, and cancelled at shutdown (``shutDown()``) or when its request's task is cancelled.
public final class InRequestWork: Sendable {
    public let slots: Int
    public let seconds: Double
    let memory: ByteBudget?
    let reservation: Int

    private struct State {
        /// Each slot taken, with its task once it exists.
        var running: [UInt64: Task<Void, Never>?] = [:]
        var nextID: UInt64 = 0
        var stopped = false
    }

    private let state = Locked(State())

    public init(slots: Int, seconds: Double, memory: ByteBudget?, reservation: Int) {
        self.slots = max(1, slots)
        self.seconds = seconds
        self.memory = memory
        self.reservation = reservation
    }

    public convenience init(config: Config, memory: ByteBudget?) {
        self.init(
            slots: config.webmention.maxConcurrentChecks, seconds: config.webmention.checkTimeoutSeconds, memory: memory,
            reservation: config.fetch.maxBytes)
    }

    /// How many run now.
    public var running: Int { state.withLock { $0.running.count } }

    /// `work`'s result, or ``MentionCheckFailure/busy`` when no slot or memory is free, the time
    /// runs out, or the server is stopping.
    public func run<T: Sendable>(
        _ work: @escaping @Sendable () async -> Result<T, MentionCheckFailure>
    ) async -> Result<T, MentionCheckFailure> {
        let id: UInt64? = state.withLock { state in
            guard !state.stopped, state.running.count < slots else { return nil }
            state.nextID += 1
            state.running[state.nextID] = .some(nil)  // the slot is taken now; its task comes below
            return state.nextID
        }
        guard let id else { return .failure(.busy) }
        defer { _ = state.withLock { $0.running.removeValue(forKey: id) } }
        if let memory {
            guard memory.tryAcquire(reservation) else { return .failure(.busy) }
        }
        defer { memory?.release(reservation) }
        let result = Locked<Result<T, MentionCheckFailure>>(.failure(.busy))
        let seconds = seconds
        let task = Task {
            let outcome = try? await Deadline.run(seconds: seconds) { await work() }
            if let outcome, !Task.isCancelled { result.withLock { $0 = outcome } }
        }
        let stopped = state.withLock { state -> Bool in
            state.running[id] = .some(task)
            return state.stopped
        }
        if stopped { task.cancel() }
        await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        return result.withLock { $0 }
    }

    /// Cancels what runs and refuses what comes: the server is stopping.
    public func shutDown() {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.stopped = true
            return state.running.values.compactMap { $0 }
        }
        for task in tasks { task.cancel() }
    }
}

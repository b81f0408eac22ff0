/// A limit on the bytes that concurrent tasks hold at once: fetched pages being read, waiting for
/// a parse thread or being parsed (`verification.max_pending_bytes`).
///
/// ``acquire(_:)`` suspends, first come first served, until the bytes fit. A request larger than
/// the whole limit is granted when nothing else is held, so nothing waits forever. Every granted
/// byte must be given back with ``release(_:)``.
public final class ByteBudget: Sendable {
    /// Bytes that may be held at once.
    public let limit: Int
    private let state = Locked(State())

    private struct Waiter {
        let id: UInt64
        let bytes: Int
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var held = 0
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        /// Waiters given an id but not yet in line, and whether they were cancelled meanwhile.
        var arriving: [UInt64: Bool] = [:]

        func fits(_ bytes: Int, limit: Int) -> Bool { held == 0 || held + bytes <= limit }

        /// Takes the bytes of every waiter at the head of the line that now fits; the caller
        /// resumes them outside the lock.
        mutating func grantable(limit: Int) -> [CheckedContinuation<Void, any Error>] {
            var granted: [CheckedContinuation<Void, any Error>] = []
            while let first = waiters.first, fits(first.bytes, limit: limit) {
                held += first.bytes
                granted.append(first.continuation)
                waiters.removeFirst()
            }
            return granted
        }
    }

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Bytes granted and not yet released.
    public var held: Int { state.withLock { $0.held } }

    /// Tasks waiting for bytes.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Waits until `bytes` fit, then holds them. Throws `CancellationError` (holding nothing) when
    /// the task is cancelled while it waits.
    public func acquire(_ bytes: Int) async throws {
        let bytes = max(0, bytes)
        let id: UInt64? = state.withLock { state in
            if state.waiters.isEmpty && state.fits(bytes, limit: limit) {
                state.held += bytes
                return nil
            }
            state.nextID += 1
            state.arriving[state.nextID] = false
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (granted, wasCancelled) = state.withLock { state in
                    if state.arriving.removeValue(forKey: id) == true { return ([CheckedContinuation<Void, any Error>](), true) }
                    state.waiters.append(Waiter(id: id, bytes: bytes, continuation: continuation))
                    return (state.grantable(limit: limit), false)
                }
                if wasCancelled { continuation.resume(throwing: CancellationError()) }
                for waiter in granted { waiter.resume() }
            }
        } onCancel: {
            let (removed, granted) = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    // Not in line yet (it will not join), or already granted (the grant stands).
                    if state.arriving[id] != nil { state.arriving[id] = true }
                    return (CheckedContinuation<Void, any Error>?.none, [CheckedContinuation<Void, any Error>]())
                }
                let waiter = state.waiters.remove(at: index)
                // Those behind a large waiter may fit now.
                return (waiter.continuation, state.grantable(limit: limit))
            }
            removed?.resume(throwing: CancellationError())
            for waiter in granted { waiter.resume() }
        }
    }

    /// Holds `bytes` when they fit now (and nobody waits), without waiting; `false` otherwise.
    public func tryAcquire(_ bytes: Int) -> Bool {
        let bytes = max(0, bytes)
        return state.withLock { state in
            guard state.waiters.isEmpty, state.fits(bytes, limit: limit) else { return false }
            state.held += bytes
            return true
        }
    }

    /// Gives back `bytes` acquired earlier, letting waiters in line proceed.
    public func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        let granted = state.withLock { state in
            state.held = max(0, state.held - bytes)
            return state.grantable(limit: limit)
        }
        for waiter in granted { waiter.resume() }
    }
}

import NIOConcurrencyHelpers

/// A value behind a lock, for state shared between tasks and threads: the project's one lock.
///
/// It is a pthread mutex (NIO's), not `Synchronization.Mutex`: on Linux that one is a bare futex
/// which ThreadSanitizer cannot see, so `make sanitize` reported every access it guards as a race.
public struct Locked<Value: Sendable>: Sendable {
    private let box: NIOLockedValueBox<Value>

    public init(_ value: Value) {
        box = NIOLockedValueBox(value)
    }

    /// Runs `body` with the value, holding the lock.
    public func withLock<T, E: Error>(_ body: (inout Value) throws(E) -> T) throws(E) -> T {
        let result: Result<T, E> = box.withLockedValue { value in Result { () throws(E) -> T in try body(&value) } }
        return try result.get()
    }

    /// The value now (a copy).
    public var current: Value { box.withLockedValue { $0 } }
}

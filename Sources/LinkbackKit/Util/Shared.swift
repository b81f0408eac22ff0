/// A value that a running server replaces while requests read it (a configuration reload): each
/// read sees the whole old or the whole new value.
public final class Shared<Value: Sendable>: Sendable {
    private let value: Locked<Value>

    public init(_ value: Value) {
        self.value = Locked(value)
    }

    public var current: Value { value.withLock { $0 } }

    public func replace(_ newValue: Value) {
        value.withLock { $0 = newValue }
    }
}

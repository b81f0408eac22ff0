/// Runs work against a time limit.
public enum Deadline {
    /// The result of `operation`, or `nil` when it does not finish within `seconds` (it is then
    /// cancelled). Errors `operation` throws are rethrown.
    public static func run<T: Sendable>(
        seconds: Double, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }
}

import Foundation
import Logging
import Testing

@testable import LinkbackKit

/// The background workers' one shape: a pass at start, on notify, on every interval; a failing
/// pass does not stop the worker; cancelling does.
@Suite struct WorkerLoopTests {
    struct Failure: Error {}

    /// Waits (up to five seconds) until `condition` holds.
    func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        return condition()
    }

    @Test func passesAtStartOnNotifyAndAfterAFailure() async throws {
        let loop = WorkerLoop(name: "test", interval: .seconds(3600), logger: Logger(label: "t"))
        let passes = Locked(0)
        let running = Task {
            await loop.run {
                let count = passes.withLock { $0 += 1; return $0 }
                if count == 2 { throw Failure() }
            }
        }
        #expect(try await eventually { passes.withLock { $0 } == 1 })
        loop.notify()
        #expect(try await eventually { passes.withLock { $0 } == 2 })  // this one fails
        loop.notify()
        #expect(try await eventually { passes.withLock { $0 } == 3 })
        running.cancel()
        await running.value
        loop.notify()
        try await Task.sleep(for: .milliseconds(50))
        #expect(passes.withLock { $0 } == 3, "no pass after cancellation")
    }

    @Test func passesEveryInterval() async throws {
        let loop = WorkerLoop(name: "test", interval: .milliseconds(20), logger: Logger(label: "t"))
        let passes = Locked(0)
        let running = Task { await loop.run { passes.withLock { $0 += 1 } } }
        #expect(try await eventually { passes.withLock { $0 } >= 4 })
        running.cancel()
        await running.value
    }
}

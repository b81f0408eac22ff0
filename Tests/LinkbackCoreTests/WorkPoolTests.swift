import Foundation
import Synchronization
import Testing

@testable import LinkbackCore

/// The parse pool runs jobs on its own threads, at most `threads` at once.
@Suite struct WorkPoolTests {
    @Test func runsJobsOnItsOwnThreadsAtMostNAtOnce() async throws {
        let pool = WorkPool(threads: 2, name: "test-pool")
        final class Counts: Sendable { let value = Mutex((now: 0, most: 0)) }
        let counts = Counts()
        let names = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    await pool.run {
                        counts.value.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                        Thread.sleep(forTimeInterval: 0.02)
                        counts.value.withLock { $0.now -= 1 }
                        // The kernel's name for the thread (what ps and perf show), set when it started.
                        let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
                        return comm.trimmingCharacters(in: .whitespacesAndNewlines)
                    }
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(counts.value.withLock { $0.most } == 2)
        #expect(!names.isEmpty && names.allSatisfy { $0.hasPrefix("test-pool-") }, "\(names)")
        #expect(pool.waiting == 0)
    }
}

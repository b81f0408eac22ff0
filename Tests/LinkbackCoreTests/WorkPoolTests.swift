import Foundation
import Testing

@testable import LinkbackKit

/// The parse pool runs jobs on its own threads, at most `threads` at once.
@Suite struct WorkPoolTests {
    @Test func runsJobsOnItsOwnThreadsAtMostNAtOnce() async throws {
        let pool = WorkPool(threads: 2, name: "test-pool")
        final class Counts: Sendable { let value = Locked((now: 0, most: 0)) }
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

    /// A finished job lets go of what it captured (a fetched page): the pool kept every closure
    /// it ran until its queue was compacted, which held hundreds of 1 MB pages at once.
    @Test func aFinishedJobReleasesWhatItCaptured() async {
        let pool = WorkPool(threads: 1, name: "test-pool")
        final class Page: Sendable { let bytes = [UInt8](repeating: 0, count: 1024) }
        final class WeakPage: @unchecked Sendable { weak var page: Page? }
        let watcher = WeakPage()
        do {
            let page = Page()
            watcher.page = page
            let size = await pool.run { page.bytes.count }
            #expect(size == 1024)
        }
        var released = false
        for _ in 0..<200 where !released {
            released = watcher.page == nil
            if !released { try? await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(released)
    }
}

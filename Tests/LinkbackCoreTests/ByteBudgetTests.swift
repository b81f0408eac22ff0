import Foundation
import Synchronization
import Testing

@testable import LinkbackKit

/// The limit on bytes of fetched pages held at once (`verification.max_pending_bytes`).
@Suite struct ByteBudgetTests {
    /// Polls `condition` for up to two seconds.
    private func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func grantsWhatFitsAndQueuesTheRestFirstComeFirstServed() async throws {
        let budget = ByteBudget(limit: 10)
        try await budget.acquire(8)
        #expect(budget.held == 8)
        let big = Task { try await budget.acquire(5) }
        #expect(await eventually { budget.waiting == 1 })
        // One byte would fit, but it waits behind the five: a stream of small requests must not
        // starve a large one.
        let small = Task { try await budget.acquire(1) }
        #expect(await eventually { budget.waiting == 2 })
        #expect(budget.held == 8)
        // Room for the five only (5 + 5): it goes first and the one keeps waiting. (Releasing all
        // eight would grant both at once, and the order their tasks resume in is the scheduler's.)
        budget.release(3)
        try await big.value
        #expect(budget.held == 10)
        #expect(budget.waiting == 1)
        budget.release(5)
        try await small.value
        #expect(budget.held == 6)
        budget.release(6)
        #expect(budget.held == 0)
    }

    @Test func aRequestLargerThanTheLimitProceedsAloneWhenNothingIsHeld() async throws {
        let budget = ByteBudget(limit: 10)
        try await budget.acquire(25)
        #expect(budget.held == 25)
        let next = Task { try await budget.acquire(1) }
        #expect(await eventually { budget.waiting == 1 })
        budget.release(25)
        try await next.value
        #expect(budget.held == 1)
    }

    @Test func aCancelledWaiterHoldsNothingAndLetsThoseBehindItThrough() async throws {
        let budget = ByteBudget(limit: 10)
        try await budget.acquire(6)
        let large = Task { try await budget.acquire(9) }
        #expect(await eventually { budget.waiting == 1 })
        let small = Task { try await budget.acquire(4) }
        #expect(await eventually { budget.waiting == 2 })
        large.cancel()
        await #expect(throws: CancellationError.self) { try await large.value }
        // The four fit beside the six once the nine ahead of them is gone.
        try await small.value
        #expect(budget.held == 10)
        #expect(budget.waiting == 0)
    }

    @Test func aTaskCancelledBeforeItWaitsGetsNothing() async throws {
        let budget = ByteBudget(limit: 10)
        try await budget.acquire(10)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await budget.acquire(1)
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(budget.held == 10)
        #expect(budget.waiting == 0)
    }

    /// A source that answers after `delay` with a small page linking to the target, counting the
    /// fetches under way.
    private final class CountingFetcher: SourceFetching {
        let delay: Duration
        let counts = Locked((now: 0, most: 0, done: 0))
        init(delay: Duration) { self.delay = delay }

        func fetch(_ url: URL) async throws(FetchFailure) -> FetchedResource {
            counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            try? await Task.sleep(for: delay)
            counts.withLock { $0.now -= 1; $0.done += 1 }
            let page = #"<p><a href="https://blog.example/post">post</a></p>"#
            return FetchedResource(url: url, status: 200, mediaType: "text/html", charset: "utf-8", body: Array(page.utf8))
        }
    }

    @Test func fetchesUnderWayAreLimitedByTheirReservation() async {
        let fetcher = CountingFetcher(delay: .milliseconds(30))
        let memory = ByteBudget(limit: 3 << 20)
        let verifier = Verifier(
            fetcher: fetcher, pool: WorkPool(threads: 1), memory: memory,
            fetchReservation: 1 << 20)
        let target = URL(string: "https://blog.example/post")!
        let outcomes = await withTaskGroup(of: VerificationOutcome.self) { group in
            for index in 0..<12 {
                group.addTask { await verifier.verify(source: URL(string: "https://a.example/\(index)")!, target: target) }
            }
            return await group.reduce(into: [VerificationOutcome]()) { $0.append($1) }
        }
        #expect(outcomes.count == 12 && outcomes.allSatisfy { $0.code == "link-found" })
        #expect(fetcher.counts.withLock { $0.most } == 3)
        #expect(memory.held == 0)
    }

    @Test func aFetchedPageHoldsOnlyItsOwnBytesWhileItWaitsToBeParsed() async throws {
        let fetcher = CountingFetcher(delay: .zero)
        let pool = WorkPool(threads: 1)
        let memory = ByteBudget(limit: 2 << 20)
        let verifier = Verifier(
            fetcher: fetcher, pool: pool, memory: memory, fetchReservation: 1 << 20)
        // The only parse thread is busy until released, so fetched pages wait for it.
        final class Gate: Sendable { let open = Atomic(false) }
        let gate = Gate()
        let blocker = Task { await pool.run { while !gate.open.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.005) } } }
        let target = URL(string: "https://blog.example/post")!
        let verifications = (0..<3).map { index in
            Task { await verifier.verify(source: URL(string: "https://a.example/\(index)")!, target: target) }
        }
        // Three reservations of 1 MiB would not fit in 2 MiB together; three small pages do.
        #expect(await eventually { fetcher.counts.withLock { $0.done } == 3 })
        #expect(memory.held < 1 << 20)
        gate.open.store(true, ordering: .releasing)
        await blocker.value
        for verification in verifications { #expect(await verification.value.code == "link-found") }
        #expect(memory.held == 0)
    }
}

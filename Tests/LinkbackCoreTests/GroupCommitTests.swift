import LinkbackTestSupport
import Testing

@testable import LinkbackKit
@testable import LinkbackStore

@Suite struct GroupCommitTests {
    struct Odd: Error {}
    struct Broken: Error {}

    /// A commit that takes a moment, so submissions pile up behind it as they do under load.
    static func slowCommit(_ batches: Locked<[[Int]]>) -> GroupCommit<Int, Int>.Commit {
        { items in
            batches.withLock { $0.append(items) }
            try await Task.sleep(for: .milliseconds(20))
            return items.map { $0 % 2 == 0 ? .success($0 * 10) : .failure(Odd()) }
        }
    }

    @Test func concurrentSubmissionsShareCommitsAndEachGetsItsOwnResult() async throws {
        let batches = Locked<[[Int]]>([])
        let group = GroupCommit<Int, Int>(maxBatch: 50)
        let commit = Self.slowCommit(batches)
        let results = await withTaskGroup(of: (Int, Int?).self) { tasks in
            for item in 0..<200 { tasks.addTask { (item, try? await group.submit(item, commit)) } }
            return await tasks.reduce(into: [Int: Int?]()) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 200)
        for (item, result) in results { #expect(result == (item % 2 == 0 ? item * 10 : nil), "\(item)") }
        let sizes = batches.current.map(\.count)
        #expect(sizes.reduce(0, +) == 200)
        #expect(sizes.allSatisfy { $0 <= 50 })
        #expect(sizes.count < 20, "200 concurrent submissions took \(sizes.count) commits")
        #expect(Set(batches.current.joined()).count == 200, "an item committed twice")
    }

    @Test func aFailedCommitFailsItsWholeBatchAndLaterOnesStillRun() async throws {
        let calls = Locked(0)
        let group = GroupCommit<Int, Int>()
        let commit: GroupCommit<Int, Int>.Commit = { items in
            let call = calls.withLock { value -> Int in
                value += 1
                return value
            }
            if call == 1 { throw Broken() }
            return items.map { .success($0) }
        }
        await #expect(throws: Broken.self) { try await group.submit(1, commit) }
        #expect(try await group.submit(2, commit) == 2)
    }

    /// PostgreSQL commits several batches at once, each on its own connection: never more than
    /// `concurrentBatches`, and still every item answered once.
    @Test func concurrentBatchesAreCapped() async throws {
        let running = Locked((now: 0, most: 0, items: 0))
        let group = GroupCommit<Int, Int>(maxBatch: 10, concurrentBatches: 3)
        let commit: GroupCommit<Int, Int>.Commit = { items in
            running.withLock { $0.now += 1; $0.most = max($0.most, $0.now); $0.items += items.count }
            try await Task.sleep(for: .milliseconds(20))
            running.withLock { $0.now -= 1 }
            return items.map { .success($0) }
        }
        let results = try await withThrowingTaskGroup(of: Int.self) { tasks in
            for item in 0..<200 { tasks.addTask { try await group.submit(item, commit) } }
            return try await tasks.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<200))
        #expect(running.current.items == 200)
        #expect(running.current.most == 3, "\(running.current.most) batches at once")
    }
}

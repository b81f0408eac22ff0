import LinkbackTestSupport
import Testing

@testable import LinkbackCore

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
}

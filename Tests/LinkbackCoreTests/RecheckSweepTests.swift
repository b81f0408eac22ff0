import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackCore
@testable import LinkbackKit
@testable import LinkbackStore

/// The periodic re-check on a real SQLite store, its verifications played by the store's own
/// completion (the end-to-end test has a real source and queue).
@Suite struct RecheckSweepTests {
    @Test func batchesAreThePeriodsShareAndTheSweepCountsWhatWasDeleted() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteMentionStore(path: directory.file("db.sqlite"))
        for index in 0..<10 {
            let incoming = StoreFixture.incoming("https://s\(index).example/post", target: "https://blog.example/p")
            _ = try await store.storeVerified(incoming, status: .approved, content: MentionContent(), actor: .server, received: nil)
        }
        // One day's period, a batch a minute: 10 mentions need one a batch, never all at once.
        let sweep = RecheckSweep(store: store, queue: nil, days: 1)
        #expect(sweep.interval == 60)
        let later = Date().addingTimeInterval(2 * 86_400)
        var report = try await sweep.batch(now: later)
        #expect(report.lastBatchMarked == 1)
        #expect(report.current?.checked == 1)
        #expect(try await store.list(MentionQuery(statuses: [.approved])).filter(\.reverifying).map(\.source) == ["https://s0.example/post"])
        // Verifying the first again: its source is gone.
        let claimed = try await store.claimQueued(limit: 10, now: later)
        #expect(claimed.map(\.source) == ["https://s0.example/post"])
        _ = try await store.complete(claimed[0], with: .failed(status: .deleted, reason: "gone"), actor: .server)
        for step in 1...9 {
            report = try await sweep.batch(now: later.addingTimeInterval(Double(step) * 60))
            for mention in try await store.claimQueued(limit: 10, now: later) {
                _ = try await store.complete(mention, with: .verified(status: .approved, content: MentionContent()), actor: .server)
            }
        }
        #expect(report.current?.checked == 10 && report.current?.deleted == 1)
        // Nothing is due any more (each was just verified): the sweep is finished, and kept as the last one.
        report = try await sweep.batch(now: Date().addingTimeInterval(600))
        #expect(report.current == nil)
        #expect(report.last?.checked == 10 && report.last?.deleted == 1 && report.last?.finished != nil)
        let stored = try #require(try await RecheckReport.read(from: store))
        #expect(stored.last?.checked == 10 && stored.last?.deleted == 1 && stored.current == nil && stored.days == 1)
        #expect(try await store.countByStatus()[.approved] == 9)
        try await store.close()
    }
}

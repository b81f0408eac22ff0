import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackKit
@testable import LinkbackStore

/// Copy detection's band index in memory (SQLite): it names the candidates the table's band rows
/// would, less those on the asker's own host, filled from the table at the first look-up and kept
/// by the store's writes after it.
@Suite struct SQLiteBandMapTests {
    /// A text close to one of three "farm" texts (a few words changed) or unrelated, so that
    /// fingerprints share all, some or none of their bands.
    private static func text(_ generator: inout SystemRandomNumberGenerator) -> String {
        let farm = Int.random(in: 0...3, using: &generator)
        return (0..<60).map { word in
            farm < 3 && Int.random(in: 0..<12, using: &generator) != 0
                ? "farm\(farm)word\(word)" : "w\(Int.random(in: 0..<100_000, using: &generator))"
        }.joined(separator: " ")
    }

    private static func verify(
        _ store: SQLiteMentionStore, _ source: String, _ fingerprint: TextFingerprint?, clock: ManualClock
    ) async throws -> Int64 {
        _ = try await store.receive(StoreFixture.incoming(source, target: "https://blog.example/a"), actor: .server)
        let claimed = try #require(try await store.claimQueued(limit: 1, now: clock.now()).first)
        let status = try await store.complete(
            claimed, with: .verified(status: .pending, content: MentionContent(), signals: SpamSignals(fingerprint: fingerprint)),
            actor: .server)
        #expect(status == .pending)
        clock.advance(by: 1)
        return claimed.id
    }

    @Test func theMapNamesWhatTheTableNames() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("linkback.sqlite")
        let clock = ManualClock()
        let start = clock.now()
        let store = try SQLiteMentionStore(path: path, clock: clock)
        let table = try SQLiteMentionStore(path: path, clock: clock, keepsBandMap: false)
        var generator = SystemRandomNumberGenerator()
        var written: [(id: Int64, fingerprint: TextFingerprint)] = []
        var leftOut = 0
        func check(_ other: SQLiteMentionStore, since: Date) async throws {
            for (id, fingerprint) in written {
                let host = try #require(try await store.mention(id: id)).source.split(separator: "/")[1]
                for limit in [3, 10, SQLiteBandMap.perBand] {
                    // From every host, and without the mention's own: the host is the store's to
                    // leave out (the map before reading rows, the table after), counted in the limit.
                    for otherThanHost in [nil, String(host)] {
                        let fromMap = try await other.textsLike(
                            fingerprint, since: since, excluding: id, limit: limit, otherThanHost: otherThanHost)
                        let fromTable = try await table.textsLike(
                            fingerprint, since: since, excluding: id, limit: limit, otherThanHost: otherThanHost)
                        #expect(fromMap.map(\.id) == fromTable.map(\.id), "mention \(id), limit \(limit), host \(otherThanHost ?? "-")")
                        #expect(!fromMap.contains { $0.source.contains("//\(otherThanHost ?? "-")/") })
                    }
                    let all = try await table.textsLike(fingerprint, since: since, excluding: id, limit: limit).count
                    leftOut += all - (try await table.textsLike(
                        fingerprint, since: since, excluding: id, limit: limit, otherThanHost: String(host)).count)
                }
            }
        }
        for index in 0..<90 {
            // A tenth too short to fingerprint; the map is filled from the table a third of the way in.
            let fingerprint = index % 10 == 9 ? nil : TextFingerprint(Shingles(Self.text(&generator)), minimum: 20)
            let id = try await Self.verify(store, "https://h\(index % 7).example/\(index)", fingerprint, clock: clock)
            if let fingerprint { written.append((id, fingerprint)) }
            if index == 30 {
                #expect(store.bandMap?.isFilled == false)
                try await check(store, since: start)
                #expect(store.bandMap?.isFilled == true)
            }
        }
        // Verified again: with another text, or with none (its bands go).
        for (index, (id, _)) in written.prefix(12).enumerated() {
            let source = try #require(try await store.mention(id: id)).source
            let fingerprint = index % 3 == 0 ? nil : TextFingerprint(Shingles(Self.text(&generator)), minimum: 20)
            #expect(try await Self.verify(store, source, fingerprint, clock: clock) == id)
            written.removeAll { $0.id == id }
            if let fingerprint { written.append((id, fingerprint)) }
        }
        try await check(store, since: start)
        try await check(store, since: start.addingTimeInterval(45))
        // Another process's store, filled from the table at its first look-up.
        let later = try SQLiteMentionStore(path: path, clock: clock)
        try await check(later, since: start.addingTimeInterval(20))
        // A wider look-up than the map keeps per band goes to the table.
        #expect(store.bandMap?.candidates(bands: written[0].fingerprint.bands, since: start, excluding: nil, limit: 201) == nil)
        #expect(leftOut > 0, "some look-up found a candidate on its own host")
        for opened in [store, table, later] { try await opened.close() }
    }

    @Test func aForgottenMentionIsNeverACandidate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock()
        let store = try SQLiteMentionStore(path: directory.file("linkback.sqlite"), clock: clock)
        let farm = try #require(TextFingerprint(Shingles(TextFingerprintTests.post), minimum: 20))
        var ids: [Int64] = []
        for host in ["a", "b", "c"] { ids.append(try await Self.verify(store, "https://\(host).example/copy", farm, clock: clock)) }
        let since = clock.now().addingTimeInterval(-3600)
        #expect(try await store.textsLike(farm, since: since, excluding: nil, limit: 10).map(\.id) == ids.reversed())
        #expect(store.bandMap?.isFilled == true)
        _ = try await store.forget(.domain("b.example"), actor: .cli, dryRun: false)
        #expect(try await store.textsLike(farm, since: since, excluding: nil, limit: 10).map(\.id) == [ids[2], ids[0]])
        try await store.close()
    }

    /// Over its capacity the oldest mentions go and the horizon moves past them: a look-up from
    /// before the horizon is the table's to answer, one after it the map's.
    @Test func evictionMovesTheHorizon() {
        let map = SQLiteBandMap(capacity: 10)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(map.candidates(bands: [1], since: start, excluding: nil, limit: 5) == nil, "not filled")
        // One fill at a time: a second caller uses the table meanwhile; a failed one is tried again.
        #expect(map.beginFill() && !map.beginFill())
        map.fillFailed()
        #expect(map.beginFill())
        map.fill([(band: 1, id: 100, at: start, source: "https://h0.example/100")], since: start)
        #expect(!map.beginFill())
        for id in Int64(1)...12 {
            map.record(id: id, source: "https://h\(id % 2).example/\(id)", bands: [1, id + 1000], at: start.addingTimeInterval(Double(id)))
        }
        // 13 mentions: down to 9, the four oldest (100, 1, 2, 3) gone.
        #expect(map.candidates(bands: [1], since: start, excluding: nil, limit: 5) == nil)
        #expect(map.candidates(bands: [1], since: start.addingTimeInterval(3), excluding: nil, limit: 5) == nil)
        #expect(map.candidates(bands: [1], since: start.addingTimeInterval(4), excluding: 12, limit: 5) == [11, 10, 9, 8, 7])
        #expect(map.candidates(bands: [1], since: start.addingTimeInterval(10), excluding: nil, limit: 50) == [12, 11, 10])
        #expect(map.candidates(bands: [1004, 1005, 9], since: start.addingTimeInterval(4), excluding: nil, limit: 50) == [5, 4])
        // Another host's only, of the newest five: the source's own host counts towards the limit.
        #expect(map.candidates(bands: [1], since: start.addingTimeInterval(4), excluding: 12, limit: 5, otherThanHost: "h1.example") == [10, 8])
        #expect(map.candidates(bands: [1], since: start.addingTimeInterval(4), excluding: nil, limit: 1, otherThanHost: "h0.example") == [])
        // Verified again without a fingerprint: gone from every band.
        map.record(id: 11, source: "https://h1.example/11", bands: nil, at: start.addingTimeInterval(20))
        #expect(map.candidates(bands: [1, 1011], since: start.addingTimeInterval(10), excluding: nil, limit: 50) == [12, 10])
    }
}

import Foundation
import LinkbackKit

/// Copy detection's band index (`fingerprint_bands`) kept in memory beside the table by the one
/// server process that verifies into an SQLite file, so that a verification's look-up of texts
/// like its own does not walk 16 index ranges (77 % of the SQLite statement time of a farm's
/// drain, 3.4 ms a look-up under load).
///
/// The table stays the truth. The map only names candidates; their rows are read by key, so a
/// mention deleted or forgotten since (its row gone, or its fingerprint cleared) is never
/// returned. It holds every band row from `horizon` on: those read from the table when it is first
/// asked, then each one this store writes. A look-up it cannot answer exactly — a window reaching
/// before the horizon, more candidates than it keeps per band — goes to the table, as does
/// everything when it is over its size. Band rows another process writes into the file while this
/// one runs (an import from the command line) join it at the next start.
///
/// It knows each mention's source host too, so that the copy detector's candidates on the
/// source's own host (a farm on one host: nothing to count) are left out before any row is read.
final class SQLiteBandMap: Sendable {
    struct Entry: Sendable, Equatable {
        var at: Date
        var id: Int64
        /// Newest first, ties by the larger id, as the table's index is walked.
        func isNewer(than other: Entry) -> Bool { at != other.at ? at > other.at : id > other.id }
    }

    struct State: Sendable {
        /// Each band's mentions, newest first, at most ``SQLiteBandMap/perBand``.
        var byBand: [Int64: [Entry]] = [:]
        /// Each mention's bands, when they were written, and its source's host (``HostName/of(url:)``).
        var byMention: [Int64: (bands: [Int64], at: Date, host: String?)] = [:]
        /// Band rows at or after this are all here; `nil` until filled from the table.
        var horizon: Date?
        /// A fill from the table is under way (one at a time: look-ups meanwhile use the table).
        var filling = false
    }

    /// Mentions kept per band: the most a look-up asks for (``CopyDetector``'s candidate limit).
    static let perBand = 200
    /// Mentions kept in all (16 bands each): past it the oldest go,
    /// and the horizon moves past them.
    let capacity: Int
    private let state = Locked(State())

    init(capacity: Int = 20_000) {
        self.capacity = capacity
    }

    var isFilled: Bool { state.withLock { $0.horizon != nil } }

    /// Whether the caller is to fill the map now: `true` for one caller until ``fill(_:since:)``
    /// or ``fillFailed()``, `false` once filled or while another fills.
    func beginFill() -> Bool {
        state.withLock { state in
            guard state.horizon == nil, !state.filling else { return false }
            state.filling = true
            return true
        }
    }

    /// The fill's read failed: the next look-up tries again.
    func fillFailed() {
        state.withLock { $0.filling = false }
    }

    /// The newest `limit` mentions sharing a band with `bands` from `since` on, not `excluding`,
    /// newest first, less those whose source is on `otherThanHost` (counted towards `limit` all the
    /// same, as ``MentionRecords/textsLike(_:since:excluding:limit:otherThanHost:)`` says); `nil`
    /// when the map cannot say exactly (not filled, `since` before the horizon, or `limit` above
    /// ``perBand``).
    func candidates(bands: [Int64], since: Date, excluding: Int64?, limit: Int, otherThanHost: String? = nil) -> [Int64]? {
        state.withLock { state -> [Int64]? in
            guard let horizon = state.horizon, since >= horizon, limit <= Self.perBand else { return nil }
            // A merge of the bands' lists, newest first: a mention's rows share their time, so a
            // mention found by several bands is taken once and every list holding it moves on.
            let lists = bands.compactMap { state.byBand[$0] }
            var heads = [Int](repeating: 0, count: lists.count)
            var found: [Int64] = []
            var counted = 0
            while counted < limit {
                var newest: Entry?
                for index in lists.indices where heads[index] < lists[index].count {
                    let entry = lists[index][heads[index]]
                    if newest.map({ entry.isNewer(than: $0) }) ?? true { newest = entry }
                }
                guard let next = newest, next.at >= since else { break }
                for index in lists.indices where heads[index] < lists[index].count && lists[index][heads[index]] == next {
                    heads[index] += 1
                }
                guard next.id != excluding else { continue }
                counted += 1
                if otherThanHost == nil || state.byMention[next.id]?.host != otherThanHost { found.append(next.id) }
            }
            return found
        }
    }

    /// Mention `id` (its source `source`) has the bands `bands` now (none: `nil`), written at
    /// `at`, in place of any it had.
    func record(id: Int64, source: String, bands: [Int64]?, at: Date) {
        let host = HostName.of(url: source)  // read before the lock is held
        state.withLock { state in
            Self.remove(id, from: &state)
            guard let bands, state.horizon.map({ at >= $0 }) ?? true else { return }
            Self.insert(Entry(at: at, id: id), bands: bands, host: host, into: &state)
            evict(&state)
        }
    }

    /// Fills the map from the table's band rows from `since` on with their mentions' sources,
    /// newest first and at most ``rowLimit`` of them (what ``rowsSQL`` reads), leaving anything
    /// recorded meanwhile as it was. When the limit cut the rows short, the horizon is past the
    /// oldest time read.
    func fill(_ rows: [(band: Int64, id: Int64, at: Date, source: String)], since: Date) {
        // Rows of the oldest time read may be cut short: from after it only, then.
        let horizon = rows.count >= rowLimit ? rows.last.map { $0.at.addingTimeInterval(0.001) } ?? since : since
        // Each mention's rows gathered, and its host read once, before the lock is held.
        var read: [Int64: (bands: [Int64], at: Date, host: String?)] = [:]
        for row in rows where row.at >= horizon {
            if read[row.id] == nil { read[row.id] = ([], row.at, HostName.of(url: row.source)) }
            read[row.id]?.bands.append(row.band)
        }
        state.withLock { state in
            guard state.horizon == nil else { return }
            for (id, mention) in read where state.byMention[id] == nil {
                Self.insert(Entry(at: mention.at, id: id), bands: mention.bands, host: mention.host, into: &state)
            }
            state.horizon = horizon
            state.filling = false
            evict(&state)
        }
    }

    /// The most band rows a fill reads: the capacity's worth.
    var rowLimit: Int { capacity * TextFingerprint.signatureSize / TextFingerprint.bandSize }

    /// The band rows from a time on with their mentions' sources, newest first, at most a limit:
    /// what ``fill(_:since:)`` takes.
    static let rowsSQL = """
        SELECT b.band, b.mention_id, b.at, m.source FROM fingerprint_bands AS b JOIN mentions AS m ON m.id = b.mention_id
        WHERE b.at >= ? ORDER BY b.at DESC, b.mention_id DESC LIMIT ?
        """

    private static func insert(_ entry: Entry, bands: [Int64], host: String?, into state: inout State) {
        state.byMention[entry.id] = (bands, entry.at, host)
        for band in bands {
            var list = state.byBand[band] ?? []
            let position = list.firstIndex { !$0.isNewer(than: entry) } ?? list.count
            guard position < perBand else { continue }
            list.insert(entry, at: position)
            if list.count > perBand {
                // Beyond what any look-up reads; its mention keeps its other bands.
                list.removeLast()
            }
            state.byBand[band] = list
        }
    }

    private static func remove(_ id: Int64, from state: inout State) {
        guard let old = state.byMention.removeValue(forKey: id) else { return }
        for band in old.bands {
            guard var list = state.byBand[band] else { continue }
            list.removeAll { $0.id == id }
            state.byBand[band] = list.isEmpty ? nil : list
        }
    }

    /// Over capacity: the oldest tenth goes (a sort per eviction, not per write), and the horizon
    /// moves past the newest of them.
    private func evict(_ state: inout State) {
        guard state.byMention.count > capacity else { return }
        let excess = state.byMention.count - capacity * 9 / 10
        let oldest = state.byMention.map { Entry(at: $0.value.at, id: $0.key) }.sorted { $1.isNewer(than: $0) }.prefix(excess)
        for entry in oldest { Self.remove(entry.id, from: &state) }
        if let last = oldest.last { state.horizon = max(state.horizon ?? last.at, last.at.addingTimeInterval(0.001)) }
    }
}

import Foundation
import LinkbackStore

/// Copies everything one store holds into another (`linkback migrate-store`): mentions with
/// their ids, tokens and history, webhook deliveries and the outbox cursor, blocks, allowed
/// domains, settings, counted mentions and the spellings of targets; then compares the row counts. The spam score is
/// learnt again in the destination rather than copied.
///
/// Safe to run again: rows already copied (same id) are kept, so a copy interrupted halfway is
/// finished by running it again. A destination holding other data (a mention whose id or token
/// is not the source's) is refused before anything is written.
public struct StoreMigration: Sendable {
    public let source: any StoreTransfer & MentionRecords
    public let destination: any StoreTransfer & MentionRecords
    /// Rows per transaction.
    public var batchSize: Int

    public init(from source: any StoreTransfer & MentionRecords, to destination: any StoreTransfer & MentionRecords, batchSize: Int = 500) {
        self.source = source
        self.destination = destination
        self.batchSize = batchSize
    }

    public struct Report: Sendable, Equatable {
        public var source: StoreRowCounts
        public var destination: StoreRowCounts
        /// Rows this run wrote (0 when everything was there already).
        public var copied: Int
        public var matches: Bool { source == destination }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case destinationHasOtherData(id: Int64)

        public var description: String {
            switch self {
            case .destinationHasOtherData(let id):
                return "the destination already holds other mentions (id \(id) differs from the source's); "
                    + "copy into an empty database"
            }
        }
    }

    /// Copies; `progress(done, total)` after each batch, counting mentions, events and deliveries.
    public func run(progress: (Int, Int) -> Void = { _, _ in }) async throws -> Report {
        let counts = try await source.rowCounts()
        let before = try await destination.rowCounts()
        if before.mentions > 0 { try await checkDestinationIsACopy() }
        let total = counts.mentions + counts.events + counts.deliveries
        var done = 0
        /// Pages through one kind of row in id order, writing each page in one transaction.
        func copy<Row>(
            _ export: (Int64, Int) async throws -> [Row], id: (Row) -> Int64, rows: ([Row]) -> StoreRows
        ) async throws {
            var last: Int64 = 0
            while true {
                let page = try await export(last, batchSize)
                guard let end = page.last.map(id) else { return }
                try await destination.importRows(rows(page))
                last = end
                done += page.count
                progress(done, total)
            }
        }
        // Mentions first: events and deliveries refer to them.
        try await copy(source.exportMentions, id: \.id) { StoreRows(mentions: $0) }
        try await copy(source.exportEvents, id: \.id) { StoreRows(events: $0) }
        try await copy(source.exportDeliveries, id: \.id) { StoreRows(deliveries: $0) }
        try await destination.importRows(try await source.exportState())
        // The spam score's counts are not copied: the destination learns the copied mentions.
        try await destination.retrainScore()
        let after = try await destination.rowCounts()
        let written = (after.mentions - before.mentions) + (after.events - before.events)
            + (after.deliveries - before.deliveries) + (after.blocks - before.blocks)
            + (after.allowedDomains - before.allowedDomains)
        return Report(source: counts, destination: after, copied: written)
    }

    /// Every mention already in the destination is the source's mention of the same id.
    private func checkDestinationIsACopy() async throws {
        var last: Int64 = 0
        while true {
            let copied = try await destination.exportMentions(afterID: last, limit: batchSize)
            guard let end = copied.last?.id else { return }
            let originals = try await source.exportMentions(afterID: last, limit: batchSize)
            let tokens = Dictionary(uniqueKeysWithValues: originals.map { ($0.id, $0.token) })
            for mention in copied where tokens[mention.id] != mention.token {
                // Not in this page of the source: look it up (the source may have gaps).
                if try await source.mention(id: mention.id)?.token != mention.token {
                    throw Failure.destinationHasOtherData(id: mention.id)
                }
            }
            last = end
        }
    }
}

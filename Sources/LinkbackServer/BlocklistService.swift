import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore
import Logging
import ServiceLifecycle

/// Keeps the subscribed blocklists (`spam.blocklists`) current: every few minutes it fetches the
/// lists that are due (``BlocklistSync``), and loads the store's copies into the spam rules when
/// they changed (a copy `linkback blocklist sync` stored counts too); at start and on SIGHUP at once.
struct BlocklistService: Service {
    let sync: BlocklistSync
    let spam: SpamGuard
    let logger: Logger
    private let loop: WorkerLoop
    /// When each loaded copy was fetched, to load (and log) only a change.
    private let loaded = Locked<[String: Date]>([:])

    init(sync: BlocklistSync, spam: SpamGuard, logger: Logger, interval: Duration = .seconds(300)) {
        (self.sync, self.spam, self.logger) = (sync, spam, logger)
        loop = WorkerLoop(name: "the blocklist refresh", interval: interval, logger: logger)
    }

    func refreshNow() { loop.notify() }

    func run() async throws {
        await cancelWhenGracefulShutdown { [loop, loaded, spam, sync, logger] in
            await loop.run {
                for report in try await sync.sync(dueOnly: true) {
                    if let error = report.error {
                        logger.warning("blocklist not refreshed; its last copy stays", metadata: ["url": "\(report.url)", "error": "\(error)"])
                    }
                }
                let copies = BlocklistSync.copies(of: sync.lists, among: try await sync.store.blocklistCopies())
                let fetched = Dictionary(
                    copies.compactMap { copy in copy.fetched.map { (copy.url, $0) } }, uniquingKeysWith: { first, _ in first })
                let changed = loaded.withLock { last in
                    defer { last = fetched }
                    return last != fetched
                }
                guard changed else { return }
                let lists = SubscribedBlocklists(copies: copies)
                spam.reloadSubscribed(lists)
                logger.info("blocklists loaded: \(lists.count) entr\(lists.count == 1 ? "y" : "ies") from \(fetched.count) list\(fetched.count == 1 ? "" : "s")")
            }
        }
    }
}

import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore
import Logging
import ServiceLifecycle

/// Loads the store's blocks and the tombstones of whom the owner forgot (into the spam rules)
/// and allowed domains (into the moderation policy) at start, every few seconds after and at
/// once on SIGHUP (``refreshNow()``), so `linkback block` and `linkback allow` (another process)
/// take effect without a restart, and logs the counts when they change; and shares the built-in
/// bans through the store: those started here are recorded, those started by another instance
/// (or before a restart) adopted.
struct BlockRefreshService: Service {
    let spam: SpamGuard
    let allowed: DomainList
    let store: any BlockStore & BanStore
    let logger: Logger
    let clock: any WallClock
    private let loop: WorkerLoop
    /// The lists the last pass loaded, to log only a change (a start with none logs nothing).
    private let loaded = Locked<(blocks: [Block], allowed: [String])>(([], []))

    init(
        spam: SpamGuard, allowed: DomainList, store: any BlockStore & BanStore, logger: Logger,
        interval: Duration = .seconds(5), clock: any WallClock = SystemClock()
    ) {
        (self.spam, self.allowed, self.store, self.logger, self.clock) = (spam, allowed, store, logger, clock)
        loop = WorkerLoop(name: "the block refresh", interval: interval, logger: logger)
    }

    /// Loads the lists now rather than at the next interval.
    func refreshNow() { loop.notify() }

    func run() async throws {
        await cancelWhenGracefulShutdown { [loop, loaded, spam, allowed, store, logger, clock] in
            await loop.run {
                let blocks = try await store.blocks(), domains = try await store.allowedDomains()
                spam.reloadBlocks(blocks)
                spam.forgotten.replace(try await store.forgottenKeys())
                allowed.replace(domains)
                let changed = loaded.withLock { last in
                    defer { last = (blocks, domains) }
                    return last.blocks != blocks || last.allowed != domains
                }
                if changed {
                    logger.info("from the database: \(blocks.count) block\(blocks.count == 1 ? "" : "s"), \(domains.count) allowed domain\(domains.count == 1 ? "" : "s")")
                }
                // (Should the write fail, those bans still hold here; only sharing them is lost.)
                try await store.recordBans(spam.bans.takeStarted())
                spam.bans.adopt(try await store.activeBans(now: clock.now()))
            }
        }
    }
}

import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore
import Logging
import ServiceLifecycle

/// Loads the store's blocks (into the spam rules) and allowed domains (into the moderation
/// policy) at start and every few seconds after, so `linkback block` and `linkback allow` (another
/// process) take effect without a restart; and shares the built-in bans through the store: those
/// started here are recorded, those started by another instance (or before a restart) adopted.
struct BlockRefreshService: Service {
    let spam: SpamGuard
    let allowed: DomainList
    let store: any BlockStore & BanStore
    let logger: Logger
    var interval: Duration = .seconds(5)
    var clock: any WallClock = SystemClock()

    func run() async throws {
        let loop = WorkerLoop(name: "the block refresh", interval: interval, logger: logger)
        await cancelWhenGracefulShutdown {
            await loop.run {
                spam.reloadBlocks(try await store.blocks())
                allowed.replace(try await store.allowedDomains())
                // (Should the write fail, those bans still hold here; only sharing them is lost.)
                try await store.recordBans(spam.bans.takeStarted())
                spam.bans.adopt(try await store.activeBans(now: clock.now()))
            }
        }
    }
}

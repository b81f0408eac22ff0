import Foundation
import LinkbackKit
import LinkbackStore
import Logging
import ServiceLifecycle

/// `storage.forget_client_after_days`: every hour (and at start), the client address and user
/// agent of mentions that last arrived longer ago than that are erased
/// (``MentionRecords/forgetClients(before:)``).
struct ClientPurgeService: Service {
    let store: any MentionRecords
    let storage: Config.Storage
    let clock: any WallClock
    let logger: Logger
    private let loop: WorkerLoop

    init(store: any MentionRecords, storage: Config.Storage, clock: any WallClock, logger: Logger, interval: Duration = .seconds(3600)) {
        (self.store, self.storage, self.clock, self.logger) = (store, storage, clock, logger)
        loop = WorkerLoop(name: "the client address purge", interval: interval, logger: logger)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { [loop, store, storage, clock, logger] in
            await loop.run {
                guard let cutoff = storage.clientCutoff(now: clock.now()) else { return }
                let erased = try await store.forgetClients(before: cutoff)
                if erased > 0 {
                    logger.info("erased the client address and user agent of \(erased) mention\(erased == 1 ? "" : "s") (storage.forget_client_after_days)")
                }
            }
        }
    }
}

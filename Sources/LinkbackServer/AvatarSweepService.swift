import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore
import Logging
import ServiceLifecycle

/// With `api.avatars: proxy`, every hour: the kept photos no mention names any more (deleted,
/// forgotten, changed at a re-check) are removed (``AvatarProxy/sweep(directory:store:)``).
struct AvatarSweepService: Service {
    let store: any MentionRecords
    let directory: String
    let logger: Logger
    private let loop: WorkerLoop

    init(store: any MentionRecords, directory: String, logger: Logger, interval: Duration = .seconds(3600)) {
        (self.store, self.directory, self.logger) = (store, directory, logger)
        loop = WorkerLoop(name: "the avatar sweep", interval: interval, logger: logger)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { [loop, store, directory, logger] in
            await loop.run {
                let removed = try await AvatarProxy.sweep(directory: directory, store: store)
                if removed > 0 { logger.info("removed \(removed) avatar\(removed == 1 ? "" : "s") no mention names any more") }
            }
        }
    }
}

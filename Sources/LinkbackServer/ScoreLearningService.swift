import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore
import Logging
import ServiceLifecycle

/// Keeps the spam score learning (`spam.score`): every half minute the store learns what
/// happened since the last time (``MentionRecords/learnScore()``): mentions the server approved,
/// decisions made in another process. Moderators' decisions made here are learnt at once by
/// ``ModerationService``.
struct ScoreLearningService: Service {
    let store: any MentionRecords
    let logger: Logger
    private let loop: WorkerLoop

    init(store: any MentionRecords, logger: Logger, interval: Duration = .seconds(30)) {
        (self.store, self.logger) = (store, logger)
        loop = WorkerLoop(name: "the spam score's learning", interval: interval, logger: logger)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { [loop, store, logger] in
            await loop.run {
                let learnt = try await store.learnScore()
                if learnt > 0 { logger.debug("the spam score learnt \(learnt) mention\(learnt == 1 ? "" : "s")") }
            }
        }
    }
}

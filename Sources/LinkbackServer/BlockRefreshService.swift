import LinkbackCore
import Logging
import ServiceLifecycle

/// Loads the store's blocks into the spam rules at start and every few seconds after, so blocks
/// added with the CLI (another process) take effect without a restart.
struct BlockRefreshService: Service {
    let spam: SpamGuard
    let store: any MentionStore
    let logger: Logger
    var interval: Duration = .seconds(5)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                spam.reloadBlocks(try await store.blocks())
            } catch {
                logger.error("cannot load blocks", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

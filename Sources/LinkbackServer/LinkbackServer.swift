import Hummingbird
import LinkbackCore
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the Linkback HTTP application from its parts. The routes are thin adapters onto
/// `LinkbackCore`; nothing here talks SQL or parses documents.
public struct LinkbackServer: Sendable {
    public let config: Config
    public let store: any MentionStore
    public let rejectionLog: RejectionLog
    public let logger: Logger

    public init(config: Config, store: any MentionStore, rejectionLog: RejectionLog, logger: Logger) {
        self.config = config
        self.store = store
        self.rejectionLog = rejectionLog
        self.logger = logger
    }

    /// The router with every route; exposed so tests can drive it without a socket.
    public func router() -> Router<LinkbackRequestContext> {
        let router = Router(context: LinkbackRequestContext.self)
        HealthRoutes(store: store).register(on: router)
        return router
    }

    /// The application, ready to run inside a `ServiceGroup`. `onListening` receives the bound
    /// port (useful with port 0).
    public func application(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let logger = self.logger
        let host = config.server.host
        return Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: config.server.port), serverName: nil),
            services: [LogReopenService(log: rejectionLog, logger: logger)],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
                await onListening(port)
            },
            logger: logger
        )
    }
}

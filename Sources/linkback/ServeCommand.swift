import ArgumentParser
import Foundation
import LinkbackKit
import LinkbackServer
import LinkbackStore
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the receiver: the HTTP endpoints, the verification queue and the rejection log.",
        discussion: """
            Stops gracefully on SIGTERM or SIGINT. On SIGHUP (systemctl reload) reopens the rejection log and reads \
            the configuration again: sites, api.tokens, the spam.block_* lists, moderation.allow_domains, \
            vouch.known_domains and webhooks apply at once; other keys need a restart (the log says which).
            """
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await Self.reportingFailures {
            var config = try options.load()
            config.server.publicDirectory = Self.publicDirectory(config.server.publicDirectory)
            let level = config.logging.level
            LoggingSystem.bootstrap { label in
                var handler = DeferredMetadataLogHandler(StreamLogHandler.standardError(label: label))
                handler.logLevel = level
                return handler
            }
            let logger = Logger(label: "linkback")
            let descriptors = DescriptorBudget.applied(
                configured: config.server.maxConnections,
                fetches: config.verification.concurrency + config.pingback.maxConcurrentVerifications)
            if descriptors.lowered {
                logger.warning(
                    "server.max_connections lowered to fit the file-descriptor limit (raise LimitNOFILE / ulimit -n)",
                    metadata: [
                        "configured": "\(config.server.maxConnections)", "used": "\(descriptors.maxConnections)",
                        "limit": "\(descriptors.limit)",
                    ])
                config.server.maxConnections = descriptors.maxConnections
            }
            let rejectionLog: RejectionLog
            do {
                rejectionLog = try RejectionLog(
                    destination: config.logging.fail2banLog, facility: config.logging.syslogFacility)
            } catch {
                throw Failure("\(error)")
            }
            let store: any MentionStore
            do {
                store = try await MentionStores.open(config, logger: logger)
            } catch {
                throw Failure("\(error)")
            }
            logger.notice("\(Self.startLine(config, path: options.path))")
            if let path = RejectionLog.filePath(of: config.logging.fail2banLog) {
                // `linkback stats --database X` finds this server's rejections through it.
                try? await store.setSetting(.rejectionLog, to: path)
            }
            var server = LinkbackServer(config: config, store: store, rejectionLog: rejectionLog, logger: logger)
            let options = options
            server.configurationSource = { try options.load() }
            if config.metrics.enabled {
                let registry = PrometheusCollectorRegistry()
                var factory = PrometheusMetricsFactory(registry: registry)
                factory.defaultDurationHistogramBuckets = [
                    .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                    .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
                ]
                MetricsSystem.bootstrap(factory)
                server.metricsRegistry = registry
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: [server.application()],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            do {
                try await group.run()
            } catch {
                try? await store.close()
                throw Failure(Self.explain(error, config: config))
            }
            if let sqlite = store as? SQLiteMentionStore {
                do {
                    try await sqlite.checkpoint()
                } catch {
                    logger.warning("the write-ahead log was not folded into \(sqlite.path) at stop: \(error); copy the -wal file with it, or use linkback backup")
                }
            }
            try await store.close()
            logger.notice("stopped")
        }
    }

    /// `server.public_dir` as configured; when it is relative and missing (a server started
    /// outside a checkout), the installed copy beside the binary: `PREFIX/share/linkback/public`.
    static func publicDirectory(_ configured: String) -> String {
        guard !configured.hasPrefix("/"), !FileManager.default.fileExists(atPath: configured),
            let installed = InstalledFiles.shared.map({ $0 + "/public" }), FileManager.default.fileExists(atPath: installed)
        else { return configured }
        return installed
    }

    private static func explain(_ error: any Error, config: Config) -> String {
        let address = "\(config.server.host):\(config.server.port)"
        if let error = error as? IOError {
            let reason = "cannot listen on \(address): \(String(cString: strerror(error.errnoCode)))"
            if error.errnoCode == EADDRINUSE {
                return reason + "; another program listens there (`ss -ltnp 'sport = :\(config.server.port)'` names it): "
                    + "stop it, or set server.port to a free port"
            }
            return reason
        }
        return "server failed on \(address): \(error)"
    }

    /// What an operator checks first in the log: which configuration, which database, which
    /// sites, and which doors are open. (No secret: the database URL's password is hidden.)
    static func startLine(_ config: Config, path: String) -> String {
        let database = (try? MentionStores.location(config.database).description) ?? config.database.path
        let metrics = !config.metrics.enabled ? "off" : config.metrics.address.map { "on \($0)" } ?? "on /metrics"
        return "starting Linkback \(LinkbackVersion.string): config \(path), database \(database), "
            + "sites \(config.sites.map(\.description).joined(separator: ", ")); "
            + "admin API \(config.admin.token.isEmpty ? "off" : "on"), metrics \(metrics), "
            + "webhooks \(config.webhooks.isEmpty ? "off" : "\(config.webhooks.count)"), "
            + "read tokens \(config.api.tokens.count), pingbacks \(config.pingback.enabled ? "on" : "off")"
    }
}

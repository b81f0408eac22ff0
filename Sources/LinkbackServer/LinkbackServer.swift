import Foundation
import Hummingbird
import HummingbirdCore
import LinkbackCore
import LinkbackKit
import LinkbackStore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// Builds the Linkback HTTP application from its parts. The routes are thin adapters onto
/// `LinkbackCore`; nothing here talks SQL or parses documents.
package struct LinkbackServer: Sendable {
    package let config: Config
    package let store: any MentionStore
    package let rejectionLog: RejectionLog
    package let logger: Logger
    /// The spam rules, shared by both endpoints and the queue.
    package let spam: SpamGuard
    let rejections: RejectionRecorder
    /// `linkback allow` domains, refreshed from the store.
    let allowed = DomainList()
    /// Where fetched pages are parsed, off the threads that answer HTTP.
    let parsePool: WorkPool

    /// Verifies stored mentions in the background; runs as one of the application's services.
    package let queue: VerificationQueue
    let receiver: MentionReceiver
    /// Webmentions with a `code` (Private Webmention), verified before they are stored.
    let privateMentions: PrivateWebmention
    let pingback: PingbackService
    let formPage: String
    /// Delivers webhooks from the outbox.
    package let webhooks: WebhookDispatcher
    /// Tells the owner by mail and push.
    package let notifications: NotificationDispatcher
    /// Sends mentions of the blog's own posts from the send outbox.
    let sends: SendOutbox
    /// The configuration running now: as at start, then with what reloads applied.
    let running: Shared<Config>
    /// Where a reload (SIGHUP) reads the configuration again; `nil`: reloads reopen the log only.
    package var configurationSource: (@Sendable () throws -> Config)?
    let readParser: ReadQueryParser
    let configuredAllowDomains: DomainList
    /// `policy.rules` and `policy.traps`: the doors' check and the verifications share it.
    let mentionPolicy: Shared<MentionPolicy>
    /// The fetches senders wait for (Private Webmention, Vouch), bounded together.
    let inRequestWork: InRequestWork
    /// The Prometheus registry that swift-metrics was bootstrapped with; `/metrics` is served
    /// (with `metrics.enabled`) only when it is set.
    package var metricsRegistry: PrometheusCollectorRegistry?
    let clock: any WallClock

    /// `clock` reckons claims, retries, pair intervals, webhook and send times; give the store
    /// the same one.
    package init(
        config: Config, store: any MentionStore, rejectionLog: RejectionLog, logger: Logger,
        clock: any WallClock = SystemClock()
    ) {
        self.clock = clock
        self.config = config
        self.store = store
        self.rejectionLog = rejectionLog
        self.logger = logger
        spam = SpamGuard(config: config.spam, clock: clock)
        running = Shared(config)
        readParser = ReadQueryParser(config: config)
        var policy = VerificationPolicy(config: config)
        policy.storedAllowDomains = allowed
        policy.forgotten = spam.forgotten
        configuredAllowDomains = policy.configuredAllowDomains
        mentionPolicy = policy.mentionPolicy
        rejections = RejectionRecorder(log: rejectionLog, bans: spam.bans, clock: clock)
        let traps = Traps(store: store, logger: logger)
        // The last day's counts from before this start, read once, on a thread of their own.
        let counts = rejections.counts
        let logPath = config.logging.fail2banLog
        let started = clock.now()
        Thread.detachNewThread { counts.seed(fromLog: logPath, before: started, now: started) }
        parsePool = WorkPool(threads: config.verification.parseThreads, name: "linkback-parse")
        policy = policy.withContentSignals(config: config, store: store, pool: parsePool)
        let pendingPages = ByteBudget(limit: config.verification.maxPendingBytes)
        let inRequestWork = InRequestWork(config: config, memory: pendingPages)
        self.inRequestWork = inRequestWork
        queue = VerificationQueue(
            store: store, verifier: Verifier(config: config, spam: spam, pool: parsePool, memory: pendingPages, logger: logger), policy: policy,
            rejections: rejections, traps: traps, logger: logger, concurrency: config.verification.concurrency,
            shutdownGrace: .milliseconds(Int64(config.verification.shutdownGraceSeconds * 1000)), clock: clock)
        let check = MentionCheck(sites: config.sites, policy: policy.mentionPolicy, aliases: config.verification.targetAliases)
        let targetFetcher = Verifier(config: config, timeoutSeconds: config.verification.targetCheckTimeoutSeconds).fetcher
        receiver = MentionReceiver(
            check: check, store: store,
            targetFetcher: config.verification.checkTargetExists ? targetFetcher : nil,
            canonicalizer: config.verification.canonicalTargets
                ? TargetCanonicalizer(fetcher: targetFetcher, check: check, store: store, clock: clock, logger: logger) : nil,
            queue: queue,
            spam: spam,
            vouch: config.vouch.mode == .off
                ? nil
                : VouchCheck(
                    config: config, storedAllowDomains: allowed, store: store,
                    fetcher: GuardedFetcher(config: config, spam: spam), pool: parsePool, work: inRequestWork, logger: logger),
            logger: logger, clock: clock)
        privateMentions = PrivateWebmention(
            receiver: receiver, fetcher: GuardedFetcher(config: config, spam: spam),
            verifier: Verifier(config: config, spam: spam, pool: parsePool, memory: pendingPages, logger: logger), policy: policy,
            clientID: config.server.baseURL, work: inRequestWork)
        let pingbackVerifier = Verifier(
            config: config, spam: spam, timeoutSeconds: config.pingback.verifyTimeoutSeconds, pool: parsePool,
            memory: pendingPages, logger: logger)
        pingback = PingbackService(
            receiver: receiver, store: store, verifier: pingbackVerifier, policy: policy,
            enabled: config.pingback.enabled, maxConcurrentVerifications: config.pingback.maxConcurrentVerifications,
            traps: traps, logger: logger)
        webhooks = WebhookDispatcher(config: config, store: store, logger: logger, clock: clock)
        notifications = NotificationDispatcher(config: config, store: store, logger: logger, clock: clock)
        sends = SendOutbox(
            service: SendService(config: config, store: store, pool: parsePool, logger: logger, clock: clock),
            pollSeconds: min(5, config.send.retryBaseSeconds), logger: logger)
        let formPath = config.server.publicDirectory + "/webmention.html"
        if let page = try? String(contentsOfFile: formPath, encoding: .utf8) {
            formPage = page
        } else {
            if StaticRoutes.directoryExists(config.server.publicDirectory) {
                logger.warning("no webmention form at \(formPath); serving a bare one")
            }
            formPage = Self.bareForm
        }
    }

    /// The router with every route.
    package func router() -> Router<LinkbackRequestContext> {
        let router = Router(context: LinkbackRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: InFlightLimitMiddleware(limit: config.server.maxInFlight))
        router.add(middleware: MethodNotAllowedMiddleware())
        HealthRoutes(store: store).register(on: router)
        if let metricsRegistry, config.metrics.enabled, config.metrics.address == nil {
            MetricsRoutes(registry: metricsRegistry, store: store).register(on: router)
        }
        StaticRoutes(directory: config.server.publicDirectory, logger: logger).register(on: router)
        if config.avatars.proxy { AvatarRoutes(directory: config.avatars.directory).register(on: router) }
        if !config.admin.token.isEmpty {
            AdminAPIRoutes(
                token: config.admin.token, store: store, server: config.server, recorder: rejections, spam: spam,
                sends: sends, copyThreshold: config.spam.copyDetection.threshold,
                avatars: config.avatars.proxy ? config.avatars.directory : nil
            ).register(on: router)
        }
        ReadAPIRoutes(store: store, config: config, parser: readParser, pool: parsePool, clock: clock).register(on: router)
        ModerationLinkRoutes(store: store, server: config.server, recorder: rejections, spam: spam, clock: clock).register(on: router)
        if config.spam.publishBlocklist {
            BlocklistRoutes(spam: spam, maxAge: config.api.maxAge, baseURL: config.server.baseURL).register(on: router)
        }
        WebmentionRoutes(
            receiver: receiver, privateMentions: privateMentions, store: store, config: config,
            rejections: Rejections(recorder: rejections, protocol: .webmention), spam: spam, formPage: formPage
        ).register(on: router)
        XMLRPCRoutes(
            service: pingback, config: config, rejections: Rejections(recorder: rejections, protocol: .pingback), spam: spam
        ).register(on: router)
        return router
    }

    /// `/metrics` on a listener of its own (`metrics.address`).
    func metricsApplication(registry: PrometheusCollectorRegistry, address: HostPort) -> some ApplicationProtocol {
        let router = Router()
        MetricsRoutes(registry: registry, store: store).register(on: router)
        let logger = self.logger
        return Application(
            router: router, configuration: .init(address: .hostname(address.host, port: address.port ?? 9464)),
            onServerRunning: { channel in
                logger.notice("metrics on http://\(address.host):\(channel.localAddress?.port ?? 0)/metrics")
            },
            logger: logger)
    }

    static let bareForm = """
        <!DOCTYPE html><html><head><meta charset="utf-8"><title>Send a webmention</title></head><body>
        <form method="post" action="webmention"><p><label>Source <input type="url" name="source" required></label></p>
        <p><label>Target <input type="url" name="target" required></label></p><button>Send</button></form></body></html>
        """

    /// The application, ready to run inside a `ServiceGroup`. `onListening` receives the bound
    /// port (useful with port 0).
    package func application(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let logger = self.logger
        let host = config.server.host
        let server = config.server
        // A service that returns ends the whole group: webhook delivery runs only when configured.
        let blockRefresh = BlockRefreshService(spam: spam, allowed: allowed, store: store, logger: logger, clock: clock)
        let blocklists = config.spam.blocklists.isEmpty
            ? nil
            : BlocklistService(
                sync: BlocklistSync(lists: config.spam.blocklists, store: store, fetcher: GuardedFetcher(config: config)),
                spam: spam, logger: logger)
        var services: [any Service] = [
            HangupService(
                log: rejectionLog, reload: configurationSource.map { source in { @Sendable in try reload(to: source()) } }, logger: logger,
                afterwards: {
                    blockRefresh.refreshNow()
                    blocklists?.refreshNow()
                }),
            blockRefresh,
            VerificationQueueService(queue: queue),
            SendOutboxService(outbox: sends),
            InRequestWorkService(work: inRequestWork),
        ]
        if !config.webhooks.isEmpty { services.append(OutboxService(run: webhooks.run)) }
        if !config.notifications.channels.isEmpty { services.append(OutboxService(run: notifications.run)) }
        if let blocklists { services.append(blocklists) }
        if config.spam.score.enabled { services.append(ScoreLearningService(store: store, logger: logger)) }
        if config.avatars.proxy {
            services.append(AvatarSweepService(store: store, directory: config.avatars.directory, logger: logger))
        }
        if config.storage.forgetClientAfterDays > 0 {
            services.append(ClientPurgeService(store: store, storage: config.storage, clock: clock, logger: logger))
        }
        if config.verification.recheckDays > 0 {
            services.append(
                RecheckService(sweep: RecheckSweep(store: store, queue: queue, days: config.verification.recheckDays, logger: logger, clock: clock)))
        }
        if let metricsRegistry, config.metrics.enabled, let address = config.metrics.address {
            services.append(metricsApplication(registry: metricsRegistry, address: address))
        }
        return Application(
            router: router(),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [
                        RequestBodyDeadlineHandler(timeout: .nanoseconds(Int64(server.bodyTimeoutSeconds * 1_000_000_000))),
                        ClientGoneHandler.Installer(),
                    ],
                    idleTimeout: .nanoseconds(Int64(server.idleTimeoutSeconds * 1_000_000_000)))),
            configuration: .init(
                address: .hostname(host, port: server.port), serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(server.maxConnections, logger: logger)),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
                await onListening(port)
            },
            logger: logger
        )
    }
}

extension LinkbackServer {
    /// Applies what a reload may change (``ConfigReload/reloadableKeys``) from `new` to the running
    /// server, at once and for every request after it; returns the log line that says what changed
    /// and what needs a restart.
    @discardableResult
    package func reload(to new: Config) -> String {
        let old = running.current
        let changed = ConfigReload.changedKeys(from: old, to: new)
        var applied = changed.filter { ConfigReload.reloadableKeys.contains($0) }
        var needRestart = changed.filter { !ConfigReload.reloadableKeys.contains($0) }
        if applied.contains("webhooks"), config.webhooks.isEmpty {
            // Without webhooks at start, the delivery service never started.
            applied.removeAll { $0 == "webhooks" }
            needRestart.append("webhooks (none at start)")
        }
        let next = ConfigReload.applying(applied, of: new, to: old)
        receiver.check.siteList.replace(next.sites)
        readParser.tokenList.replace(next.api.tokens)
        spam.reloadConfigured(next.spam)
        configuredAllowDomains.replace(next.moderation.allowDomains)
        mentionPolicy.replace(next.policy)
        receiver.vouch?.knownDomainList.replace(next.vouch.knownDomains + next.moderation.allowDomains)
        webhooks.webhookList.replace(next.webhooks)
        running.replace(next)
        return ConfigReload.summary(from: old, to: next, applied: applied, needRestart: needRestart)
    }
}

import Foundation
import Logging

/// The effective configuration: defaults, then the YAML file, then `LINKBACK_*` environment
/// variables. Build one with ``ConfigLoader``.
public struct Config: Sendable {
    public struct Server: Sendable {
        public var host: String
        public var port: Int
        /// Public URL of this server, without a trailing slash; status URLs are built from it.
        public var baseURL: String
        public var trustedProxies: [CIDR]
        /// The one header the trusted proxies set with the client address; the other is ignored.
        public var forwardedHeader: ForwardedHeader
        /// Static assets (the webmention form).
        public var publicDirectory: String
        /// Time allowed to receive a request body (slow or never-ending bodies get 408).
        public var bodyTimeoutSeconds: Double
        /// A connection that sends nothing (no complete request head, no body bytes, no next
        /// request) for this long is closed: half-sent requests cannot hold connections open.
        public var idleTimeoutSeconds: Double
        /// Connections open at once; beyond it new connections wait to be accepted.
        public var maxConnections: Int
        /// Requests answered at once; beyond it, 503 with `Retry-After` (0: no cap).
        public var maxInFlight: Int
    }

    public struct Database: Sendable {
        /// The SQLite file, used unless ``url`` is set.
        public var path: String
        /// `postgres://…`: a PostgreSQL database shared by several instances (empty: SQLite).
        public var url: String
        /// A file holding the PostgreSQL password (its first line), when the URL has none.
        public var passwordFile: String
        /// The PostgreSQL password, when neither the URL nor a file gives one.
        public var password: String
        /// How SQLite commits reach the disk: `full` (every commit synced; the default) or `normal`.
        public var sqliteSynchronous: SQLiteSynchronous

        public init(
            path: String, url: String = "", passwordFile: String = "", password: String = "",
            sqliteSynchronous: SQLiteSynchronous = .full
        ) {
            self.path = path
            self.url = url
            self.passwordFile = passwordFile
            self.password = password
            self.sqliteSynchronous = sqliteSynchronous
        }
    }

    public struct Moderation: Sendable {
        public var autoApprove: Bool
        public var allowDomains: [String]
        /// Send updated mentions back to moderation instead of keeping their status.
        public var remoderateUpdates: Bool
    }

    /// Vouch, an anti-spam extension to Webmention (see ``VouchCheck``).
    public struct Vouch: Sendable {
        public var mode: VouchMode
        /// Domains the owner's own site links to: their subdomains are known too.
        public var knownDomains: [String]
        public var pingbackUnknown: VouchPingbackPolicy
    }

    /// Sending mentions for the blog's own posts (`linkback send`).
    public struct Send: Sendable {
        public var maxAttempts: Int
        public var retryBaseSeconds: Double
        /// Sends to one target host a minute at most (0: no limit).
        public var perHostPerMinute: Int
    }

    public struct Fetch: Sendable {
        public var timeoutSeconds: Double
        public var maxBytes: Int
        public var maxRedirects: Int
        public var allowHosts: [HostPort]
    }

    public struct Verification: Sendable {
        /// Also accept the http/https and trailing-slash variants of the target.
        public var lenientMatch: Bool
        /// Characters of content text (and HTML) kept per mention.
        public var maxContentLength: Int
        /// Fetch the target too, and refuse targets that do not answer 2xx.
        public var checkTargetExists: Bool
        /// Bound on that check, which the sender waits for.
        public var targetCheckTimeoutSeconds: Double
        /// Verifications running at once.
        public var concurrency: Int
        /// Attempts before a source that keeps failing transiently is given up on.
        public var maxAttempts: Int
        /// First retry delay; each further retry waits twice as long.
        public var retryBaseSeconds: Double
        /// Steps one page's microformats parse may take; beyond it the mention is stored as a
        /// plain mention (title and excerpt).
        public var extractionBudget: Int
        /// Threads that parse fetched pages, apart from those that answer HTTP.
        public var parseThreads: Int
        /// Approved mentions are verified again once per this many days (0: never).
        public var recheckDays: Double
        /// Bytes of fetched pages held in memory at once, across all verifications: each fetch
        /// reserves `fetch.max_bytes` before it starts and keeps what its page takes until parsed.
        public var maxPendingBytes: Int
        /// On shutdown, how long verifications in flight may finish before they are abandoned
        /// (they stay queued and are verified after the next start).
        public var shutdownGraceSeconds: Double
        /// With PostgreSQL, how long a claimed verification or webhook delivery is held before
        /// another instance may take it over (an instance that died holds nothing for longer).
        public var claimLeaseSeconds: Double
        /// Store a mention under its target's canonical URL: the target is fetched once (its
        /// redirects on the owner's sites followed, its `rel=canonical` read) when it is received.
        public var canonicalTargets: Bool = false
        /// Origins that are another spelling of a site's (`www.`, `http://`).
        public var targetAliases = TargetAliases()
    }

    public struct Webmention: Sendable {
        /// Largest request body accepted; bigger gets 413 without being read.
        public var maxBodyBytes: Int
        /// Checks that fetch while the sender waits (Private Webmention, Vouch) running at once;
        /// one more is answered 503 (see ``InRequestWork``).
        public var maxConcurrentChecks: Int = 16
        /// The time one such check may take as a whole (discovery, exchange and fetch).
        public var checkTimeoutSeconds: Double = 20
    }

    public struct Pingback: Sendable {
        /// `false`: every call gets fault 33 and nothing is fetched.
        public var enabled: Bool
        /// Send every fault but 48 as code 0 with an empty string (the real code is logged).
        public var collapseFaults: Bool
        public var maxBodyBytes: Int
        /// Bound on the synchronous verification of one ping.
        public var verifyTimeoutSeconds: Double
        /// Pings verified at once; more get fault 50 at once.
        public var maxConcurrentVerifications: Int
    }

    public struct Spam: Sendable {
        /// Regular expressions; a matching User-Agent is refused at the door.
        public var blockUserAgents: [String]
        public var blockDomains: [String]
        public var blockIPs: [CIDR]
        /// Requests a minute per client address (0 = no limit), with bursts up to `rateLimitBurst`.
        public var rateLimitPerMinute: Int
        public var rateLimitBurst: Int
        /// Minimum seconds between two requests for the same (source, target) pair.
        public var pairIntervalSeconds: Double
        /// Fetches a minute from one source host (0 = no limit).
        public var fetchesPerSourceHostPerMinute: Int
        /// Rejections within `banWindowMinutes` that ban an address (0 = off).
        public var banAfterRejections: Int
        public var banWindowMinutes: Double
        public var banMinutes: Double
        /// IPv6 clients are counted (rate limits, bans) by this prefix: one /64 is one client.
        public var ipv6Prefix: Int = 64
        /// `spam.copy_detection`: copies of the post and farms of one text, held for the owner.
        public var copyDetection = CopyDetection()
        /// `spam.score`: the spam score learnt from the owner's decisions.
        public var score = Score()
        /// `spam.blocklists`: lists subscribed to, fetched and refreshed on schedule.
        public var blocklists: [Blocklist] = []
        /// `spam.publish_blocklist`: serve this instance's own blocked domains at `/api/blocklist.txt`.
        public var publishBlocklist = false
    }

    /// One `spam.blocklists` entry.
    public struct Blocklist: Sendable, Equatable {
        public var url: URL
        public var format: BlocklistFormat
        public var refreshHours: Double

        public init(url: URL, format: BlocklistFormat = .domains, refreshHours: Double = 24) {
            self.url = url
            self.format = format
            self.refreshHours = refreshHours
        }
    }

    /// `spam.score.*`.
    public struct Score: Sendable, Equatable {
        public var enabled = true
        /// A score at or above this holds a mention judged as new for moderation (`nil`: off).
        public var holdAt: Double? = 0.5
        /// A score at or above this makes a mention judged as new spam (`nil`: off).
        public var spamAt: Double? = 0.95

        public init(enabled: Bool = true, holdAt: Double? = 0.5, spamAt: Double? = 0.95) {
            self.enabled = enabled
            self.holdAt = holdAt
            self.spamAt = spamAt
        }

        /// What a score of `value` does to a mention judged as new: whether it is a reason to hold
        /// it (`spam-score`; also when it marks it spam), and whether it marks it spam.
        public func verdict(_ value: Double) -> (holds: Bool, spam: Bool) {
            guard enabled else { return (false, false) }
            let spam = spamAt.map { value >= $0 } ?? false
            return (spam || holdAt.map { value >= $0 } == true, spam)
        }

        /// ``verdict(_:)`` written into `signals`: marked spam, and the `spam-score` reason when it holds.
        public func judge(_ value: Double, into signals: inout SpamSignals) {
            let verdict = verdict(value)
            signals.isSpam = verdict.spam
            if verdict.holds { signals.reasons.append(SpamSignals.spamScore) }
        }

        /// A threshold as written: a number from 0 to 1, or `off`.
        public static func threshold(_ text: String) -> Double? {
            Double(text.trimmingCharacters(in: .whitespaces)).flatMap { (0...1).contains($0) ? $0 : nil }
        }
    }

    /// `spam.copy_detection.*`.
    public struct CopyDetection: Sendable, Equatable {
        public var enabled = true
        /// The share of the post's text a source must reproduce to be its copy, and how alike two
        /// sources' texts must be to be copies of one text.
        public var threshold = 0.5
        /// Texts shorter than this (in words) are never judged copies: short replies look alike.
        public var minWords = 40
        /// Domains sending one text within the window that make a farm; the later ones are held.
        public var clusterSize = 3
        public var clusterWindowHours = 24.0

        public init(enabled: Bool = true, threshold: Double = 0.5, minWords: Int = 40, clusterSize: Int = 3, clusterWindowHours: Double = 24) {
            self.enabled = enabled
            self.threshold = threshold
            self.minWords = minWords
            self.clusterSize = clusterSize
            self.clusterWindowHours = clusterWindowHours
        }
    }

    public struct Logging: Sendable {
        public var level: Logger.Level
        /// A file path, or `syslog`.
        public var fail2banLog: String
        public var syslogFacility: SyslogFacility
    }

    /// The Prometheus endpoint.
    public struct Metrics: Sendable {
        public var enabled: Bool
        /// A listener of its own (`host:port`), so `/metrics` need not share the public one;
        /// `nil`: served at `/metrics` on `server.host:server.port`.
        public var address: HostPort?
    }

    public struct Admin: Sendable {
        /// Empty means the HTTP admin API is off.
        public var token: String
    }

    /// The public read API.
    public struct API: Sendable {
        /// A read token and the sites whose approved mentions it may list.
        public struct Token: Sendable {
            public var token: String
            public var sites: [HostPort]
            /// Private Webmentions are listed too (`private: true`).
            public var includesPrivate: Bool

            public init(token: String, sites: [HostPort], includesPrivate: Bool = false) {
                self.token = token
                self.sites = sites
                self.includesPrivate = includesPrivate
            }
        }

        public var tokens: [Token]
        /// `Cache-Control: max-age` of read API answers, in seconds.
        public var maxAge: Int
        /// Targets one request may name (`target[]`).
        public var maxTargets: Int = 100
        /// The largest `per-page` of a request without a read token (token holders: 10,000).
        public var maxPerPage: Int = 100
        /// Reads a minute one address may make without a read token (0: no limit).
        public var readsPerMinute: Int = 300
    }

    /// A URL told about approved, updated and deleted mentions.
    public struct Webhook: Sendable, Equatable {
        public var url: String
        /// The HMAC key of `X-Linkback-Signature` (and the `secret` field of the body, as
        /// webmention.io sends it).
        public var secret: String
        public var events: Set<WebhookEvent>

        public init(url: String, secret: String, events: Set<WebhookEvent> = WebhookEvent.visibility) {
            self.url = url
            self.secret = secret
            self.events = events
        }
    }

    /// How webhooks are delivered.
    public struct WebhookDelivery: Sendable {
        public var timeoutSeconds: Double
        /// First retry delay; each further retry waits twice as long, up to `maxRetrySeconds`.
        public var retryBaseSeconds: Double
        public var maxRetrySeconds: Double
        /// A delivery still failing this long after its change is given up.
        public var giveUpHours: Double
    }

    public var server: Server
    public var database: Database
    /// Hosts (optionally with port) whose URLs may be mention targets.
    public var sites: [HostPort]
    public var moderation: Moderation
    public var vouch: Vouch
    public var send: Send
    public var fetch: Fetch
    public var verification: Verification
    public var webmention: Webmention
    public var pingback: Pingback
    public var spam: Spam
    /// The `spam.blocklists` records, checked by the loader.
    private static func blocklists(_ value: ConfigValue?) -> [Blocklist] {
        guard case .records(let records)? = value else { return [] }
        return records.compactMap { record in
            guard case .string(let text)? = record["url"], let url = URL(string: text) else { return nil }
            var list = Blocklist(url: url)
            if case .string(let format)? = record["format"] { list.format = BlocklistFormat(rawValue: format) ?? .domains }
            if case .string(let hours)? = record["refresh_hours"], let value = Double(hours) { list.refreshHours = value }
            return list
        }
    }

    /// `policy.rules` and `policy.traps`.
    public var policy: MentionPolicy
    public var logging: Logging
    public var admin: Admin
    public var metrics: Metrics
    public var api: API
    public var webhooks: [Webhook]
    public var webhookDelivery: WebhookDelivery
    /// Mail and push messages to the owner; retried like webhooks (`webhook_delivery`).
    public var notifications: Notifications
    /// What is stored of a mention, and for how long.
    public var storage: Storage
    /// Author photos served from here.
    public var avatars: Avatars

    /// Every key's effective value, keyed by dotted name.
    public let values: [String: ConfigValue]

    /// The configuration with every key at its default.
    public static var defaults: Config {
        Config(values: Dictionary(uniqueKeysWithValues: ConfigKey.all.map { ($0.name, $0.defaultValue) }))
    }

    /// Builds the typed view; `values` must hold a valid value for every key in ``ConfigKey/all``.
    package init(values: [String: ConfigValue]) {
        self.values = values
        func string(_ key: String) -> String {
            guard case .string(let value) = values[key] else { preconditionFailure("\(key) is not a string") }
            return value
        }
        func int(_ key: String) -> Int {
            guard case .int(let value) = values[key] else { preconditionFailure("\(key) is not an integer") }
            return value
        }
        func double(_ key: String) -> Double {
            guard case .double(let value) = values[key] else { preconditionFailure("\(key) is not a number") }
            return value
        }
        func bool(_ key: String) -> Bool {
            guard case .bool(let value) = values[key] else { preconditionFailure("\(key) is not a boolean") }
            return value
        }
        func strings(_ key: String) -> [String] {
            guard case .strings(let value) = values[key] else { preconditionFailure("\(key) is not a list") }
            return value
        }
        server = Server(
            host: string("server.host"),
            port: int("server.port"),
            baseURL: string("server.base_url"),
            trustedProxies: strings("server.trusted_proxies").compactMap(CIDR.init),
            forwardedHeader: ForwardedHeader(rawValue: string("server.forwarded_header")) ?? .xForwardedFor,
            publicDirectory: string("server.public_dir"),
            bodyTimeoutSeconds: double("server.body_timeout_seconds"),
            idleTimeoutSeconds: double("server.idle_timeout_seconds"),
            maxConnections: int("server.max_connections"),
            maxInFlight: int("server.max_in_flight")
        )
        database = Database(
            path: string("database.path"), url: string("database.url"), passwordFile: string("database.password_file"),
            password: string("database.password"),
            sqliteSynchronous: SQLiteSynchronous(rawValue: string("database.sqlite_synchronous")) ?? .full)
        sites = strings("sites").compactMap(HostPort.init)
        moderation = Moderation(
            autoApprove: bool("moderation.auto_approve"),
            allowDomains: strings("moderation.allow_domains").compactMap(HostName.normalized),
            remoderateUpdates: bool("moderation.remoderate_updates")
        )
        vouch = Vouch(
            mode: VouchMode(rawValue: string("vouch.mode")) ?? .off,
            knownDomains: strings("vouch.known_domains").compactMap(HostName.normalized),
            pingbackUnknown: VouchPingbackPolicy(rawValue: string("vouch.pingback_unknown")) ?? .moderate)
        send = Send(
            maxAttempts: int("send.max_attempts"), retryBaseSeconds: double("send.retry_base_seconds"),
            perHostPerMinute: int("send.per_host_per_minute"))
        fetch = Fetch(
            timeoutSeconds: double("fetch.timeout_seconds"),
            maxBytes: int("fetch.max_bytes"),
            maxRedirects: int("fetch.max_redirects"),
            allowHosts: strings("fetch.allow_hosts").compactMap(HostPort.init)
        )
        verification = Verification(
            lenientMatch: bool("verification.lenient_match"),
            maxContentLength: int("verification.max_content_length"),
            checkTargetExists: bool("verification.check_target_exists"),
            targetCheckTimeoutSeconds: double("verification.target_check_timeout_seconds"),
            concurrency: int("verification.concurrency"),
            maxAttempts: int("verification.max_attempts"),
            retryBaseSeconds: double("verification.retry_base_seconds"),
            extractionBudget: int("verification.extraction_budget"),
            parseThreads: int("verification.parse_threads"),
            recheckDays: double("verification.recheck_days"),
            maxPendingBytes: int("verification.max_pending_bytes"),
            shutdownGraceSeconds: double("verification.shutdown_grace_seconds"),
            claimLeaseSeconds: double("verification.claim_lease_seconds")
        )
        webmention = Webmention(
            maxBodyBytes: int("webmention.max_body_bytes"), maxConcurrentChecks: int("webmention.max_concurrent_checks"),
            checkTimeoutSeconds: double("webmention.check_timeout_seconds"))
        pingback = Pingback(
            enabled: bool("pingback.enabled"),
            collapseFaults: bool("pingback.collapse_faults"),
            maxBodyBytes: int("pingback.max_body_bytes"),
            verifyTimeoutSeconds: double("pingback.verify_timeout_seconds"),
            maxConcurrentVerifications: int("pingback.max_concurrent_verifications")
        )
        spam = Spam(
            blockUserAgents: strings("spam.block_user_agents"),
            blockDomains: strings("spam.block_domains").compactMap(HostName.normalized),
            blockIPs: strings("spam.block_ips").compactMap(CIDR.init),
            rateLimitPerMinute: int("spam.rate_limit_per_minute"),
            rateLimitBurst: int("spam.rate_limit_burst"),
            pairIntervalSeconds: double("spam.pair_interval_seconds"),
            fetchesPerSourceHostPerMinute: int("spam.fetches_per_source_host_per_minute"),
            banAfterRejections: int("spam.ban_after_rejections"),
            banWindowMinutes: double("spam.ban_window_minutes"),
            banMinutes: double("spam.ban_minutes"),
            ipv6Prefix: int("spam.ipv6_prefix"),
            copyDetection: CopyDetection(
                enabled: bool("spam.copy_detection.enabled"), threshold: double("spam.copy_detection.threshold"),
                minWords: int("spam.copy_detection.min_words"), clusterSize: int("spam.copy_detection.cluster_size"),
                clusterWindowHours: double("spam.copy_detection.cluster_window_hours")),
            score: Score(
                enabled: bool("spam.score.enabled"), holdAt: Score.threshold(string("spam.score.hold_at")),
                spamAt: Score.threshold(string("spam.score.spam_at"))),
            blocklists: Self.blocklists(values["spam.blocklists"]),
            publishBlocklist: bool("spam.publish_blocklist")
        )
        logging = Logging(
            level: Logger.Level(rawValue: string("logging.level")) ?? .info,
            fail2banLog: string("logging.fail2ban_log"),
            syslogFacility: SyslogFacility(rawValue: string("logging.syslog_facility")) ?? .authpriv
        )
        admin = Admin(token: string("admin.token"))
        metrics = Metrics(
            enabled: bool("metrics.enabled"), address: string("metrics.address").isEmpty ? nil : HostPort(string("metrics.address")))
        verification.canonicalTargets = bool("verification.canonical_targets")
        if case .records(let aliasRecords) = values["verification.target_aliases"] {
            verification.targetAliases = TargetAliases(aliasRecords.compactMap { record in
                guard case .string(let from)? = record["from"], case .string(let to)? = record["to"] else { return nil }
                return TargetAliases.Alias(from: from, to: to)
            })
        }
        guard case .records(let tokenRecords) = values["api.tokens"] else { preconditionFailure("api.tokens is not a list") }
        api = API(
            tokens: tokenRecords.compactMap { record in
                guard case .string(let token)? = record["token"], case .strings(let sites)? = record["sites"] else {
                    return nil
                }
                var includesPrivate = false
                if case .string(let flag)? = record["private"] { includesPrivate = ConfigKey.flag(flag) ?? false }
                return API.Token(token: token, sites: sites.compactMap(HostPort.init), includesPrivate: includesPrivate)
            },
            maxAge: int("api.max_age"), maxTargets: int("api.max_targets"), maxPerPage: int("api.max_per_page"),
            readsPerMinute: int("api.reads_per_minute"))
        guard case .records(let ruleRecords) = values["policy.rules"] else { preconditionFailure("policy.rules is not a list") }
        policy = MentionPolicy(
            rules: ruleRecords.compactMap { record in
                guard case .string(let name)? = record["action"], let action = PolicyAction(rawValue: name) else { return nil }
                var rule = PolicyRule(action: action)
                if case .string(let site)? = record["site"] { rule.site = HostName.normalized(site) }
                if case .string(let target)? = record["target"] { rule.target = TargetPattern(target) }
                if case .strings(let types)? = record["types"], !types.isEmpty { rule.types = Set(types.compactMap(MentionType.init)) }
                return rule
            },
            traps: strings("policy.traps").compactMap(TargetPattern.init))
        guard case .records(let hookRecords) = values["webhooks"] else { preconditionFailure("webhooks is not a list") }
        webhooks = hookRecords.compactMap { record in
            guard case .string(let url)? = record["url"], case .string(let secret)? = record["secret"] else { return nil }
            var events = WebhookEvent.visibility
            if case .strings(let names)? = record["events"], !names.isEmpty {
                events = Set(names.compactMap(WebhookEvent.init(rawValue:)))
            }
            return Webhook(url: url, secret: secret, events: events)
        }
        webhookDelivery = WebhookDelivery(
            timeoutSeconds: double("webhook_delivery.timeout_seconds"),
            retryBaseSeconds: double("webhook_delivery.retry_base_seconds"),
            maxRetrySeconds: double("webhook_delivery.max_retry_seconds"),
            giveUpHours: double("webhook_delivery.give_up_hours"))
        notifications = Notifications(values: values)
        storage = Storage(values: values)
        avatars = Avatars(values: values)
    }

    /// `key: value` lines of the effective configuration, secrets masked, in ``ConfigKey/all`` order.
    public func describe() -> String {
        ConfigKey.all.map { key in
            let value = values[key.name] ?? key.defaultValue
            if key.isSecret, case .string(let secret) = value, !secret.isEmpty {
                return "\(key.name): ********"
            }
            if case .string(let text) = value, text.contains("://") {
                // A password inside a URL (database.url) is as secret as a secret key.
                return "\(key.name): \(PostgresLocation.redacted(text))"
            }
            if case .records(let fields) = key.kind, case .records(let records) = value {
                let masked = records.map { record in
                    record.reduce(into: [String: ConfigValue]()) { result, entry in
                        let secret = fields.contains { $0.name == entry.key && $0.isSecret }
                        result[entry.key] = secret ? .string("********") : entry.value
                    }
                }
                return "\(key.name): \(ConfigValue.records(masked))"
            }
            return "\(key.name): \(value)"
        }.joined(separator: "\n")
    }
}

/// Names of swift-log levels accepted by `logging.level`.
package enum LogLevelName {
    package static let all = Logger.Level.allCases.map(\.rawValue)
}

extension Config.WebhookDelivery {
    /// What a failed attempt comes to, for webhooks and notifications alike: another try after
    /// base × 2^attempts (capped), unless that falls later than `give_up_hours` after `created`.
    public func outcome(afterFailure error: String, attempts: Int, created: Date, now: Date) -> DeliveryOutcome {
        let next = now.addingTimeInterval(Backoff.delay(base: retryBaseSeconds, attempts: attempts, cap: maxRetrySeconds))
        if next.timeIntervalSince(created) > giveUpHours * 3600 { return .gaveUp(error: error) }
        return .retry(error: error, nextAttempt: next)
    }
}

import Foundation

/// Why a request was refused by the spam rules.
public struct SpamRefusal: Sendable, Equatable {
    public var reason: RejectionReason
    public var message: String
    /// Seconds to wait, for rate limits and bans.
    public var retryAfter: Int?
}

/// The cheap spam rules, applied before any parsing or fetching where possible: blocked
/// addresses, bans, blocked user agents and rate limits at the door; blocked sources and the
/// per-pair interval once the URLs are known; and a cap on fetches per source host.
///
/// Blocks come from the configuration and from the store's `blocks` table (which the CLI edits);
/// ``reloadBlocks(_:)`` replaces the table's part.
public final class SpamGuard: Sendable {
    package struct BlockSnapshot {
        package var domains: [String] = []
        package var urlPrefixes: [String] = []
        package var ranges: [CIDR] = []
    }

    private let configuredBlocks: Locked<BlockSnapshot>
    package var configured: BlockSnapshot { configuredBlocks.withLock { $0 } }
    private let stored = Locked(BlockSnapshot())
    private let subscribed = Locked(SubscribedBlocklists())
    /// The subscribed lists' entries (`spam.blocklists`), as last loaded.
    public var subscribedBlocklists: SubscribedBlocklists { subscribed.withLock { $0 } }
    /// The domains of the store's blocks: this instance's own verdicts (`/api/blocklist.txt`).
    public var storedDomains: [String] { stored.withLock { $0.domains } }
    private let userAgentPatterns: Locked<[UserAgentPattern]>
    package var userAgents: [UserAgentPattern] { userAgentPatterns.withLock { $0 } }
    package let perClient: TokenBuckets<IPAddress>
    /// `spam.ipv6_prefix`: how IPv6 clients are counted (see ``IPAddress/client(ipv6Prefix:)``).
    public let ipv6Prefix: Int
    /// `spam.pair_interval_seconds`: the store enforces it (see ``IncomingMention/pairInterval``),
    /// so it holds across every instance sharing the database.
    public let pairInterval: TimeInterval
    package let perSourceHost: TokenBuckets<String>
    public let bans: BanList
    /// Who the owner asked to forget (`linkback forget`), refreshed from the store: their
    /// re-sends are refused.
    public let forgotten = ForgottenList()
    /// The time rate limits, bans and fetch allowances are reckoned by.
    public let clock: any WallClock

    public init(config: Config.Spam, clock: any WallClock = SystemClock()) {
        self.clock = clock
        configuredBlocks = Locked(BlockSnapshot(domains: config.blockDomains, urlPrefixes: [], ranges: config.blockIPs))
        userAgentPatterns = Locked(config.blockUserAgents.compactMap(UserAgentPattern.init))
        perClient = TokenBuckets(ratePerMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst)
        pairInterval = config.pairIntervalSeconds
        perSourceHost = TokenBuckets(
            ratePerMinute: config.fetchesPerSourceHostPerMinute, burst: config.fetchesPerSourceHostPerMinute)
        ipv6Prefix = config.ipv6Prefix
        bans = BanList(
            threshold: config.banAfterRejections, windowMinutes: config.banWindowMinutes, banMinutes: config.banMinutes,
            ipv6Prefix: config.ipv6Prefix)
    }

    /// Replaces the configuration's blocks (`spam.block_domains`, `block_ips`,
    /// `block_user_agents`): a configuration reload.
    public func reloadConfigured(_ config: Config.Spam) {
        configuredBlocks.withLock { $0 = BlockSnapshot(domains: config.blockDomains, urlPrefixes: [], ranges: config.blockIPs) }
        userAgentPatterns.withLock { $0 = config.blockUserAgents.compactMap(UserAgentPattern.init) }
        userAgentVerdicts.withLock { $0.removeAll() }
    }

    /// Replaces the blocks that came from the store.
    public func reloadBlocks(_ blocks: [Block]) {
        var snapshot = BlockSnapshot()
        for block in blocks {
            switch block.kind {
            case .domain: snapshot.domains.append(block.value)
            case .url: snapshot.urlPrefixes.append(Self.prefixForm(block.value))
            case .ip: if let range = CIDR(block.value) { snapshot.ranges.append(range) }
            }
        }
        stored.withLock { $0 = snapshot }
    }

    /// Replaces the subscribed lists' entries (their last good copies in the store).
    public func reloadSubscribed(_ lists: SubscribedBlocklists) {
        subscribed.withLock { $0 = lists }
    }

    /// The door: blocked address, ban, blocked user agent, then the per-client rate limit.
    public func admit(_ address: IPAddress?, userAgent: String?, now: Date? = nil) -> SpamRefusal? {
        let now = now ?? clock.now()
        if let address = address?.unmapped {
            let blocked = configured.ranges.contains { $0.contains(address) }
                || stored.withLock { $0.ranges.contains { $0.contains(address) } }
            if blocked { return SpamRefusal(reason: .blockedIP, message: "requests from \(address) are not accepted") }
            if let until = bans.bannedUntil(address, at: now) {
                return SpamRefusal(
                    reason: .banned, message: "too many rejected requests; banned for now",
                    retryAfter: max(1, Int(until.timeIntervalSince(now).rounded(.up))))
            }
        }
        if let userAgent, blocksUserAgent(userAgent) {
            return SpamRefusal(reason: .blockedUserAgent, message: "this client is not accepted")
        }
        if let address, let wait = perClient.take(address.client(ipv6Prefix: ipv6Prefix), now: now) {
            return SpamRefusal(reason: .rateLimited, message: "too many requests; slow down", retryAfter: wait)
        }
        return nil
    }

    /// Whether a `spam.block_user_agents` pattern matches. Bots send the same few user agents
    /// over and over, so verdicts are remembered (up to ``userAgentMemoSize`` of them) instead of
    /// running every pattern on every request.
    package func blocksUserAgent(_ userAgent: String) -> Bool {
        guard !userAgents.isEmpty else { return false }
        if let known = userAgentVerdicts.withLock({ $0[userAgent] }) { return known }
        let blocked = userAgents.contains { $0.matches(userAgent) }
        userAgentVerdicts.withLock { verdicts in
            if verdicts.count >= Self.userAgentMemoSize { verdicts.removeAll(keepingCapacity: true) }
            verdicts[userAgent] = blocked
        }
        return blocked
    }

    package static let userAgentMemoSize = 1024
    private let userAgentVerdicts = Locked<[String: Bool]>([:])

    /// Whether `source` is blocked by domain (subdomains included) or URL prefix.
    public func blockedSource(_ source: URL) -> String? {
        guard let host = source.host.flatMap(HostName.normalized) else { return nil }
        let text = Self.prefixForm(source.absoluteString)
        let snapshot = stored.withLock { $0 }
        for domain in configured.domains + snapshot.domains where HostName.host(host, isWithin: domain) {
            return domain
        }
        for prefix in snapshot.urlPrefixes where text.hasPrefix(prefix) {
            return prefix
        }
        if let match = subscribedBlocklists.match(source) { return match.value }
        return nil
    }

    /// A URL as URL-prefix blocks compare it: canonical already, with `%2F` read as `/` and runs of
    /// slashes in the path as one, so `https://spam.example//x` and `…/x%2Fy` cannot slip past a
    /// block on `https://spam.example/x/` (review F20). Only for comparing: what is stored and
    /// fetched keeps its own spelling.
    package static func prefixForm(_ url: String) -> String {
        // On bytes (every webmention's source passes here; Foundation's replacingOccurrences was
        // 4 % of an accept): `%2F` and `/` are ASCII, so no multi-byte character is split.
        let bytes = Array(url.utf8)
        guard let colon = bytes.indices.dropLast(2).first(where: { bytes[$0] == UInt8(ascii: ":") && bytes[$0 + 1] == UInt8(ascii: "/") && bytes[$0 + 2] == UInt8(ascii: "/") })
        else { return url }
        let authorityEnd = bytes[(colon + 3)...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
        var result = Array(bytes[..<authorityEnd])
        result.reserveCapacity(bytes.count)
        var index = authorityEnd
        var afterSlash = false
        while index < bytes.count {
            var byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "%"), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "2"),
                bytes[index + 1] | 0x20 == UInt8(ascii: "f")
            {
                byte = UInt8(ascii: "/")
                index += 2
            }
            if byte == UInt8(ascii: "/") {
                if afterSlash { continue }
                afterSlash = true
            } else {
                afterSlash = false
            }
            result.append(byte)
        }
        return result.count == bytes.count ? url : String(decoding: result, as: UTF8.self)
    }

    /// Takes one fetch from `host`'s per-minute allowance; `false` when it is used up.
    public func allowFetch(host: String, now: Date? = nil) -> Bool {
        perSourceHost.take(host.lowercased(), now: now ?? clock.now()) == nil
    }

    /// The per-source-host cap as a fetch hop check (``GuardedFetcher/beforeEachHop``): every
    /// hop of a redirect chain counts against its own host, so redirects cannot dodge the cap and
    /// Linkback cannot be used to flood a site (pingback reflection).
    public var fetchAllowance: @Sendable (URL) -> FetchFailure? {
        { [self] url in
            guard let host = HostPort(endpointOf: url)?.host, !allowFetch(host: host) else { return nil }
            return .hostRateLimited(host)
        }
    }
}

/// A compiled `spam.block_user_agents` pattern (NSRegularExpression matching is thread-safe).
package struct UserAgentPattern: @unchecked Sendable {
    package let expression: NSRegularExpression

    package init?(_ pattern: String) {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return nil }
        self.expression = expression
    }

    package func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

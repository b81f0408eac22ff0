import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackKit

@Suite struct SpamRulesTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    @Test func tokenBucketAllowsTheBurstThenTheRate() {
        let buckets = TokenBuckets<String>(ratePerMinute: 60, burst: 3)
        #expect((0..<3).map { _ in buckets.take("a", now: t0) } == [nil, nil, nil])
        #expect(buckets.take("a", now: t0) == 1)
        #expect(buckets.take("b", now: t0) == nil)
        #expect(buckets.take("a", now: t0.addingTimeInterval(0.5)) == 1)
        #expect(buckets.take("a", now: t0.addingTimeInterval(1)) == nil)
        #expect(TokenBuckets<String>(ratePerMinute: 0, burst: 1).take("a", now: t0) == nil)
    }

    /// Bans started here are handed to the store once; bans from elsewhere are refused here too.
    @Test func bansAreHandedOverAndAdopted() {
        let bans = BanList(threshold: 2, windowMinutes: 1, banMinutes: 10)
        let ip = IPAddress("192.0.2.1")!
        bans.noteRejection(ip, at: t0)
        #expect(bans.takeStarted().isEmpty)
        #expect(bans.noteRejection(ip, at: t0.addingTimeInterval(1)))
        #expect(bans.takeStarted() == [Ban(address: "192.0.2.1", until: t0.addingTimeInterval(601))])
        #expect(bans.takeStarted().isEmpty)
        let other = IPAddress("2001:db8::7")!
        bans.adopt([Ban(address: "2001:db8::7", until: t0.addingTimeInterval(300)), Ban(address: "not an address", until: t0)])
        #expect(bans.bannedUntil(other, at: t0) == t0.addingTimeInterval(300))
        #expect(bans.bannedUntil(other, at: t0.addingTimeInterval(301)) == nil)
        // An earlier end from elsewhere does not shorten a ban running here.
        bans.adopt([Ban(address: "192.0.2.1", until: t0.addingTimeInterval(5))])
        #expect(bans.bannedUntil(ip, at: t0.addingTimeInterval(100)) == t0.addingTimeInterval(601))
        #expect(BanList(threshold: 0, windowMinutes: 1, banMinutes: 1).takeStarted().isEmpty)
    }

    @Test func banAfterThresholdWithinTheWindow() {
        let bans = BanList(threshold: 3, windowMinutes: 1, banMinutes: 10)
        let ip = IPAddress("192.0.2.1")!
        bans.noteRejection(ip, at: t0)
        bans.noteRejection(ip, at: t0.addingTimeInterval(10))
        #expect(bans.bannedUntil(ip, at: t0.addingTimeInterval(11)) == nil)
        // The first rejection has left the window: still two.
        bans.noteRejection(ip, at: t0.addingTimeInterval(61))
        #expect(bans.bannedUntil(ip, at: t0.addingTimeInterval(61)) == nil)
        #expect(bans.noteRejection(ip, at: t0.addingTimeInterval(62)))
        #expect(bans.bannedUntil(ip, at: t0.addingTimeInterval(63)) == t0.addingTimeInterval(662))
        #expect(bans.bannedUntil(ip, at: t0.addingTimeInterval(662)) == nil)
        #expect(BanList(threshold: 0, windowMinutes: 1, banMinutes: 1).noteRejection(ip, at: t0) == false)
    }

    @Test func doorOrderAndSourceBlocks() throws {
        var config = Config.defaults
        config.spam.blockIPs = [CIDR("198.51.100.0/24")!]
        config.spam.blockDomains = ["spam.example"]
        config.spam.rateLimitPerMinute = 1
        config.spam.rateLimitBurst = 1
        let guard_ = SpamGuard(config: config.spam)
        guard_.reloadBlocks([
            Block(id: 1, kind: .url, value: "https://ok.example/bad/", reason: nil, created: t0),
            Block(id: 2, kind: .ip, value: "203.0.113.0/24", reason: nil, created: t0),
        ])
        #expect(guard_.admit(IPAddress("198.51.100.7"), userAgent: nil, now: t0)?.reason == .blockedIP)
        #expect(guard_.admit(IPAddress("::ffff:203.0.113.9"), userAgent: nil, now: t0)?.reason == .blockedIP)
        #expect(guard_.admit(IPAddress("192.0.2.1"), userAgent: "PHP/5.2.10", now: t0)?.reason == .blockedUserAgent)
        #expect(guard_.admit(IPAddress("192.0.2.1"), userAgent: "PHP/5.2.10x", now: t0) == nil)
        #expect(guard_.admit(IPAddress("192.0.2.1"), userAgent: nil, now: t0)?.reason == .rateLimited)
        // Remembered verdicts stay right, also once the memo fills and starts again.
        for index in 0..<(SpamGuard.userAgentMemoSize + 10) {
            #expect(guard_.blocksUserAgent("agent \(index)") == false)
            if index % 100 == 0 { #expect(guard_.blocksUserAgent("PHP/5.2.10") == true) }
        }
        #expect(guard_.blocksUserAgent("PHP/5.2.10") == true)
        #expect(guard_.blocksUserAgent("PHP/5.2.10x") == false)
        #expect(guard_.blockedSource(URL(string: "https://www.spam.example/x")!) == "spam.example")
        #expect(guard_.blockedSource(URL(string: "https://notspam.example/x")!) == nil)
        #expect(guard_.blockedSource(URL(string: "https://ok.example/bad/page")!) == "https://ok.example/bad/")
        #expect(guard_.blockedSource(URL(string: "https://ok.example/good")!) == nil)
    }

    /// Review F21: one IPv6 /64 (one subscriber) is one client for rate limits and bans.
    @Test func anIPv6ClientIsItsSlash64() {
        #expect(IPAddress("2001:db8:1:2:aaaa::1")!.client(ipv6Prefix: 64) == IPAddress("2001:db8:1:2::"))
        #expect(IPAddress("2001:db8:1:2:aaaa::1")!.client(ipv6Prefix: 48) == IPAddress("2001:db8:1::"))
        #expect(IPAddress("2001:db8:1:2:aaaa::1")!.client(ipv6Prefix: 128) == IPAddress("2001:db8:1:2:aaaa::1"))
        #expect(IPAddress("2001:db8:1:2:aaaa::1")!.client(ipv6Prefix: 96) == IPAddress("2001:db8:1:2:aaaa::"))
        #expect(IPAddress("::ffff:192.0.2.1")!.client(ipv6Prefix: 64) == IPAddress("192.0.2.1"))
        var config = Config.defaults.spam
        config.rateLimitPerMinute = 60
        config.rateLimitBurst = 3
        config.banAfterRejections = 3
        let spam = SpamGuard(config: config)
        let now = Date()
        let admitted = (1...10).filter { spam.admit(IPAddress("2001:db8:1:2::\($0)"), userAgent: nil, now: now) == nil }
        #expect(admitted.count == 3)
        #expect(spam.admit(IPAddress("2001:db8:1:3::1"), userAgent: nil, now: now) == nil)  // the next /64
        for index in 1...3 { spam.bans.noteRejection(IPAddress("2001:db8:9:9::\(index)")!, at: now) }
        #expect(spam.bans.bannedUntil(IPAddress("2001:db8:9:9:ffff::1")!, at: now) != nil)
        #expect(spam.bans.bannedUntil(IPAddress("2001:db8:9:a::1")!, at: now) == nil)
    }

    @Test func clientAddressTrustsOnlyConfiguredProxies() {
        let proxies = [CIDR("127.0.0.1")!, CIDR("10.0.0.0/8")!]
        let peer = IPAddress("127.0.0.1")
        func xff(_ values: [String], peer: IPAddress? = peer) -> IPAddress? {
            ClientAddress.resolve(peer: peer, header: .xForwardedFor, values: values, trustedProxies: proxies)
        }
        #expect(xff(["203.0.113.1"], peer: IPAddress("192.0.2.5")) == IPAddress("192.0.2.5"))
        #expect(xff(["203.0.113.1, 198.51.100.2, 10.1.1.1"]) == IPAddress("198.51.100.2"))
        #expect(xff(["203.0.113.1", "198.51.100.2"]) == IPAddress("198.51.100.2"))
        #expect(xff(["garbage"]) == peer)
        #expect(xff([]) == peer)
        #expect(xff(["10.1.1.1, 127.0.0.1"]) == IPAddress("10.1.1.1"))
        #expect(xff(["203.0.113.1"], peer: IPAddress("::ffff:127.0.0.1")) == IPAddress("203.0.113.1"))
        let forwarded = ClientAddress.resolve(
            peer: peer, header: .forwarded, values: [#"for=192.0.2.60;proto=http, for="[2001:db8::1]:443""#],
            trustedProxies: proxies)
        #expect(forwarded == IPAddress("2001:db8::1"))
    }

    /// Review F4: garbage a client puts in X-Forwarded-For stands left of what the proxy appended
    /// and must not make the proxy the client; the proxy's element may be written in any usual form.
    @Test func garbageLeftOfTheProxysElementDoesNotMatter() {
        let proxies = [CIDR("127.0.0.1")!, CIDR("10.0.0.0/8")!]
        let peer = IPAddress("127.0.0.1")
        func xff(_ value: String) -> IPAddress? {
            ClientAddress.resolve(peer: peer, header: .xForwardedFor, values: [value], trustedProxies: proxies)
        }
        for garbage in ["x", "unknown", "", "0300.0.2.1", "[2001:db8::1", "203.0.113.1:http", "<script>", "1.2.3.4.5"] {
            #expect(xff("\(garbage), 203.0.113.7") == IPAddress("203.0.113.7"), "\(garbage)")
            #expect(xff("\(garbage), 203.0.113.7, 10.0.0.2") == IPAddress("203.0.113.7"), "\(garbage) behind two proxies")
        }
        #expect(xff("x, [2001:db8::1]") == IPAddress("2001:db8::1"))
        #expect(xff("x, [2001:db8::1]:443") == IPAddress("2001:db8::1"))
        #expect(xff("x, 203.0.113.7:8080") == IPAddress("203.0.113.7"))
        #expect(xff("x, fe80::1%eth0") == IPAddress("fe80::1"))
        #expect(xff("x, ::ffff:203.0.113.7") == IPAddress("203.0.113.7"))
        // Octal is no address: the walk ends at the proxy, never at a spelling that means another host.
        #expect(xff("203.0.113.7, 0300.0.2.1") == peer)
        #expect(xff("203.0.113.7, 10.0.0.2, x") == peer)
        #expect(xff("203.0.113.7, x, 10.0.0.2") == IPAddress("10.0.0.2"))
    }

    /// The review's attack: a trusted proxy appends the real client to X-Forwarded-For and
    /// passes the client's own `Forwarded` header through. Only the configured header counts.
    @Test func aClientCannotChooseItsAddressWithTheOtherHeader() {
        let proxies = [CIDR("127.0.0.5")!]
        let peer = IPAddress("127.0.0.5")
        // What the proxy set: the client really is 203.0.113.9.
        #expect(
            ClientAddress.resolve(peer: peer, header: .xForwardedFor, values: ["203.0.113.9"], trustedProxies: proxies)
                == IPAddress("203.0.113.9"))
        // The client's own spelling in a header the proxy set in front of it: the right-most wins.
        #expect(
            ClientAddress.resolve(
                peer: peer, header: .xForwardedFor, values: ["198.51.100.7, 203.0.113.9"], trustedProxies: proxies)
                == IPAddress("203.0.113.9"))
        // A `Forwarded` proxy: X-Forwarded-For from the client is not even read.
        #expect(
            ClientAddress.resolve(
                peer: peer, header: .forwarded, values: ["for=198.51.100.7, for=203.0.113.9"], trustedProxies: proxies)
                == IPAddress("203.0.113.9"))
        // A list with one element that is no address cannot be trusted: the peer is logged.
        #expect(
            ClientAddress.resolve(
                peer: peer, header: .forwarded, values: ["for=203.0.113.9, by=x"], trustedProxies: proxies) == peer)
        #expect(
            ClientAddress.resolve(
                peer: peer, header: .xForwardedFor, values: ["203.0.113.9, not-an-ip"], trustedProxies: proxies) == peer)
    }
}

extension SpamRulesTests {
    /// The built-in ban on the clock the server gives the spam guard and the recorder: three
    /// rejections within the window ban the address at the door, for `ban_minutes` and not a
    /// second more; the log line carries the clock's time.
    @Test func aBanRunsOnTheInjectedClock() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock()
        var config = Config.defaults.spam
        config.banAfterRejections = 3
        config.banWindowMinutes = 1
        config.banMinutes = 10
        config.rateLimitPerMinute = 0
        let spam = SpamGuard(config: config, clock: clock)
        let log = try RejectionLog(destination: directory.file("f.log"))
        let recorder = RejectionRecorder(log: log, bans: spam.bans, clock: clock)
        let ip = try #require(IPAddress("203.0.113.9"))
        for _ in 0..<3 {
            #expect(spam.admit(ip, userAgent: "x") == nil)
            recorder.record(Rejection(protocol: .webmention, clientIP: ip, reason: .noLink))
            clock.advance(by: 5)
        }
        #expect(spam.admit(ip, userAgent: "x")?.reason == .banned)
        // Banned at the third rejection (10 s in) for ten minutes: until 610 s in.
        clock.advance(by: 609 - 15)
        #expect(spam.admit(ip, userAgent: "x")?.reason == .banned, "a second before the ban ends")
        clock.advance(by: 1)
        #expect(spam.admit(ip, userAgent: "x") == nil)
        let line = try String(contentsOfFile: directory.file("f.log"), encoding: .utf8)
        #expect(line.hasPrefix(ManualClock().now().iso8601), "\(line)")
        #expect(recorder.lastDay().byReason["no-link"] == 3)
    }

    /// URL-prefix blocks compare a byte reading of the URL; the definition (review F20) is `%2F`
    /// read as `/`, then runs of slashes after the authority as one.
    @Test func prefixFormAgreesWithTheDefinition() {
        func definition(_ url: String) -> String {
            guard let scheme = url.range(of: "://") else { return url }
            let authorityEnd = url[scheme.upperBound...].firstIndex(of: "/") ?? url.endIndex
            var path = url[authorityEnd...].replacingOccurrences(of: "%2F", with: "/", options: .caseInsensitive)
            while path.contains("//") { path = path.replacingOccurrences(of: "//", with: "/") }
            return String(url[..<authorityEnd]) + path
        }
        let heads = ["https://spam.example", "http://", "https://ü.example:8443", "mailto:x", "a://b"]
        let pieces = ["/", "//", "%2F", "%2f", "%2", "%", "%25", "ü", "?q=//", "#//", "x", "2F", "/%2F/"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let url = heads.randomElement(using: &generator)!
                + (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(SpamGuard.prefixForm(url) == definition(url), "\(url)")
        }
    }
}

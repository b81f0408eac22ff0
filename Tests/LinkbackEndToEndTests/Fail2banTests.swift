import Foundation
import LinkbackKit
import LinkbackTestSupport
import Testing

/// The fail2ban side as shipped in config/: the real fail2ban-regex and fail2ban-server, and a
/// real Apache enforcing the ban list. (`make test` installs fail2ban and apache2.)
@Suite(.serialized) struct Fail2banTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shipped = repository.appendingPathComponent("config/fail2ban").path
    static let filter = shipped + "/filter.d/linkback.conf"
    static let target = "https://blog.example/posts/1"

    static func pingback(_ source: String, userAgent: String = "Blog/1.0", extraHeaders: String = "") -> [UInt8] {
        let body = "<?xml version=\"1.0\"?><methodCall><methodName>pingback.ping</methodName><params><param><value>\(source)</value></param><param><value>\(target)</value></param></params></methodCall>"
        return Array("POST /xmlrpc HTTP/1.1\r\nHost: blog.example\r\nUser-Agent: \(userAgent)\r\nContent-Type: text/xml\r\n\(extraHeaders)Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
    }

    static func webmention(_ source: String, _ target: String = target, extraHeaders: String = "") -> [UInt8] {
        let body = "source=\(source.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&target=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        return Array("POST /webmention HTTP/1.1\r\nHost: blog.example\r\nUser-Agent: Sender/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\n\(extraHeaders)Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
    }

    /// `fail2ban-regex LOG FILTER`: the matched count and the matched addresses.
    static func regex(_ log: String, mode: String = "normal") async throws -> (matched: Int, addresses: [String]) {
        let filter = mode == "normal" ? Self.filter : "\(Self.filter)[mode=\(mode)]"
        let summary = try await Command.check("fail2ban-regex", [log, filter]).stdout
        let line = try #require(summary.split(separator: "\n").first { $0.hasPrefix("Lines: ") })
        let matched = try #require(Int(line.components(separatedBy: ", ")[2].split(separator: " ")[0]))
        let addresses = try await Command.check("fail2ban-regex", ["-o", "ip", log, filter]).stdout
            .split(separator: "\n").map(String.init)
        return (matched, addresses)
    }

    /// Every reason Linkback writes, one line each from its own address, through the real log
    /// writer: the normal mode bans all but the soft ones (a blog re-sending a pingback, a sender
    /// asked for a vouch), the aggressive mode all of them.
    @Test func everyReasonIsMatchedExceptTheSoftOnes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("fail2ban.log")
        let log = try RejectionLog(destination: path)
        let reasons = RejectionReason.allCases
        for (index, reason) in reasons.enumerated() {
            log.record(Rejection(protocol: .webmention, clientIP: IPAddress("192.0.2.\(index + 1)")!, reason: reason))
        }
        // Review item 3 and F5: honest senders and readers' browsers cause these; the filter's
        // `_soft` list and the built-in ban's `isSoft` must agree with each other.
        let soft: Set<RejectionReason> = [
            .alreadyRegistered, .vouchRequired, .rateLimited, .targetNotSupported, .noAdminToken, .crossSite, .targetClosed, .forgotten,
        ]
        #expect(Set(reasons.filter(\.isSoft)) == soft)
        func addresses(_ kept: (RejectionReason) -> Bool) -> [String] {
            reasons.enumerated().filter { kept($0.element) }.map { "192.0.2.\($0.offset + 1)" }
        }
        #expect(try await Self.regex(path).addresses == addresses { !soft.contains($0) })
        #expect(try await Self.regex(path, mode: "aggressive").addresses == addresses { _ in true })
    }

    /// Review F5: any web page can make its readers' browsers request `/admin/api/…` (an `<img>`,
    /// no credentials) or POST a form to `/webmention` from another site. Those requests are
    /// logged soft: neither the built-in ban nor fail2ban's normal mode bans the reader (or the
    /// admin) for them; a wrong admin token still counts.
    @Test func requestsAnotherSitesPageMakesABrowserSendBanNobody() async throws {
        let server = try await ServerHarness(
            yaml: "spam:\n  rate_limit_per_minute: 0\n  pair_interval_seconds: 0\n  ban_after_rejections: 3\n  ban_window_minutes: 1\n  ban_minutes: 1\n\nadmin:\n  token: f5-admin-token")
        defer { server.cleanUp() }
        for _ in 0..<5 {
            #expect(try await server.send("GET", "/admin/api/mentions", headers: [("Sec-Fetch-Site", "cross-site")]).status == 401)
            #expect(try await server.postForm(
                "/webmention", [("source", "garbage"), ("target", Self.target)],
                headers: [("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site")]).status == 400)
            #expect(try await server.postForm(
                "/webmention", [("source", "garbage"), ("target", Self.target)], headers: [("Origin", "null")]).status == 400)
        }
        // Not banned: an honest request from the same address still goes through.
        #expect(try await server.postForm("/webmention", [("source", "https://a.example/"), ("target", Self.target)]).status == 201)
        let lines = server.rejectionLines
        #expect(lines.count == 15)
        #expect(lines.filter { $0.contains("admin rejected from 127.0.0.1 reason=no-admin-token") }.count == 5)
        #expect(lines.filter { $0.contains("webmention rejected from 127.0.0.1 reason=cross-site") }.count == 10)
        #expect(try await Self.regex(server.directory.file("fail2ban.log")).matched == 0)
        #expect(try await Self.regex(server.directory.file("fail2ban.log"), mode: "aggressive").matched == 15)
        // The same page's request from this server's own origin, or a wrong token, counts as before.
        for _ in 0..<3 {
            _ = try await server.send("GET", "/admin/api/mentions", headers: [("Authorization", "Bearer guess")])
        }
        #expect(try await server.postForm("/webmention", [("source", "https://a.example/2"), ("target", Self.target)]).status == 429)
    }

    @Test func filterMatchesExactlyTheRejectionsWithTheRightAddresses() async throws {
        let source = try await FixtureServer.start()
        source.set("/good", .html("<a href=\"\(Self.target)\">x</a>"))
        source.set("/good2", .html("<a href=\"\(Self.target)\">x</a>"))
        let server = try await ServerHarness(
            yaml: """
                server:
                  host: "::"
                  port: 0
                  base_url: https://mentions.example
                  public_dir: \(ServerHarness.publicDirectory)
                  trusted_proxies: [127.0.0.3]

                spam:
                  block_domains: [spam.example]
                  rate_limit_per_minute: 0
                  pair_interval_seconds: 0
                """,
            allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let port = server.port
        func send(_ request: [UInt8], from: String = "127.0.0.1") async throws -> Int {
            RawHTTP.status(try await RawHTTP.exchange(port: port, parts: [request], from: from))
        }
        // Accepted: never written.
        #expect(try await send(Self.webmention(source.url("/good").absoluteString)) == 201)
        #expect(try await send(Self.pingback(source.url("/good2").absoluteString)) == 200)
        // Rejected, each from a known address.
        _ = try await send(Self.pingback("http://spam.example/pills", userAgent: "PHP/5.2.10"), from: "127.0.0.2")
        _ = try await send(Array("POST /xmlrpc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 12\r\nConnection: close\r\n\r\n<methodCall>".utf8), from: "127.0.0.2")
        _ = try await send(Self.webmention("not a url"))
        _ = try await send(Self.webmention("https://www.spam.example/post"), from: "127.0.0.2")
        _ = try await send(Self.webmention("ftp://x.example/", extraHeaders: "X-Forwarded-For: 203.0.113.9\r\n"), from: "127.0.0.2")
        _ = try await send(Self.webmention("ftp://y.example/", extraHeaders: "X-Forwarded-For: 203.0.113.9, 198.51.100.23\r\n"), from: "127.0.0.3")
        let ipv6 = try await RawHTTP.exchange(port: port, parts: [Self.webmention("mailto:x@y.example")], host: "::1")
        #expect(RawHTTP.status(ipv6) == 400)
        // A soft rejection: written, but not matched in the normal mode.
        _ = try await send(Self.pingback(source.url("/good2").absoluteString))

        let log = server.directory.file("fail2ban.log")
        let lines = server.rejectionLines
        #expect(lines.count == 8, "\(lines)")
        let expected = ["127.0.0.2", "127.0.0.2", "127.0.0.1", "127.0.0.2", "127.0.0.2", "198.51.100.23", "::1"]
        let normal = try await Self.regex(log)
        #expect(normal.matched == 7)
        #expect(normal.addresses == expected)
        let aggressive = try await Self.regex(log, mode: "aggressive")
        #expect(aggressive.matched == 8)
        #expect(aggressive.addresses == expected + ["127.0.0.1"])
        #expect(!lines.contains { $0.contains("203.0.113.9") && $0.contains("from 203.0.113.9") })
        await source.stop()
    }

    @Test func apache24BansAfterThreeSpamPingbacksAndUnbans() async throws {
        try await banScenario(action: "linkback-apache24", snippet: "config/apache/linkback-ban.conf",
            listPath: "/etc/apache2/linkback-banned.conf", line: "Require not ip 127.0.0.2") {
            try await Apache(snippet: $0)
        }
    }

    @Test func apache22StyleListBansToo() async throws {
        try await banScenario(action: "linkback-apache22", snippet: "config/apache/linkback-ban22.conf",
            listPath: "/etc/apache2/linkback-denied.conf", line: "Deny from 127.0.0.2") {
            try await Apache(snippet: $0, modules: ["access_compat"])
        }
    }

    @Test func nginxBansToo() async throws {
        try await banScenario(action: "linkback-nginx", snippet: "config/nginx/linkback-ban.conf",
            listPath: "/etc/nginx/linkback-banned.conf", line: "deny 127.0.0.2;") {
            try await Nginx(snippet: $0)
        }
    }

    /// Linkback, fail2ban with the shipped filter and `action`, and a web server with the shipped
    /// `snippet`: three spam pingbacks from 127.0.0.2 get it banned by the web server, 127.0.0.1
    /// is not; unban lets it back in; stopping fail2ban empties the list and the server still starts.
    private func banScenario(
        action: String, snippet: String, listPath: String, line: String,
        webServer: (String) async throws -> any BanEnforcingServer
    ) async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        let work = try TemporaryDirectory("bans")
        defer { work.remove() }
        let list = work.file("banned.conf")
        // nginx refuses to start without the included list (the fail2ban action creates it before
        // any reload in production); Apache's IncludeOptional starts without it.
        if action == "linkback-nginx" { try work.write("banned.conf", "") }
        let shippedSnippet = try String(contentsOf: Self.repository.appendingPathComponent(snippet), encoding: .utf8)
        let apache = try await webServer(shippedSnippet.replacingOccurrences(of: listPath, with: list))
        let fail2ban: Fail2ban
        do {
            fail2ban = try await Fail2ban(shipped: Self.shipped, jail: """
                filter = linkback
                logpath = \(server.directory.file("fail2ban.log"))
                maxretry = 3
                findtime = 10m
                bantime = 1h
                action = \(action)[banlist="\(list)", reloadcmd="\(apache.reloadCommand)"]
                """)
        } catch {
            await apache.cleanUp()
            throw error
        }
        try await waitFor { FileManager.default.fileExists(atPath: list) }  // the action creates the list on start
        #expect(try await apache.status(from: "127.0.0.1") == 200)
        #expect(try await apache.status(from: "127.0.0.2") == 200)

        for attempt in 0..<3 {
            let response = try await RawHTTP.exchange(
                port: server.port, parts: [Self.pingback("http://spam.example/\(attempt)", userAgent: "PHP/5.2.10")], from: "127.0.0.2")
            #expect(RawHTTP.status(response) == 200)
        }
        let deadline = Date().addingTimeInterval(20)
        var banned = 200
        while Date() < deadline {
            banned = try await apache.status(from: "127.0.0.2")
            if banned == 403 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(banned == 403, "fail2ban log: \(fail2ban.log.suffix(2000))")
        #expect(try await apache.status(from: "127.0.0.1") == 200)
        #expect(try String(contentsOfFile: list, encoding: .utf8) == line + "\n")

        try await fail2ban.client(["set", "linkback", "unbanip", "127.0.0.2"])
        try await waitFor { try await apache.status(from: "127.0.0.2") == 200 }
        #expect(try String(contentsOfFile: list, encoding: .utf8) == "")

        try await fail2ban.client(["set", "linkback", "banip", "127.0.0.2"])
        try await waitFor { try await apache.status(from: "127.0.0.2") == 403 }
        try await fail2ban.stop()
        #expect(FileManager.default.fileExists(atPath: list), "stop must not delete the list")
        #expect(try String(contentsOfFile: list, encoding: .utf8) == "")
        try await apache.stop()
        try await apache.start()
        #expect(try await apache.status(from: "127.0.0.2") == 200)
        await fail2ban.cleanUp()
        await apache.cleanUp()
    }

    @Test func unbanRemovesOnlyTheExactAddress() async throws {
        let work = try TemporaryDirectory("bans")
        defer { work.remove() }
        let logFile = try work.write("empty.log", "")
        for (action, prefix, suffix) in [
            ("linkback-apache24", "Require not ip ", ""), ("linkback-apache22", "Deny from ", ""), ("linkback-nginx", "deny ", ";"),
        ] {
            let list = work.file("\(action).conf")
            let fail2ban = try await Fail2ban(shipped: Self.shipped, jail: """
                filter = linkback
                logpath = \(logFile)
                action = \(action)[banlist="\(list)", reloadcmd="true"]
                """)
            try await fail2ban.client(["set", "linkback", "banip", "1.2.3.4"])
            try await fail2ban.client(["set", "linkback", "banip", "1.2.3.45"])
            try await fail2ban.client(["set", "linkback", "banip", "2001:db8::1"])
            try await waitFor { ((try? String(contentsOfFile: list, encoding: .utf8)) ?? "").split(separator: "\n").count == 3 }
            try await fail2ban.client(["set", "linkback", "unbanip", "1.2.3.4"])
            try await waitFor { ((try? String(contentsOfFile: list, encoding: .utf8)) ?? "").split(separator: "\n").count == 2 }
            let remaining = try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
            #expect(remaining == ["\(prefix)1.2.3.45\(suffix)", "\(prefix)2001:db8::1\(suffix)"].sorted(), "\(action)")
            await fail2ban.cleanUp()
        }
    }

    private func waitFor(_ condition: () async throws -> Bool, timeout: Double = 15) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("condition not met within \(timeout) s")
    }
}

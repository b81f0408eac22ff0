import Foundation
import LinkbackTestSupport
import Testing

/// `linkback doctor` against a running test installation: a real Linkback behind a real nginx
/// with the shipped snippet, a real fail2ban running the shipped filter on its log. A good set-up
/// is all ✓; a proxy that drops the client address, a proxy Linkback does not trust and an
/// unwritable log each get the ✗ that names them.
@Suite(.serialized) struct DoctorTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let filter = repository.appendingPathComponent("config/fail2ban/filter.d/linkback.conf").path

    struct Installation {
        let linkback: ServerHarness
        let nginx: Nginx
        let fail2ban: Fail2ban
        /// Where the ban action writes its list.
        let work: TemporaryDirectory

        func doctor(_ extra: [String] = []) async throws -> (status: Int32, checks: [String: [String: Any]], text: String) {
            let arguments = [
                "doctor", "--config", linkback.configPath, "--fail2ban-filter", DoctorTests.filter, "--fail2ban-socket",
                fail2ban.socket,
            ] + extra
            let json = try await LinkbackProcess.run(arguments + ["--json"])
            let text = try await LinkbackProcess.run(arguments, environment: ["NO_COLOR": "1"])
            var checks: [String: [String: Any]] = [:]
            for check in (JSON.value(json.stdout) as? [[String: Any]]) ?? [] {
                if let name = check["name"] as? String { checks[name] = check }
            }
            return (json.status, checks, text.stdout)
        }

        func cleanUp() async {
            await fail2ban.cleanUp()
            await nginx.cleanUp()
            linkback.cleanUp()
            work.remove()
        }
    }

    /// Linkback on a fixed port (the doctor reads it from the configuration) behind nginx, whose
    /// address is `server.base_url`.
    static func install(snippet transform: (String) -> String = { $0 }, trustedProxies: String = "[127.0.0.1]")
        async throws -> Installation
    {
        let proxyPort = try FreePort.find()
        let linkbackPort = try FreePort.find()
        let linkback = try await ServerHarness(yaml: """
            server:
              port: \(linkbackPort)
              base_url: http://127.0.0.1:\(proxyPort)
              public_dir: \(ServerHarness.publicDirectory)
              trusted_proxies: \(trustedProxies)
            """)
        let snippet = try String(contentsOf: repository.appendingPathComponent("config/nginx/linkback.conf"), encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(linkbackPort)")
        let nginx = try await Nginx(snippet: transform(snippet), port: proxyPort)
        let work = try TemporaryDirectory("doctor-bans")
        let fail2ban = try await Fail2ban(shipped: repository.appendingPathComponent("config/fail2ban").path, jail: """
            filter = linkback
            logpath = \(linkback.directory.file("fail2ban.log"))
            action = linkback-nginx[banlist="\(work.file("banned.conf"))", reloadcmd="true"]
            """)
        return Installation(linkback: linkback, nginx: nginx, fail2ban: fail2ban, work: work)
    }

    @Test func aGoodSetUpIsAllGreen() async throws {
        let installation = try await Self.install()
        let (status, checks, text) = try await installation.doctor()
        await installation.cleanUp()
        #expect(status == 0, "\(text)")
        let names = ["configuration", "database", "rejection log", "fail2ban filter", "server", "public URL", "client address",
            "fail2ban jail"]
        #expect(Set(checks.keys) == Set(names), "\(text)")
        for name in names {
            #expect(checks[name]?["state"] as? String == "ok", "\(name): \(text)")
        }
        #expect((checks["client address"]?["message"] as? String)?.contains("sees this machine as 127.0.0.1") == true, "\(text)")
        #expect(text.contains("✓ fail2ban jail: linkback is active, 0 currently banned"), "\(text)")
        #expect(!text.contains("✗"))
    }

    @Test func aProxyThatDropsTheClientAddressIsNamed() async throws {
        let installation = try await Self.install(snippet: {
            $0.split(separator: "\n").filter { !$0.contains("X-Forwarded-For") }.joined(separator: "\n")
        })
        let (status, checks, text) = try await installation.doctor()
        await installation.cleanUp()
        #expect(status == 1)
        #expect(checks["client address"]?["state"] as? String == "failed", "\(text)")
        #expect(text.contains("✗ client address: the proxy sends no X-Forwarded-For"), "\(text)")
        #expect(text.contains("fix: have the proxy set X-Forwarded-For"), "\(text)")
        #expect(checks["public URL"]?["state"] as? String == "ok")
    }

    @Test func aProxyLinkbackDoesNotTrustIsNamed() async throws {
        let installation = try await Self.install(trustedProxies: "[]")
        let (status, checks, text) = try await installation.doctor()
        await installation.cleanUp()
        #expect(status == 1)
        #expect(checks["client address"]?["state"] as? String == "failed", "\(text)")
        #expect(text.contains("fix: add 127.0.0.1 to server.trusted_proxies"), "\(text)")
    }

    /// Review item 4: `--page` checks what a blog page advertises. The shipped snippet's headers
    /// reach every page, except in a location with add_header lines of its own (nginx inherits
    /// none into it): the doctor names the missing endpoints and the trap.
    @Test func aPageThatDoesNotAdvertiseTheEndpointsIsNamed() async throws {
        let trap = """
            location = /post-with-its-own-headers {
                add_header Cache-Control "max-age=60";
                default_type text/html;
                return 200 "<p>a post</p>";
            }
            """
        let installation = try await Self.install(snippet: { $0 + "\n" + trap })
        let base = "http://127.0.0.1:\(installation.nginx.port)"
        let (status, checks, text) = try await installation.doctor(
            ["--page", base + "/index.html", "--page", base + "/post-with-its-own-headers"])
        await installation.cleanUp()
        #expect(status == 1)
        let good = try #require(checks["discovery on \(base)/index.html"], "\(text)")
        #expect(good["state"] as? String == "ok", "\(text)")
        #expect((good["message"] as? String)?.contains("https://blog.example/webmention") == true, "\(text)")
        let bad = try #require(checks["discovery on \(base)/post-with-its-own-headers"], "\(text)")
        #expect(bad["state"] as? String == "failed", "\(text)")
        #expect((bad["message"] as? String)?.contains("the Webmention endpoint") == true, "\(text)")
        #expect((bad["message"] as? String)?.contains("the Pingback endpoint") == true, "\(text)")
        #expect((bad["fix"] as? String)?.contains("inherits none") == true, "\(text)")
    }

    /// Review item 5: while this machine is banned (the ban list the web server enforces), the
    /// doctor says so instead of blaming the proxy.
    @Test func aBannedMachineIsToldItIsBanned() async throws {
        let installation = try await Self.install(snippet: { "deny 127.0.0.1;\n" + $0 })
        let (status, checks, text) = try await installation.doctor()
        await installation.cleanUp()
        #expect(status == 1)
        #expect((checks["public URL"]?["message"] as? String)?.contains("looks banned") == true, "\(text)")
        #expect(!text.contains("have the proxy pass"), "\(text)")
        #expect(text.contains("unbanip"), "\(text)")
    }

    @Test func anUnwritableLogIsNamed() async throws {
        let installation = try await Self.install()
        let log = installation.linkback.directory.file("fail2ban.log")
        try? FileManager.default.removeItem(atPath: log)
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: false)
        let (status, checks, text) = try await installation.doctor()
        await installation.cleanUp()
        #expect(status == 1)
        #expect(checks["rejection log"]?["state"] as? String == "failed", "\(text)")
        #expect(text.contains("✗ rejection log: \(log) is a directory"), "\(text)")
        // Only that: the rest of the installation is still fine.
        #expect(checks.values.filter { $0["state"] as? String == "failed" }.count == 1, "\(text)")
    }

    /// The filter check tries a real rejection line with fail2ban-regex: a filter that does not
    /// fit the format fails it.
    @Test func aFilterThatDoesNotMatchTheLogFormatIsNamed() async throws {
        // (base_url on a closed local port: the HTTP checks fail at once; only the filter matters.)
        let linkback = try await ServerHarness(
            yaml: "server:\n  port: 0\n  base_url: http://127.0.0.1:9\n  public_dir: \(ServerHarness.publicDirectory)")
        defer { linkback.cleanUp() }
        let filter = try linkback.directory.write(
            "old-filter.conf", "[Definition]\nfailregex = ^ spam from <HOST>$\nignoreregex =\n")
        let result = try await LinkbackProcess.run(
            ["doctor", "--config", linkback.configPath, "--fail2ban-filter", filter], environment: ["NO_COLOR": "1"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("✗ fail2ban filter: \(filter) does not match Linkback's rejection lines"), "\(result.stdout)")
    }

    /// The database check on PostgreSQL, through `linkback doctor --json`: not migrated, current,
    /// unreachable. (Only the database line matters here: no server runs, so others fail.)
    @Test func theDatabaseCheckOnPostgreSQL() async throws {
        let url = try await PostgresCluster.makeDatabase("doctor") + "?sslmode=disable"
        let directory = try TemporaryDirectory("doctor-postgres")
        defer { directory.remove() }
        func database(_ url: String) async throws -> [String: Any] {
            let config = try directory.write("linkback.yaml", "database:\n  url: \(url)\nlogging:\n  fail2ban_log: \(directory.file("f.log"))\n")
            let run = try await LinkbackProcess.run(["doctor", "--config", config, "--json"])
            let checks = (JSON.value(run.stdout) as? [[String: Any]]) ?? []
            return try #require(checks.first { $0["name"] as? String == "database" }, "\(run.stdout) \(run.stderr)")
        }
        let fresh = try await database(url)
        #expect(fresh["state"] as? String == "failed")
        #expect((fresh["message"] as? String)?.contains("is not migrated yet") == true, "\(fresh)")
        // Migrated by a start of the CLI on it (every command migrates a database it opens).
        let listed = try await LinkbackProcess.run(["list", "--database", url])
        #expect(listed.status == 0, "\(listed.stderr)")
        let current = try await database(url)
        #expect(current["state"] as? String == "ok", "\(current)")
        #expect((current["message"] as? String)?.contains("schema current (") == true, "\(current)")
        let unreachable = try await database("postgres://nobody@127.0.0.1:\(try FreePort.find())/none?sslmode=disable")
        #expect(unreachable["state"] as? String == "failed")
        #expect((unreachable["message"] as? String)?.contains("connection refused") == true, "\(unreachable)")
    }
}

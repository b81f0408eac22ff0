import AsyncHTTPClient
import Foundation
import LinkbackTestSupport
import NIOCore
import Testing

/// `linkback serve` and `check-config` run as the real built binary.
@Suite(.serialized) struct ServeProcessTests {
    private func config(in directory: TemporaryDirectory, port: Int = 0, extra: String = "") throws -> String {
        try directory.write(
            "linkback.yaml",
            """
            server:
              port: \(port)
            database:
              path: \(directory.file("var/linkback.sqlite"))
            logging:
              fail2ban_log: \(directory.file("var/fail2ban.log"))
            \(extra)
            """)
    }

    @Test func servesHealthAndStopsCleanlyOnSIGTERM() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try LinkbackProcess(["serve", "--config", try config(in: directory)])
        defer { server.stop() }
        let port = try await server.waitForListening()

        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "content-type") == "application/json; charset=utf-8")
        let body = String(buffer: try await response.body.collect(upTo: 4096))
        #expect(JSON.same(body, #"{"status":"ok","database":"ok","queued":0}"#), "\(body)")

        // Review item 8: the first thing the log says is which configuration, database and doors.
        let start = try #require(server.stderr.split(separator: "\n").first { $0.contains("starting Linkback") })
        #expect(start.contains("config \(directory.file("linkback.yaml"))"), "\(start)")
        #expect(start.contains("database \(directory.file("var/linkback.sqlite"))"), "\(start)")
        #expect(start.contains("admin API off, metrics on /metrics, webhooks off"), "\(start)")

        server.signal(SIGTERM)
        let status = try await server.waitForExit(timeout: 15)
        #expect(status == 0, "stderr: \(server.stderr)")
        #expect(server.stderr.contains("stopped"))
        #expect(FileManager.default.fileExists(atPath: directory.file("var/linkback.sqlite")))
    }

    @Test func stopsOnSIGINTToo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try LinkbackProcess(["serve", "--config", try config(in: directory)])
        defer { server.stop() }
        _ = try await server.waitForListening()
        server.signal(SIGINT)
        #expect(try await server.waitForExit(timeout: 15) == 0)
    }

    @Test func portInUseIsOneClearLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try LinkbackProcess(["serve", "--config", try config(in: directory)])
        defer { first.stop() }
        let port = try await first.waitForListening()

        let other = try TemporaryDirectory()
        defer { other.remove() }
        let result = try await LinkbackProcess.run(["serve", "--config", try config(in: other, port: port)])
        #expect(result.status == 1)
        // One line, without errors from services that were stopped before they began (#16 item 11).
        let lines = result.stderr.split(separator: "\n").filter { !$0.contains(" warning ") }
        #expect(lines.filter { !$0.contains(" notice ") } == [
            "linkback: cannot listen on 127.0.0.1:\(port): Address already in use; another program listens there "
                + "(`ss -ltnp 'sport = :\(port)'` names it): stop it, or set server.port to a free port"
        ], "\(result.stderr)")
    }

    @Test func unusableDatabasePathIsOneClearLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("blocker", "a file where a directory should be")
        let path = try config(in: directory).replacingOccurrences(of: "", with: "")
        let yaml = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: directory.file("var/linkback.sqlite"), with: directory.file("blocker/db.sqlite"))
        try directory.write("linkback.yaml", yaml)
        let result = try await LinkbackProcess.run(["serve", "--config", path])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        #expect(lines.first?.hasPrefix("linkback: \(directory.file("blocker/db.sqlite")): cannot open the database") == true)
    }

    @Test func checkConfigPrintsTheEffectiveValues() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try config(in: directory, port: 9999, extra: "admin:\n  token: hunter2\n")
        let result = try await LinkbackProcess.run(
            ["check-config", "--config", path], environment: ["LINKBACK_FETCH_MAX_REDIRECTS": "3"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("server.port: 9999\n"))
        #expect(result.stdout.contains("fetch.max_redirects: 3\n"))
        #expect(result.stdout.contains("admin.token: ********"))
        #expect(!result.stdout.contains("hunter2"))
    }

    @Test func checkConfigAcceptsTheShippedSample() async throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/linkback.yaml").path
        let result = try await LinkbackProcess.run(["check-config", "--config", sample])
        #expect(result.status == 0, "stderr: \(result.stderr)")
    }

    /// Whether the user `nobody` can run the built binary (its path is open to others): what the
    /// next test needs to be someone a directory is closed to (the suite runs as root).
    static let nobodyCanRunIt: Bool = {
        (try? Command.runBlocking("runuser", ["-u", "nobody", "--", LinkbackProcess.binaryPath, "--version"]).status) == 0
    }()

    /// Review item 6: a configuration in a directory the user cannot enter is "permission denied",
    /// not "no such file".
    @Test(.enabled(if: nobodyCanRunIt, "the user nobody cannot run the built binary here"))
    func aConfigurationInAClosedDirectoryIsPermissionDenied() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try config(in: directory)
        chmod(directory.path, 0o700)
        let run = try await Command.run("runuser", ["-u", "nobody", "--", LinkbackProcess.binaryPath, "check-config", "--config", path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("permission denied"), "\(run.stderr)")
        #expect(!run.stderr.contains("no such file"), "\(run.stderr)")
    }

    @Test func checkConfigNamesTheBadKey() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("bad.yaml", "server:\n  port: nope\n")
        let result = try await LinkbackProcess.run(["check-config", "--config", path])
        #expect(result.status == 1)
        #expect(result.stderr == "linkback: \(path):2: server.port: expected an integer, got \"nope\"\n")
    }

    @Test func configPathComesFromTheEnvironmentThenTheWorkingDirectory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try config(in: directory, port: 4321)
        let fromEnvironment = try await LinkbackProcess.run(["check-config"], environment: ["LINKBACK_CONFIG": path])
        #expect(fromEnvironment.stdout.contains("server.port: 4321"))

        let missing = try await LinkbackProcess.run(["check-config"], directory: directory.path)
        #expect(missing.status == 1)
        #expect(missing.stderr == "linkback: config/linkback.yaml: no such file; name the configuration with --config PATH or"
            + " LINKBACK_CONFIG=PATH (without them: config/linkback.yaml in the working directory, else"
            + " /etc/linkback/linkback.yaml)\n")
    }

    @Test func reopensTheRejectionLogOnSIGHUP() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        let log = server.directory.file("fail2ban.log")
        _ = try await server.postForm("/webmention", [("source", "first"), ("target", "https://blog.example/")])
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        server.process.signal(SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        while !server.process.stderr.contains("rejection log reopened"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        _ = try await server.postForm("/webmention", [("source", "second"), ("target", "https://blog.example/")])
        let rotated = try String(contentsOfFile: log + ".1", encoding: .utf8)
        let fresh = try String(contentsOfFile: log, encoding: .utf8)
        #expect(rotated.contains(#"source="first""#) && !rotated.contains(#"source="second""#))
        #expect(fresh.contains(#"source="second""#))
        #expect(server.process.isRunning)
    }

    /// Review item 7: `systemctl reload` (SIGHUP) applies sites, read tokens, the configured blocks
    /// and allow lists at once and says what changed; a key that needs a restart is named and
    /// kept; a configuration that does not load is refused and the running one kept.
    @Test func aReloadAppliesSitesTokensAndBlocksAndSaysWhatChanged() async throws {
        let server = try await ServerHarness(yaml: "admin:\n  token: reload-admin-token")
        defer { server.cleanUp() }
        let newTarget = "https://new.example/post"
        #expect(try await server.postForm("/webmention", [("source", "https://a.example/1"), ("target", newTarget)]).status == 400)
        #expect(try await server.send("GET", "/api/count?token=reload-read-token-0123").status == 401)

        func reload(waitingFor text: String) async throws {
            let before = server.process.stderr.components(separatedBy: text).count
            server.process.signal(SIGHUP)
            let deadline = Date().addingTimeInterval(10)
            while server.process.stderr.components(separatedBy: text).count == before, Date() < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let original = try String(contentsOfFile: server.configPath, encoding: .utf8)
        let changed = original.replacingOccurrences(of: "sites: [\"blog.example\"]", with: "sites: [\"blog.example\", \"new.example\"]")
            .replacingOccurrences(of: "  port: 0\n", with: "  port: 0\n  idle_timeout_seconds: 33\n")
            .replacingOccurrences(of: "spam:\n", with: "spam:\n  block_user_agents: [\"EvilBot\"]\n")
            + """

            api:
              tokens:
                - token: reload-read-token-0123
                  sites: [new.example]

            moderation:
              allow_domains: [friend.example]
            """
        #expect(changed != original)
        try changed.write(toFile: server.configPath, atomically: true, encoding: .utf8)
        try await reload(waitingFor: "configuration reloaded")
        let line = try #require(server.process.stderr.split(separator: "\n").last { $0.contains("configuration reloaded") })
        #expect(line.contains("sites: blog.example → blog.example, new.example"), "\(line)")
        #expect(line.contains("api.tokens: 0 → 1"), "\(line)")
        #expect(line.contains("moderation.allow_domains: none → friend.example"), "\(line)")
        #expect(line.contains("server.idle_timeout_seconds changed but need a restart"), "\(line)")
        #expect(!line.contains("reload-read-token-0123"), "\(line)")
        let accepted = try await server.postForm("/webmention", [("source", "https://a.example/1"), ("target", newTarget)])
        #expect(accepted.status == 201 || accepted.status == 202, "\(accepted.body)")
        #expect(try await server.send("GET", "/api/count?token=reload-read-token-0123").status == 200)
        let evil = try await server.postForm(
            "/webmention", [("source", "https://a.example/2"), ("target", newTarget)], headers: [("User-Agent", "EvilBot/2.0")])
        #expect(evil.status == 403, "\(evil.body)")
        #expect(line.contains("spam.block_user_agents: ^PHP/5\\.2\\.10$ → EvilBot"), "\(line)")

        // A configuration that does not load changes nothing.
        try (changed + "\nserver: [broken\n").write(toFile: server.configPath, atomically: true, encoding: .utf8)
        try await reload(waitingFor: "configuration not reloaded")
        #expect(server.process.stderr.contains("configuration not reloaded, the running one kept"))
        #expect(try await server.send("GET", "/api/count?token=reload-read-token-0123").status == 200)
        #expect(server.process.isRunning)
    }
}

import AsyncHTTPClient
import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore
import NIOCore

/// One line of `linkback doctor`: what was checked, how it went, and the fix when it failed.
package struct DoctorCheck: Sendable, Equatable, Encodable {
    package enum State: String, Sendable, Encodable {
        case ok, failed, skipped
    }

    package var name: String
    package var state: State
    package var message: String
    package var fix: String?

    package init(name: String, state: State, message: String, fix: String?) {
        self.name = name
        self.state = state
        self.message = message
        self.fix = fix
    }

    static func ok(_ name: String, _ message: String) -> DoctorCheck {
        DoctorCheck(name: name, state: .ok, message: message, fix: nil)
    }

    static func failed(_ name: String, _ message: String, fix: String) -> DoctorCheck {
        DoctorCheck(name: name, state: .failed, message: message, fix: fix)
    }

    static func skipped(_ name: String, _ message: String) -> DoctorCheck {
        DoctorCheck(name: name, state: .skipped, message: message, fix: nil)
    }
}

/// Checks an installation the way an operator would: the configuration, the database, the
/// rejection log and the fail2ban filter that reads it, the server answering, the package URL
/// reaching it through the proxy with the client address arriving as configured, and the
/// fail2ban jail. Reads and asks; never writes, creates or migrates anything.
package struct Doctor: Sendable {
    package struct Options: Sendable {
        /// The filter to try the log format against; default: fail2ban's installed one, else the
        /// one `make install` shipped beside the binary.
        package var fail2banFilter: String?
        /// fail2ban-client's socket (`-s`), for a fail2ban that is not the system's.
        package var fail2banSocket: String?
        /// Where `make install` put the shared files (`PREFIX/share/linkback`).
        package var sharedFiles: String?
        /// A blog page to check for the discovery headers or elements (`--page`).
        package var pages: [String]
        package var timeoutSeconds: Int64 = 5

        package init(fail2banFilter: String? = nil, fail2banSocket: String? = nil, sharedFiles: String? = nil, pages: [String] = []) {
            self.fail2banFilter = fail2banFilter
            self.fail2banSocket = fail2banSocket
            self.sharedFiles = sharedFiles
            self.pages = pages
        }
    }

    package let config: Config
    package let configPath: String
    package let options: Options

    package init(config: Config, configPath: String, options: Options = Options()) {
        self.config = config
        self.configPath = configPath
        self.options = options
    }

    package func run() async -> [DoctorCheck] {
        var checks = [DoctorCheck.ok("configuration", "\(configPath) is valid")]
        checks.append(await database())
        checks.append(rejectionLog())
        checks.append(await fail2banFilter())
        checks.append(await serverAnswers())
        checks += await publicURL()
        for page in options.pages { checks.append(await discovery(on: page)) }
        checks.append(await fail2banJail())
        return checks
    }

    /// A blog page advertising both endpoints (a `Link` header or a `<link>`, and `X-Pingback` or
    /// `<link rel="pingback">`), as senders discover them; what is missing, named.
    func discovery(on page: String) async -> DoctorCheck {
        let name = "discovery on \(page)"
        guard case .success(let url) = MentionCheck.parse(page), let endpoint = HostPort(endpointOf: url) else {
            return .failed(name, "\(page) is not an http or https URL", fix: "name a page of the blog: --page https://blog.example/a-post")
        }
        // The operator named the page: fetched wherever it is (a blog on this machine, too).
        let fetcher = GuardedFetcher(
            limits: FetchLimits(timeoutSeconds: Double(options.timeoutSeconds), allowHosts: [endpoint]),
            userAgent: "linkback-doctor/\(LinkbackVersion.string)")
        let fetched: FetchedResource
        do {
            fetched = try await fetcher.fetch(url)
        } catch {
            return .failed(name, "\(page) could not be fetched: \(error.description)", fix: "check the URL and that the blog answers")
        }
        let found = Endpoints(discoveredIn: fetched)
        var missing: [String] = []
        if found.webmention == nil { missing.append("the Webmention endpoint (Link: <…/webmention>; rel=\"webmention\", or <link rel=\"webmention\">)") }
        if found.pingback == nil { missing.append("the Pingback endpoint (X-Pingback: …/xmlrpc, or <link rel=\"pingback\">)") }
        guard missing.isEmpty else {
            return .failed(
                name, "the page does not advertise " + missing.joined(separator: " nor "),
                fix: "add the headers (config/nginx/linkback.conf, config/apache/linkback.conf); with nginx, a location "
                    + "that has add_header lines of its own inherits none from the server block: repeat the two there")
        }
        return .ok(name, "advertises \(found.webmention!.absoluteString) and \(found.pingback!.absoluteString)")
    }

    // MARK: Files

    func database() async -> DoctorCheck {
        let location: MentionStores.Location
        do {
            location = try MentionStores.location(config.database)
        } catch {
            return .failed("database", "\(error)", fix: "correct database.url (postgres://user@host/database)")
        }
        let path: String
        switch location {
        case .sqlite(let file): path = file
        case .postgres(let postgres): return await self.postgres(postgres)
        }
        let state: SchemaState
        do {
            state = try SQLiteMentionStore.schemaState(path: path)
        } catch {
            return .failed("database", "\(error)", fix: "restore the file from a backup, or point database.path at the right file")
        }
        switch state {
        case .missing:
            return .failed("database", "\(path) does not exist", fix: "start the server once (it creates it), or set database.path")
        case .newer:
            return .failed(
                "database", "\(path) was migrated by a newer Linkback", fix: "install that version again, or restore a backup")
        case .behind(let pending):
            return .failed(
                "database", "\(path) needs migrations \(pending.joined(separator: ", "))",
                fix: "restart the server: migrations run once at start")
        case .current(let last):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard Self.writable(path), Self.writable(directory) else {
                return .failed(
                    "database", "\(path) (or its directory, for the WAL files) is not writable",
                    fix: "chown the directory and the file to the user the server runs as")
            }
            return .ok("database", "\(path), schema current (\(last))")
        }
    }

    private func postgres(_ postgres: PostgresLocation) async -> DoctorCheck {
        let state: SchemaState
        do {
            let store = try await PostgresMentionStore(location: postgres, migrate: false)
            do {
                state = try await store.schemaState()
            } catch {
                try? await store.close()
                throw error
            }
            try? await store.close()
        } catch {
            return .failed(
                "database", "\(postgres): \(error)",
                fix: "check database.url, the password (database.password_file) and that PostgreSQL accepts this host")
        }
        switch state {
        case .missing, .behind:
            return .failed("database", "\(postgres) is not migrated yet", fix: "start one instance: migrations run once at start")
        case .newer:
            return .failed("database", "\(postgres) was migrated by a newer Linkback", fix: "run that version on every instance")
        case .current(let last):
            return .ok("database", "\(postgres), schema current (\(last))")
        }
    }

    func rejectionLog() -> DoctorCheck {
        guard let path = RejectionLog.filePath(of: config.logging.fail2banLog) else {
            return .ok("rejection log", "syslog (\(config.logging.syslogFacility.rawValue))")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                return .failed(
                    "rejection log", "\(path) is a directory", fix: "set logging.fail2ban_log to a file path in it")
            }
            guard Self.writable(path) else {
                return .failed("rejection log", "\(path) is not writable", fix: "chown it to the user the server runs as")
            }
            return .ok("rejection log", "\(path) is writable")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard Self.writable(directory) else {
            return .failed(
                "rejection log", "\(path) cannot be created: \(directory) is missing or not writable",
                fix: "create \(directory) owned by the user the server runs as (make install does)")
        }
        return .ok("rejection log", "\(path) will be created at the first rejection")
    }

    /// Writes one rejection line in Linkback's format to a scratch file and has `fail2ban-regex`
    /// match it with the filter, so a filter that no longer fits the format shows here, not as
    /// spammers who are never banned.
    func fail2banFilter() async -> DoctorCheck {
        let candidates = [options.fail2banFilter, "/etc/fail2ban/filter.d/linkback.conf", options.sharedFiles.map { $0 + "/fail2ban/filter.d/linkback.conf" }]
        guard let filter = candidates.compactMap({ $0 }).first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            return .failed(
                "fail2ban filter", "no linkback filter found",
                fix: "copy share/linkback/fail2ban/filter.d/linkback.conf to /etc/fail2ban/filter.d/")
        }
        guard let regex = Self.which("fail2ban-regex") else {
            return .skipped("fail2ban filter", "fail2ban-regex is not installed; \(filter) not tried")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("linkback-doctor-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let sample = Rejection(
            protocol: .pingback, clientIP: IPAddress("192.0.2.1")!, reason: .malformedXML, userAgent: "PHP/5.2.10")
        do {
            try (sample.line(pid: getpid()) + "\n").write(to: scratch, atomically: true, encoding: .utf8)
        } catch {
            return .skipped("fail2ban filter", "cannot write a scratch file: \(error)")
        }
        let output = await Self.run(regex, [scratch.path, filter])
        if output.status == 0, output.text.range(of: #"\b1 matched\b"#, options: .regularExpression) != nil {
            return .ok("fail2ban filter", "\(filter) matches Linkback's rejection lines")
        }
        return .failed(
            "fail2ban filter", "\(filter) does not match Linkback's rejection lines",
            fix: "install the filter shipped with this version (share/linkback/fail2ban/filter.d/linkback.conf)")
    }

    // MARK: HTTP

    /// The server itself, on the address it listens on.
    func serverAnswers() async -> DoctorCheck {
        let host = config.server.host.contains(":") ? "[\(config.server.host)]" : config.server.host
        let url = "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(config.server.port)/healthz"
        switch await get(url) {
        case .success(let (status, body)) where status == 200:
            return .ok("server", "answers on \(config.server.host):\(config.server.port): \(body)")
        case .success(let (status, body)):
            return .failed("server", "\(url) answered \(status): \(body)", fix: "see the server's log (journalctl -u linkback)")
        case .failure(let error):
            return .failed("server", "nothing answers at \(url): \(error)", fix: "start it: systemctl start linkback")
        }
    }

    /// `server.base_url` reaching Linkback, and through the proxy in front (if any), the
    /// client address arriving as configured.
    func publicURL() async -> [DoctorCheck] {
        let base = config.server.baseURL
        let url = base + "/webmention?whoami"
        let probe: ClientProbe
        switch await get(url) {
        case .failure(let error):
            return [.failed(
                "public URL", "\(base) is not reachable from here: \(error)",
                fix: "check server.base_url, and that the proxy passes /webmention to \(config.server.host):\(config.server.port)")]
        case .success(let (status, _)) where status == 403 || status == 429:
            // The web server's ban list (fail2ban) or Linkback's own ban: the proxy may be fine.
            return [.failed(
                "public URL", "\(url) answered \(status): this machine looks banned (fail2ban's ban list, or Linkback's built-in ban)",
                fix: "fail2ban-client set linkback unbanip THIS-ADDRESS, and list the address in the jail's ignoreip")]
        case .success(let (status, body)):
            guard status == 200, let decoded = try? JSONDecoder().decode(ClientProbe.self, from: Data(body.utf8)) else {
                return [.failed(
                    "public URL", "\(url) answered \(status), but not as Linkback",
                    fix: "have the proxy pass /webmention to \(config.server.host):\(config.server.port) (see share/linkback/)")]
            }
            probe = decoded
        }
        let reached = DoctorCheck.ok("public URL", "\(base) reaches Linkback")
        guard isProxied else {
            return [reached, .skipped("client address", "no proxy between \(base) and Linkback")]
        }
        let header = probe.header
        let peer = probe.peer ?? "?"
        if probe.headerValues.isEmpty {
            return [reached, .failed(
                "client address", "the proxy sends no \(header): Linkback sees every client as \(peer) and would ban the proxy",
                fix: "have the proxy set \(header) (nginx: proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"
                    + " Apache's mod_proxy adds it), as the shipped snippets do")]
        }
        if !probe.peerTrusted {
            return [reached, .failed(
                "client address", "Linkback ignores \(header) from \(peer), so every client looks like \(peer)",
                fix: "add \(peer) to server.trusted_proxies")]
        }
        return [reached, .ok("client address", "through the proxy, Linkback sees this machine as \(probe.client ?? "?")")]
    }

    /// Whether `base_url` names something other than the address Linkback listens on.
    var isProxied: Bool {
        guard let url = URL(string: config.server.baseURL), let host = url.host else { return true }
        let port = url.port ?? (url.scheme == "https" ? 443 : 80)
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"]
        let listening = config.server.host
        let sameHost = host == listening || (loopback.contains(host) && (loopback.contains(listening) || listening == "0.0.0.0"))
        return !(sameHost && port == config.server.port)
    }

    private func get(_ url: String) async -> Result<(Int, String), DoctorFailure> {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(options.timeoutSeconds))
        // A refused connection is the answer: no retrying until the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "User-Agent", value: "linkback-doctor/\(LinkbackVersion.string)")
            let response = try await client.execute(request, timeout: .seconds(options.timeoutSeconds))
            let body = try await response.body.collect(upTo: 64 * 1024)
            try? await client.shutdown()
            return .success((Int(response.status.code), String(buffer: body)))
        } catch {
            try? await client.shutdown()
            return .failure(DoctorFailure(description: GuardedFetcher.translate(error).description))
        }
    }

    // MARK: fail2ban

    func fail2banJail() async -> DoctorCheck {
        guard let client = Self.which("fail2ban-client") else {
            return .failed("fail2ban jail", "fail2ban is not installed", fix: "apt-get install fail2ban")
        }
        let socket = options.fail2banSocket.map { ["-s", $0] } ?? []
        let status = await Self.run(client, socket + ["status", "linkback"])
        guard status.status == 0 else {
            return .failed(
                "fail2ban jail", "fail2ban has no active linkback jail",
                fix: "copy the filter, jail and an action from share/linkback/fail2ban/ to /etc/fail2ban/, then"
                    + " systemctl reload fail2ban")
        }
        let banned = status.text.range(of: #"Currently banned:\s*\d+"#, options: .regularExpression)
            .map { status.text[$0].split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "?" } ?? "?"
        if let log = RejectionLog.filePath(of: config.logging.fail2banLog) {
            let paths = await Self.run(client, socket + ["get", "linkback", "logpath"])
            if paths.status == 0, !paths.text.contains(log) {
                return .failed(
                    "fail2ban jail", "the linkback jail does not read \(log)", fix: "set logpath = \(log) in the jail")
            }
        }
        return .ok("fail2ban jail", "linkback is active, \(banned) currently banned")
    }

    // MARK: Helpers

    struct Output {
        var status: Int32
        var text: String
    }

    /// Runs a program to completion off the cooperative threads; its stdout and stderr together.
    static func run(_ path: String, _ arguments: [String]) async -> Output {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: path)
                process.arguments = arguments
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                do {
                    try process.run()
                } catch {
                    continuation.resume(returning: Output(status: -1, text: "\(error)"))
                    return
                }
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: Output(status: process.terminationStatus, text: String(decoding: data, as: UTF8.self)))
            }
        }
    }

    static func which(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin"])
            .map { $0 + "/" + program }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func writable(_ path: String) -> Bool {
        access(path, W_OK) == 0
    }
}

struct DoctorFailure: Error, CustomStringConvertible {
    let description: String
}

import Foundation

/// A web server the ban tests can drive: Apache or nginx, started as the daemon it normally is
/// (see ``Spawn``) on a loopback port.
public protocol BanEnforcingServer: Sendable {
    var directory: TemporaryDirectory { get }
    var port: Int { get }
    /// The daemon's start and stop command lines (executable path first).
    var startCommand: [String] { get }
    var stopCommand: [String] { get }
    /// The file the daemon removes when it has stopped.
    var pidFile: String { get }
    /// What fail2ban's action runs to reload the server (checking its configuration first).
    var reloadCommand: String { get }
    var log: String { get }
}

extension BanEnforcingServer {
    public func start() async throws {
        // The daemon answering is what counts: the starting parent's exit status has been seen
        // to be 1 once although the daemon came up and served.
        let exit = try Spawn.run(startCommand[0], Array(startCommand.dropFirst()))
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? await status(from: "127.0.0.1")) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FixtureFailure("\(startCommand.joined(separator: " ")) (exit \(exit)) did not start: \(log)")
    }

    public func stop() async throws {
        try Spawn.run(stopCommand[0], Array(stopCommand.dropFirst()))
        let deadline = Date().addingTimeInterval(10)
        while FileManager.default.fileExists(atPath: pidFile), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The HTTP status answered to `GET /index.html` from the loopback address `from`.
    public func status(from: String) async throws -> Int {
        let response = try await RawHTTP.exchange(
            port: port, parts: [Array("GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)],
            timeout: 5, from: from)
        let status = RawHTTP.status(response)
        guard status != 0 else { throw FixtureFailure("no answer from \(startCommand[0])") }
        return status
    }

    public func cleanUp() async {
        try? await stop()
        directory.remove()
    }
}

/// A real nginx on a loopback port, configured from a snippet that Linkback ships.
public final class Nginx: BanEnforcingServer, @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let port: Int
    public let configPath: String

    /// Starts nginx with `snippet` on `port` (a free one when `nil`).
    public init(snippet: String, port: Int? = nil) async throws {
        directory = try TemporaryDirectory("nginx")
        self.port = try port ?? FreePort.find()
        configPath = try Self.configure(in: directory, port: self.port, snippet: snippet)
        try await start()
    }

    /// Writes the minimal configuration with `snippet` inside its `server` block into
    /// `directory`; returns its path (for `nginx -t -c PATH`, or to start from).
    public static func configure(in directory: TemporaryDirectory, port: Int, snippet: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory.file("htdocs"), withIntermediateDirectories: true)
        try directory.write("htdocs/index.html", "hello\n")
        try directory.write("snippet.conf", snippet)
        return try directory.write("nginx.conf", """
            user nobody nogroup;
            pid \(directory.file("nginx.pid"));
            error_log \(directory.file("error.log"));
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(directory.path);
                server {
                    listen 127.0.0.1:\(port);
                    root \(directory.file("htdocs"));
                    include \(directory.file("snippet.conf"));
                }
            }
            """)
    }

    public var startCommand: [String] { ["/usr/sbin/nginx", "-c", configPath] }
    public var stopCommand: [String] { ["/usr/sbin/nginx", "-c", configPath, "-s", "stop"] }
    public var pidFile: String { directory.file("nginx.pid") }

    public var reloadCommand: String { "nginx -c \(configPath) -t -q && nginx -c \(configPath) -s reload" }

    public var log: String { (try? String(contentsOfFile: directory.file("error.log"), encoding: .utf8)) ?? "" }
}

import Foundation

/// A real Apache httpd on a loopback port, configured from a snippet that Linkback ships.
public final class Apache: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let port: Int
    public let configPath: String

    /// Writes a minimal configuration that includes `snippet` (the shipped file's text with its
    /// paths replaced) and starts Apache.
    public init(snippet: String, modules: [String] = []) async throws {
        directory = try TemporaryDirectory("apache")
        port = try FreePort.find()
        try FileManager.default.createDirectory(atPath: directory.file("htdocs"), withIntermediateDirectories: true)
        try directory.write("htdocs/index.html", "hello\n")
        try directory.write("snippet.conf", snippet)
        let moduleLines = (["mpm_event", "authz_core", "authz_host"] + modules)
            .map { "LoadModule \($0)_module /usr/lib/apache2/modules/mod_\($0).so" }.joined(separator: "\n")
        configPath = try directory.write("httpd.conf", """
            ServerRoot "\(directory.path)"
            \(moduleLines)
            Listen 127.0.0.1:\(port)
            ServerName localhost
            PidFile "\(directory.file("httpd.pid"))"
            ErrorLog "\(directory.file("error.log"))"
            Mutex file:\(directory.path) default
            User nobody
            Group nogroup
            DocumentRoot "\(directory.file("htdocs"))"
            Include "\(directory.file("snippet.conf"))"
            """)
        try await start()
    }

    /// Starts Apache as the daemon it normally is (see ``Spawn``).
    public func start() async throws {
        let exit = try Spawn.run("/usr/sbin/apache2", ["-f", configPath, "-k", "start"])
        guard exit == 0 else { throw FixtureFailure("apache2 -k start exited \(exit): \(log)") }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? await status(from: "127.0.0.1")) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FixtureFailure("Apache did not start: \(log)")
    }

    public func stop() async throws {
        try Spawn.run("/usr/sbin/apache2", ["-f", configPath, "-k", "stop"])
        let deadline = Date().addingTimeInterval(10)
        while FileManager.default.fileExists(atPath: directory.file("httpd.pid")), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The HTTP status Apache answers to `GET /index.html` from the loopback address `from`.
    public func status(from: String) async throws -> Int {
        let response = try await RawHTTP.exchange(
            port: port, parts: [Array("GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)],
            timeout: 5, from: from)
        let status = RawHTTP.status(response)
        guard status != 0 else { throw FixtureFailure("no answer from Apache") }
        return status
    }

    /// The command fail2ban's action uses to reload this Apache (checks the configuration first).
    public var reloadCommand: String { "apache2 -f \(configPath) -k graceful" }

    public var log: String { (try? String(contentsOfFile: directory.file("error.log"), encoding: .utf8)) ?? "" }

    public func cleanUp() async {
        try? await stop()
        directory.remove()
    }
}

/// Finds a free TCP port on 127.0.0.1 (for servers that cannot listen on port 0).
public enum FreePort {
    public static func find() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw FixtureFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

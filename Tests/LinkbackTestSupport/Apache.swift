import Foundation

/// A real Apache httpd on a loopback port, configured from a snippet that Linkback ships.
public final class Apache: BanEnforcingServer, @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let port: Int
    public let configPath: String

    /// Writes a minimal configuration that includes `snippet` (the shipped file's text with its
    /// paths replaced) and starts Apache.
    public init(snippet: String, modules: [String] = []) async throws {
        directory = try TemporaryDirectory("apache")
        port = try FreePort.find()
        configPath = try Self.configure(in: directory, port: port, snippet: snippet, modules: modules)
        try await start()
    }

    /// Writes the minimal configuration around `snippet` into `directory`; returns its path
    /// (for `apache2 -t -f PATH`, or to start from).
    public static func configure(in directory: TemporaryDirectory, port: Int, snippet: String, modules: [String] = [])
        throws -> String
    {
        try FileManager.default.createDirectory(atPath: directory.file("htdocs"), withIntermediateDirectories: true)
        try directory.write("htdocs/index.html", "hello\n")
        try directory.write("snippet.conf", snippet)
        let moduleLines = (["mpm_event", "authz_core", "authz_host"] + modules)
            .map { "LoadModule \($0)_module /usr/lib/apache2/modules/mod_\($0).so" }.joined(separator: "\n")
        return try directory.write("httpd.conf", """
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
    }

    public var startCommand: [String] { ["/usr/sbin/apache2", "-f", configPath, "-k", "start"] }
    public var stopCommand: [String] { ["/usr/sbin/apache2", "-f", configPath, "-k", "stop"] }
    public var pidFile: String { directory.file("httpd.pid") }

    /// The command fail2ban's action uses to reload this Apache (checks the configuration first).
    public var reloadCommand: String { "apache2 -f \(configPath) -k graceful" }

    public var log: String { (try? String(contentsOfFile: directory.file("error.log"), encoding: .utf8)) ?? "" }
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

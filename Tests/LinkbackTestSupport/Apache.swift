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


import Foundation

/// A real fail2ban server in the foreground with the filter and actions Linkback ships, its own
/// socket and an in-memory database.
public final class Fail2ban: @unchecked Sendable {
    public let directory: TemporaryDirectory
    let server: Process
    public var socket: String { directory.file("f2b.sock") }

    /// `jail` is the body of a `[linkback]` jail section (logpath, action, …).
    public init(shipped: String, jail: String) async throws {
        directory = try TemporaryDirectory("fail2ban")
        for folder in ["filter.d", "action.d"] {
            try FileManager.default.copyItem(atPath: "\(shipped)/\(folder)", toPath: directory.file(folder))
        }
        try directory.write("fail2ban.conf", """
            [Definition]
            loglevel = INFO
            logtarget = \(directory.file("fail2ban.log"))
            socket = \(directory.file("f2b.sock"))
            pidfile = \(directory.file("f2b.pid"))
            dbfile = :memory:
            """)
        try directory.write("jail.conf", """
            [DEFAULT]
            backend = polling
            ignoreself = false
            ignoreip =
            [linkback]
            enabled = true
            \(jail)
            """)
        server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/fail2ban-server")
        server.arguments = ["-f", "-x", "-c", directory.path, "-s", directory.file("f2b.sock"), "-p", directory.file("f2b.pid")]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try await client(["ping"]).status == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FixtureFailure("fail2ban did not start: \(log)")
    }

    @discardableResult
    public func client(_ arguments: [String]) async throws -> Command.Output {
        try await Command.run("fail2ban-client", ["-s", socket] + arguments)
    }

    /// Stops the server (running the actions' stop commands) and waits for it to exit.
    public func stop() async throws {
        _ = try await client(["stop"])
        let deadline = Date().addingTimeInterval(20)
        while server.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }

    public var log: String { (try? String(contentsOfFile: directory.file("fail2ban.log"), encoding: .utf8)) ?? "" }

    public func cleanUp() async {
        if server.isRunning { try? await stop() }
        if server.isRunning { server.terminate() }
        directory.remove()
    }
}

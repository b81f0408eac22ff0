import Foundation

/// A test peer written in Python (a webhook receiver, a mail server, a push receiver) that logs
/// one JSON object per request to a file: started on a free port, read back, stopped.
public final class ScriptPeer: @unchecked Sendable {
    public let pid: pid_t
    public let port: Int
    public let log: String

    /// Starts `script` (in the end-to-end tests' `Scripts`) with its port first, then `arguments`
    /// (where `{log}` stands for the log file), and waits until the port answers.
    public init(script: String, arguments: [String], directory: TemporaryDirectory) async throws {
        let port = try FreePort.find()
        let log = directory.file(script + ".log")
        self.port = port
        self.log = log
        let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LinkbackEndToEndTests/Scripts")
        pid = try Spawn.start(
            "/usr/bin/env",
            ["python3", scripts.appendingPathComponent(script).path, String(port)] + arguments.map { $0 == "{log}" ? log : $0 })
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let probe = try? await RawHTTP.exchange(port: port, parts: [Array("GET / HTTP/1.0\r\n\r\n".utf8)], timeout: 1)
            if let probe, !probe.isEmpty { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Spawn.stop(pid)
        throw FixtureFailure("\(script) did not start")
    }

    /// The logged requests.
    public var requests: [[String: Any]] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { JSON.object(String($0)) }
    }

    /// Waits until `count` requests have been logged.
    public func waitFor(_ count: Int, timeout: Double = 20) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let seen = requests
            if seen.count >= count { return seen }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FixtureFailure("\(log) has \(requests.count) requests, not \(count)")
    }

    public func stop() { Spawn.stop(pid) }
}

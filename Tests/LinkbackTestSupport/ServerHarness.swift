import AsyncHTTPClient
import Foundation
import NIOCore

/// A real `linkback serve` process with its own configuration, database and rejection log in a
/// temporary directory, and helpers to talk to it over loopback.
public final class ServerHarness: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let configPath: String
    public private(set) var process: LinkbackProcess
    public private(set) var port: Int

    /// Starts a server whose configuration is the harness defaults plus `yaml` (top-level keys
    /// in `yaml` replace the defaults' sections of the same name).
    public init(
        yaml: String = "", sites: [String] = ["blog.example"], allowHosts: [String] = [], launcher: [String] = []
    ) async throws {
        directory = try TemporaryDirectory("linkback-server")
        let allow = allowHosts.map { "\"\($0)\"" }.joined(separator: ", ")
        let site = sites.map { "\"\($0)\"" }.joined(separator: ", ")
        var sections = [
            "server": "server:\n  port: 0\n  base_url: https://mentions.example\n  public_dir: \(Self.publicDirectory)\n",
            "database": "database:\n  path: \(directory.file("linkback.sqlite"))\n",
            "logging": "logging:\n  level: info\n  fail2ban_log: \(directory.file("fail2ban.log"))\n",
            "sites": "sites: [\(site)]\n",
            "fetch": "fetch:\n  timeout_seconds: 10\n  allow_hosts: [\(allow)]\n",
            // Tests send many requests from 127.0.0.1; spam tests turn the limits back on.
            "spam": "spam:\n  rate_limit_per_minute: 0\n  pair_interval_seconds: 0\n  fetches_per_source_host_per_minute: 0\n",
        ]
        var extra = ""
        for block in yaml.components(separatedBy: "\n\n") where !block.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let name = String(block.prefix { $0 != ":" }).trimmingCharacters(in: .whitespacesAndNewlines)
            if sections[name] != nil { sections[name] = block + "\n" } else { extra += block + "\n" }
        }
        configPath = try directory.write("linkback.yaml", sections.values.joined() + extra)
        process = try LinkbackProcess(["serve", "--config", configPath], launcher: launcher)
        port = try await process.waitForListening()
    }

    /// The repository's `Public/` directory.
    public static var publicDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Public").path
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// POSTs a form to `path` (as `application/x-www-form-urlencoded` unless `headers` name
    /// another Content-Type).
    public func postForm(
        _ path: String, _ fields: [(String, String)], headers: [(String, String)] = []
    ) async throws -> (status: Int, headers: [String: String], body: String) {
        let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        let type = headers.contains { $0.0.lowercased() == "content-type" }
            ? [] : [("Content-Type", "application/x-www-form-urlencoded")]
        return try await send("POST", path, body: Array(body.utf8), headers: type + headers)
    }

    public func send(
        _ method: String, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = []
    ) async throws -> (status: Int, headers: [String: String], body: String) {
        var request = HTTPClientRequest(url: url(path))
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let text = String(buffer: try await response.body.collect(upTo: 4 * 1024 * 1024))
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return (Int(response.status.code), fields, text)
    }

    /// Polls a status URL until its status is one of `statuses`; with `settled`, an approved
    /// mention still being verified again after a re-send (its detail says so) does not count yet.
    public func waitForStatus(
        _ statusPath: String, in statuses: Set<String>, settled: Bool = true, timeout: Double = 15
    ) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any] = [:]
        while Date() < deadline {
            let answer = try await send("GET", statusPath, headers: [("Accept", "application/json")])
            last = JSON.object(answer.body) ?? [:]
            let reverifying = (last["detail"] as? String)?.contains("being verified again") ?? false
            if let status = last["status"] as? String, statuses.contains(status), !(settled && reverifying) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FixtureFailure("status stayed \(last) instead of \(statuses)")
    }

    /// The rejection log's lines so far.
    public var rejectionLines: [String] {
        ((try? String(contentsOfFile: directory.file("fail2ban.log"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    /// Stops the server with SIGTERM and waits for it; returns its exit status.
    @discardableResult
    public func stop() async throws -> Int32 {
        process.signal(SIGTERM)
        return try await process.waitForExit(timeout: 20)
    }

    /// Starts the server again on the same configuration and database.
    public func restart() async throws {
        process = try LinkbackProcess(["serve", "--config", configPath])
        port = try await process.waitForListening()
    }

    /// Kills the server and removes its directory.
    public func cleanUp() {
        process.stop()
        directory.remove()
    }

    public static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension ServerHarness {
    /// A server that approves what links (127.0.0.1, where fixture pages live, is an allowed
    /// domain) and lets a build read blog.example with `readToken`.
    public static func approving(fetching source: FixtureServer, readToken: String) async throws -> ServerHarness {
        try await ServerHarness(
            yaml: """
                moderation:
                  allow_domains: [127.0.0.1]

                api:
                  tokens:
                    - token: \(readToken)
                      sites: [blog.example]
                  max_age: 30
                """, allowHosts: [source.hostPort])
    }
}

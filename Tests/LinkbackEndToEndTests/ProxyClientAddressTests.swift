import Foundation
import LinkbackTestSupport
import Testing

/// The client address behind the shipped reverse-proxy snippets, through a real nginx and a real
/// Apache in front of a real Linkback: a client's own `Forwarded` or `X-Forwarded-For` must not
/// choose the address that is logged, rate-limited and banned.
@Suite(.serialized) struct ProxyClientAddressTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A shipped snippet with Linkback's port put in.
    static func snippet(_ path: String, port: Int) throws -> String {
        try String(contentsOfFile: repository.appendingPathComponent(path).path, encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(port)")
    }

    enum Proxy: String, CaseIterable, CustomTestStringConvertible {
        case nginx, apache
        var testDescription: String { rawValue }

        func start(linkbackPort: Int) async throws -> any BanEnforcingServer {
            switch self {
            case .nginx:
                return try await Nginx(snippet: snippet("config/nginx/linkback.conf", port: linkbackPort))
            case .apache:
                return try await Apache(
                    snippet: snippet("config/apache/linkback.conf", port: linkbackPort),
                    modules: ["proxy", "proxy_http", "headers"])
            }
        }
    }

    static func webmention(source: String, forwarded: String, xForwardedFor: String) -> [UInt8] {
        let body = "source=\(source.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            + "&target=https%3A%2F%2Fblog.example%2Fposts%2F1"
        return Array(
            ("POST /webmention HTTP/1.1\r\nHost: blog.example\r\nUser-Agent: Sender/1.0\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nForwarded: for=\(forwarded)\r\n"
                + "X-Forwarded-For: \(xForwardedFor)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
                + body).utf8)
    }

    /// A Linkback that believes the proxy on 127.0.0.1, plus `extra` configuration sections.
    static func linkbackBehindTheProxy(extra: String = "") async throws -> ServerHarness {
        try await ServerHarness(
            yaml: """
                server:
                  port: 0
                  base_url: https://mentions.example
                  public_dir: \(ServerHarness.publicDirectory)
                  trusted_proxies: [127.0.0.1]

                \(extra)
                """)
    }

    @Test(arguments: Proxy.allCases)
    func theProxiedClientIsLoggedAndLimitedWhateverItWrites(proxy: Proxy) async throws {
        let linkback = try await Self.linkbackBehindTheProxy(
            extra: "spam:\n  rate_limit_per_minute: 10\n  rate_limit_burst: 10\n  pair_interval_seconds: 0")
        defer { linkback.cleanUp() }
        let server = try await proxy.start(linkbackPort: linkback.port)
        // Forty invalid webmentions from 127.0.0.2, each claiming another address in both headers.
        var statuses: [Int] = []
        for index in 0..<40 {
            let request = Self.webmention(
                source: "ftp://x.example/\(index)", forwarded: "198.51.100.\(index + 1)",
                xForwardedFor: "203.0.113.\(index + 1)")
            statuses.append(RawHTTP.status(try await RawHTTP.exchange(port: server.port, parts: [request], from: "127.0.0.2")))
        }
        await server.cleanUp()
        // The rate limit holds: one client, ten admitted, whatever the headers said.
        #expect(statuses.filter { $0 == 400 }.count == 10, "\(statuses)")
        #expect(statuses.filter { $0 == 429 }.count == 30, "\(statuses)")
        let lines = linkback.rejectionLines
        #expect(lines.count == 40)
        #expect(lines.allSatisfy { $0.contains(" rejected from 127.0.0.2 ") }, "\(lines.prefix(3))")
        #expect(!lines.contains { $0.contains("from 198.51.100.") || $0.contains("from 203.0.113.") })
    }

    /// Review F4: garbage in the client's own X-Forwarded-For (the proxy appends the real
    /// address after it) must not make the proxy the logged client, which fail2ban would never
    /// ban and whose one bucket every such client would share.
    @Test(arguments: Proxy.allCases)
    func garbageInTheClientsHeaderDoesNotHideTheClient(proxy: Proxy) async throws {
        let linkback = try await Self.linkbackBehindTheProxy()
        defer { linkback.cleanUp() }
        let server = try await proxy.start(linkbackPort: linkback.port)
        let garbage = ["x", "unknown", "[2001:db8::1", "0300.0.2.1", "x, y", "fe80::1%eth0, ;"]
        for (index, value) in garbage.enumerated() {
            let request = Self.webmention(source: "ftp://x.example/\(index)", forwarded: "x", xForwardedFor: value)
            _ = try await RawHTTP.exchange(port: server.port, parts: [request], from: "127.0.0.2")
        }
        await server.cleanUp()
        let lines = linkback.rejectionLines
        #expect(lines.count == garbage.count)
        #expect(lines.allSatisfy { $0.contains(" rejected from 127.0.0.2 ") }, "\(lines)")
    }

    /// The snippets advertise both endpoints (Webmention §3.1 discovery by HTTP `Link` header,
    /// Pingback's `X-Pingback` header) on every answer they give, the proxied ones included.
    @Test(arguments: Proxy.allCases)
    func theSnippetsAdvertiseBothEndpoints(proxy: Proxy) async throws {
        let linkback = try await ServerHarness()
        defer { linkback.cleanUp() }
        let server = try await proxy.start(linkbackPort: linkback.port)
        let request = Array("GET /webmention HTTP/1.1\r\nHost: blog.example\r\nConnection: close\r\n\r\n".utf8)
        let response = try await RawHTTP.exchange(port: server.port, parts: [request], from: "127.0.0.2")
        await server.cleanUp()
        #expect(RawHTTP.status(response) == 200, "\(response)")
        let headers = response.components(separatedBy: "\r\n\r\n").first?.lowercased() ?? ""
        #expect(headers.contains("\r\nlink: <https://blog.example/webmention>; rel=\"webmention\""), "\(headers)")
        #expect(headers.contains("\r\nx-pingback: https://blog.example/xmlrpc"), "\(headers)")
    }
}

import Foundation
import LinkbackTestSupport
import Testing

/// Hostile and odd XML-RPC requests replayed over a raw socket: each gets its fault or status and
/// one rejection-log line, and the server stays up.
@Suite struct PingbackHostileRequestTests {
    static let target = "https://blog.example/posts/1"

    /// An HTTP/1.1 POST to /xmlrpc with `Content-Length`.
    static func request(_ body: String, userAgent: String = "test", type: String = "text/xml") -> [UInt8] {
        Array("POST /xmlrpc HTTP/1.1\r\nHost: blog.example\r\nUser-Agent: \(userAgent)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
    }

    static func ping(_ source: String, _ target: String) -> String {
        "<?xml version=\"1.0\"?><methodCall><methodName>pingback.ping</methodName><params><param><value><string>\(source)</string></value></param><param><value><string>\(target)</string></value></param></params></methodCall>"
    }

    private func faultCode(_ response: String) -> Int? {
        guard let range = response.range(of: #"<name>faultCode</name><value><int>(-?\d+)</int>"#, options: .regularExpression) else {
            return nil
        }
        let match = response[range]
        return Int(match.split(separator: ">").last!.split(separator: "<").first!)
    }

    private func expectStillServing(_ server: ServerHarness) async throws {
        let health = try await server.send("GET", "/healthz")
        #expect(health.status == 200)
    }

    struct Hostile: Sendable, CustomStringConvertible {
        let name: String
        let body: String
        let fault: Int
        let reason: String
        var yaml = ""
        var description: String { name }
    }

    static let billionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
        <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
        <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
        <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
        <methodCall><methodName>pingback.ping</methodName><params><param><value>&lol9;</value></param></params></methodCall>
        """

    static let quadratic = "<?xml version=\"1.0\"?><!DOCTYPE q [<!ENTITY a \"" + String(repeating: "a", count: 20_000)
        + "\">]><methodCall><methodName>pingback.ping</methodName><params><param><value>"
        + String(repeating: "&a;", count: 2000) + "</value></param></params></methodCall>"

    static let hostile: [Hostile] = [
        Hostile(name: "billion laughs", body: billionLaughs, fault: -32700, reason: "malformed-xml"),
        Hostile(name: "quadratic blowup", body: quadratic, fault: -32700, reason: "malformed-xml"),
        Hostile(name: "external entity (file)", body: "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><methodCall><methodName>pingback.ping</methodName><params><param><value>&xxe;</value></param><param><value>b</value></param></params></methodCall>", fault: -32700, reason: "malformed-xml"),
        Hostile(name: "lower-case doctype", body: "<?xml version=\"1.0\"?><!doctype methodCall SYSTEM \"http://127.0.0.1:1/dtd\"><methodCall><methodName>x</methodName></methodCall>", fault: -32700, reason: "malformed-xml"),
        Hostile(name: "10,000 nested elements", body: "<?xml version=\"1.0\"?><methodCall><methodName>pingback.ping</methodName><params><param><value>" + String(repeating: "<array><data><value>", count: 10_000) + "x" + String(repeating: "</value></data></array>", count: 10_000) + "</value></param></params></methodCall>", fault: -32700, reason: "malformed-xml",
            yaml: "pingback:\n  max_body_bytes: 1048576"),
        Hostile(name: "40 nested arrays", body: "<?xml version=\"1.0\"?><methodCall><methodName>pingback.ping</methodName><params><param><value>" + String(repeating: "<array><data><value>", count: 40) + "x" + String(repeating: "</value></data></array>", count: 40) + "</value></param></params></methodCall>", fault: -32600, reason: "invalid-request"),
        Hostile(name: "empty body", body: "", fault: -32700, reason: "malformed-xml"),
        Hostile(name: "JSON sent as XML", body: #"{"method":"pingback.ping","params":["a","b"]}"#, fault: -32700, reason: "malformed-xml"),
        Hostile(name: "not a methodCall", body: "<?xml version=\"1.0\"?><methodResponse/>", fault: -32600, reason: "invalid-request"),
        Hostile(name: "one parameter", body: "<methodCall><methodName>pingback.ping</methodName><params><param><value>https://a.example/</value></param></params></methodCall>", fault: -32602, reason: "invalid-params"),
        Hostile(name: "three parameters", body: "<methodCall><methodName>pingback.ping</methodName><params><param><value>a</value></param><param><value>b</value></param><param><value>c</value></param></params></methodCall>", fault: -32602, reason: "invalid-params"),
        Hostile(name: "integer parameters", body: "<methodCall><methodName>pingback.ping</methodName><params><param><value><int>1</int></value></param><param><value><i4>2</i4></value></param></params></methodCall>", fault: -32602, reason: "invalid-params"),
        Hostile(name: "a struct parameter", body: "<methodCall><methodName>pingback.ping</methodName><params><param><value><struct><member><name>a</name><value>b</value></member></struct></value></param><param><value>x</value></param></params></methodCall>", fault: -32602, reason: "invalid-params"),
        Hostile(name: "system.multicall", body: "<methodCall><methodName>system.multicall</methodName><params><param><value><array><data></data></array></value></param></params></methodCall>", fault: -32601, reason: "unknown-method"),
    ]

    @Test(arguments: hostile)
    func getsItsFaultAndOneLogLine(request: Hostile) async throws {
        let server = try await ServerHarness(yaml: request.yaml)
        defer { server.cleanUp() }
        let started = Date()
        let response = try await RawHTTP.exchange(port: server.port, parts: [Self.request(request.body)])
        #expect(RawHTTP.status(response) == 200, "\(response.prefix(200))")
        #expect(response.contains("Content-Type: text/xml; charset=utf-8"))
        #expect(faultCode(response) == request.fault, "\(response.suffix(300))")
        #expect(!response.contains("root:"), "file content echoed")
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(server.rejectionLines.count == 1)
        #expect(server.rejectionLines.first?.contains("pingback rejected from 127.0.0.1 reason=\(request.reason)") == true)
        try await expectStillServing(server)
    }

    @Test func externalEntityOverHTTPIsNeverFetched() async throws {
        let victim = try await FixtureServer.start()
        victim.set("/dtd", .content("<!ENTITY x 'pwned'>", type: "application/xml-dtd"))
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        let body = "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY % remote SYSTEM \"\(victim.url("/dtd").absoluteString)\">%remote;]><methodCall><methodName>pingback.ping</methodName></methodCall>"
        let response = try await RawHTTP.exchange(port: server.port, parts: [Self.request(body)])
        #expect(faultCode(response) == -32700)
        #expect(victim.hits("/dtd") == 0)
        await victim.stop()
    }

    @Test func invalidUTF8IsAParseError() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        var bytes = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><methodCall><methodName>pingback.ping</methodName><params><param><value>".utf8)
        bytes += [0xC3, 0x28, 0xFF]
        bytes += Array("</value></param></params></methodCall>".utf8)
        let head = Array("POST /xmlrpc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n".utf8)
        let response = try await RawHTTP.exchange(port: server.port, parts: [head + bytes])
        #expect(faultCode(response) == -32700)
        #expect(server.rejectionLines.first?.contains("reason=malformed-xml") == true)
    }

    @Test func tenMebibyteBodyIs413WithoutBeingRead() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        let head = Array("POST /xmlrpc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 10485760\r\n\r\n".utf8)
        let started = Date()
        let response = try await RawHTTP.exchange(port: server.port, parts: [head + Array(repeating: UInt8(ascii: "<"), count: 1000)])
        #expect(RawHTTP.status(response) == 413)
        #expect(Date().timeIntervalSince(started) < 2)
        // Chunked with no length: refused once it passes pingback.max_body_bytes.
        let chunk = String(repeating: "x", count: 70_000)
        let chunked = Array("POST /xmlrpc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n\(String(chunk.utf8.count, radix: 16))\r\n\(chunk)\r\n0\r\n\r\n".utf8)
        #expect(RawHTTP.status(try await RawHTTP.exchange(port: server.port, parts: [chunked])) == 413)
        #expect(server.rejectionLines.filter { $0.contains("reason=too-large") }.count == 2)
        try await expectStillServing(server)
    }

    @Test func aChunkedBodyThatNeverEndsTimesOut() async throws {
        let server = try await ServerHarness(yaml: "server:\n  port: 0\n  base_url: https://mentions.example\n  public_dir: \(ServerHarness.publicDirectory)\n  body_timeout_seconds: 1")
        defer { server.cleanUp() }
        let head = Array("POST /xmlrpc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<meth\r\n".utf8)
        let started = Date()
        let response = try await RawHTTP.exchange(port: server.port, parts: [head], timeout: 10)
        #expect(RawHTTP.status(response) == 408)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.9 && elapsed < 5, "\(elapsed)")
        #expect(server.rejectionLines.first?.contains("reason=slow-request") == true)
        try await expectStillServing(server)
    }

    @Test func aBodyShorterThanItsLengthTimesOutAndTheConnectionCloses() async throws {
        let server = try await ServerHarness(yaml: "server:\n  port: 0\n  base_url: https://mentions.example\n  public_dir: \(ServerHarness.publicDirectory)\n  body_timeout_seconds: 1")
        defer { server.cleanUp() }
        let started = Date()
        // Keeps the connection open after the answer: the server must close it, not wait for the rest.
        let response = try await RawHTTP.exchange(
            port: server.port,
            parts: [Array("POST /webmention HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 60\r\n\r\nsource=".utf8)],
            timeout: 10, untilClosed: true)
        #expect(RawHTTP.status(response) == 408)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.9 && elapsed < 5, "\(elapsed)")
        #expect(server.rejectionLines.first?.contains("webmention rejected from 127.0.0.1 reason=slow-request") == true)
        try await expectStillServing(server)
    }

    @Test func aBodyThatTricklesButEndsInTimeIsRead() async throws {
        let server = try await ServerHarness(yaml: "server:\n  port: 0\n  base_url: https://mentions.example\n  public_dir: \(ServerHarness.publicDirectory)\n  body_timeout_seconds: 2")
        defer { server.cleanUp() }
        let body = Array("source=nonsense&target=https%3A%2F%2Fblog.example%2Fposts%2F1".utf8)
        let head = Array("POST /webmention HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        // Four pieces 300 ms apart: about a second, inside the two-second deadline.
        let pieces = [head + body[0..<10], Array(body[10..<30]), Array(body[30..<50]), Array(body[50...])]
        let response = try await RawHTTP.exchange(port: server.port, parts: pieces, pause: .milliseconds(300))
        #expect(RawHTTP.status(response) == 400)
        #expect(server.rejectionLines.count == 1)
        #expect(server.rejectionLines.first?.contains(#"reason=invalid-url source="nonsense""#) == true, "\(server.rejectionLines)")
    }

    /// Chunked, PHP/5.2.10, malformed XML: what pingback spam bots send every few minutes.
    static func classicSpam() -> [UInt8] {
        let body = "<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>pingback.ping</methodName>\n<params>\n<param><value><string>http://spam.example/cheap-pills</string></value></param>\n<param><value><string>https://blog.example/posts/1</string>"
        return Array("POST /xmlrpc HTTP/1.1\r\nHost: blog.example\r\nUser-Agent: PHP/5.2.10\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n\(String(body.utf8.count, radix: 16))\r\n\(body)\r\n0\r\n\r\n".utf8)
    }

    @Test func theClassicSpamRequestIsRefusedAtTheDoorByDefault() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        let response = try await RawHTTP.exchange(port: server.port, parts: [Self.classicSpam()])
        #expect(RawHTTP.status(response) == 200)
        #expect(faultCode(response) == 49)
        #expect(server.rejectionLines.count == 1)
        #expect(server.rejectionLines[0].hasSuffix(#"pingback rejected from 127.0.0.1 reason=blocked-user-agent ua="PHP/5.2.10""#))
    }

    @Test func theClassicSpamRequestWithoutTheUserAgentRuleIsMalformedXML() async throws {
        let server = try await ServerHarness(yaml: "spam:\n  block_user_agents: []\n  rate_limit_per_minute: 0\n  pair_interval_seconds: 0")
        defer { server.cleanUp() }
        let response = try await RawHTTP.exchange(port: server.port, parts: [Self.classicSpam()])
        #expect(RawHTTP.status(response) == 200)
        #expect(faultCode(response) == -32700)
        #expect(server.rejectionLines.count == 1)
        #expect(server.rejectionLines[0].hasSuffix(#"pingback rejected from 127.0.0.1 reason=malformed-xml ua="PHP/5.2.10""#))
    }

    @Test func aWordPressShapedPingSucceeds() async throws {
        let source = try await FixtureServer.start()
        let sourceURL = source.url("/2026/11/25/a-post/").absoluteString
        source.set("/2026/11/25/a-post/", .html("<html><head><title>A post &#8211; Carol&#039;s blog</title></head><body><div class=\"entry-content\"><p>As <a href=\"\(Self.target)\">Dave says</a>, receivers matter.</p></div></body></html>"))
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        // WordPress's IXR client: these headers, this body layout.
        let body = """
            <?xml version="1.0"?>
            <methodCall>
            <methodName>pingback.ping</methodName>
            <params>
            <param><value><string>\(sourceURL)</string></value></param>
            <param><value><string>\(Self.target)</string></value></param>
            </params></methodCall>

            """
        let request = Array("POST /xmlrpc HTTP/1.0\r\nHost: blog.example\r\nUser-Agent: WordPress/6.7; https://carol.example\r\nContent-Type: text/xml\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        let response = try await RawHTTP.exchange(port: server.port, parts: [request])
        #expect(RawHTTP.status(response) == 200)
        #expect(faultCode(response) == nil)
        #expect(response.contains("<methodResponse><params><param><value><string>Pingback from \(sourceURL) to \(Self.target) registered."))
        #expect(server.rejectionLines.isEmpty)
        await source.stop()
    }
}

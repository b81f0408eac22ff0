import Foundation
import LinkbackKit
import LinkbackTestSupport
import Testing

/// Limits that keep one client (or one page) from tying up the server: half-sent requests are
/// closed after `server.idle_timeout_seconds`, connections beyond `server.max_connections` wait,
/// and a page built to make extraction slow leaves `/healthz` answering. Real process, loopback.
@Suite(.serialized) struct ConnectionLimitTests {
    static let halfRequest = Array("POST /webmention HTTP/1.1\r\nHost: blog.example\r\nContent-Ty".utf8)

    /// Opens a connection to 127.0.0.1:`port` and sends half a request head; the socket stays open
    /// until ``close(_:)``. (Not through ``RawHTTP``, whose blocking reads would run only two at a
    /// time on this machine's cooperative pool.)
    static func openHalfRequest(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw FixtureFailure("cannot connect") }
        _ = halfRequest.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }

    /// Whether the server has closed `fd` (a read without waiting sees the end of the stream).
    static func isClosedByServer(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) == 0
    }

    /// A server with these `server:` keys added to the harness's.
    static func server(_ keys: String) async throws -> ServerHarness {
        try await ServerHarness(yaml: """
            server:
              port: 0
              base_url: https://mentions.example
              public_dir: \(ServerHarness.publicDirectory)
            \(keys)
            """)
    }

    @Test func halfSentRequestsAreClosedAfterTheIdleTimeout() async throws {
        let server = try await Self.server("  idle_timeout_seconds: 1")
        defer { server.cleanUp() }
        // Fifty connections that never finish their request head, all open at once.
        let sockets = try (0..<50).map { _ in try Self.openHalfRequest(port: server.port) }
        defer { sockets.forEach { _ = close($0) } }
        #expect(!sockets.contains(where: Self.isClosedByServer))
        // Closed by the server once the idle timeout has passed (generously: within 5 s).
        let deadline = Date().addingTimeInterval(5)
        while sockets.contains(where: { !Self.isClosedByServer($0) }), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(sockets.allSatisfy(Self.isClosedByServer))
        // And the server still answers.
        #expect(try await server.send("GET", "/healthz").status == 200)
    }

    @Test func connectionsBeyondTheCapWaitForAFreeOne() async throws {
        let server = try await Self.server("  idle_timeout_seconds: 3\n  max_connections: 4")
        defer { server.cleanUp() }
        let port = server.port
        let get = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        // Below the cap a request is answered at once.
        let quick = Date()
        #expect(RawHTTP.status(try await RawHTTP.exchange(port: port, parts: [get], timeout: 10)) == 200)
        let unloaded = Date().timeIntervalSince(quick)
        #expect(unloaded < 2)
        // Four idle connections fill the cap; the fifth is accepted only when the idle timeout frees one.
        let holders = try (0..<4).map { _ in try Self.openHalfRequest(port: port) }
        defer { holders.forEach { _ = close($0) } }
        try await Task.sleep(for: .milliseconds(500))
        let start = Date()
        let answer = try await RawHTTP.exchange(port: port, parts: [get], timeout: 10)
        let waited = Date().timeIntervalSince(start)
        #expect(RawHTTP.status(answer) == 200)
        #expect(waited > 1.5, "answered after \(waited) s although the cap was full")
        // What freed the slot: an idle connection closed by the server.
        #expect(holders.contains(where: Self.isClosedByServer))
    }

    /// The review's page: an h-entry with 250 nested e-content divs around 16,000 links.
    static func nestedContentPage(target: String) -> String {
        let links = (0..<16_000).map { #"<a href="https://x.example/\#($0)">l\#($0)</a> "# }.joined()
        return #"<html><body><div class="h-entry"><p class="p-name">T</p>"#
            + String(repeating: #"<div class="e-content">"#, count: 250) + links + #"<a href="\#(target)">post</a>"#
            + String(repeating: "</div>", count: 250) + "</div></body></html>"
    }

    @Test func healthAnswersWhileTheWorstPagesAreVerified() async throws {
        let source = try await FixtureServer.start()
        let target = "https://blog.example/posts/1"
        let page = Self.nestedContentPage(target: target)
        source.set("/a", .html(page))
        source.set("/b", .html(page))
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        var locations: [String] = []
        for path in ["/a", "/b"] {
            let answer = try await server.postForm("/webmention", [("source", source.url(path).absoluteString), ("target", target)])
            #expect(answer.status == 201)
            locations.append(try #require(answer.headers["location"]).replacingOccurrences(of: "https://mentions.example", with: ""))
        }
        // While both are verified, every health check is answered (it stalled for ~30 s before).
        var slowest = 0.0
        for _ in 0..<20 {
            let start = Date()
            let health = try await RawHTTP.exchange(
                port: server.port, parts: [Array("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)],
                timeout: 5)
            #expect(RawHTTP.status(health) == 200)
            slowest = max(slowest, Date().timeIntervalSince(start))
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(slowest < 1, "slowest /healthz took \(slowest) s")
        for location in locations {
            let status = try await server.waitForStatus(location, in: ["pending"], timeout: 60)
            #expect(status["status"] as? String == "pending")
        }
        await source.stop()
    }
}

/// `server.max_in_flight` at its edge, with requests really in flight (their bodies half sent).
@Suite struct InFlightLimitTests {
    static func halfSentWebmention(port: Int, pause: Duration) async throws -> String {
        let body = "source=https%3A%2F%2Fa.example%2F&target=https%3A%2F%2Fother.example%2F"
        let head = "POST /webmention HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        return try await RawHTTP.exchange(
            port: port, parts: [Array(head.utf8) + Array(body.utf8.prefix(10)), Array(body.utf8.dropFirst(10))], pause: pause)
    }

    @Test func oneMoreThanTheCapGets503WithRetryAfterAndHealthStillAnswers() async throws {
        let server = try await ServerHarness(yaml: """
            server:
              port: 0
              base_url: https://mentions.example
              public_dir: \(ServerHarness.publicDirectory)
              max_in_flight: 2
            """)
        defer { server.cleanUp() }
        let port = server.port
        let first = Task { try await Self.halfSentWebmention(port: port, pause: .milliseconds(1500)) }
        let second = Task { try await Self.halfSentWebmention(port: port, pause: .milliseconds(1500)) }
        try await Task.sleep(for: .milliseconds(500))  // both are being answered, waiting for their bodies
        let third = try await server.postForm("/webmention", [("source", "https://b.example/"), ("target", "https://blog.example/")])
        #expect(third.status == 503)
        #expect(third.headers["retry-after"] == "1")
        #expect(third.body.contains("overloaded"))
        #expect(try await server.send("GET", "/healthz").status == 200)
        // The two in flight finish normally (a target not on our sites: 400), and then there is room.
        #expect(RawHTTP.status(try await first.value) == 400)
        #expect(RawHTTP.status(try await second.value) == 400)
        let after = try await server.postForm("/webmention", [("source", "https://b.example/"), ("target", "https://blog.example/")])
        #expect(after.status == 201)
        // Overload is not the client's fault: only the two 400s reached the rejection log.
        #expect(server.rejectionLines.count == 2, "\(server.rejectionLines)")
    }

    @Test func theConnectionCapLeavesRoomForEverythingElse() {
        let fetches = 40
        let tight = DescriptorBudget.plan(limit: 200, configured: 1024, fetches: fetches)
        #expect(tight.lowered)
        #expect(tight.maxConnections == 200 - DescriptorBudget.reserve(fetches: fetches))
        let roomy = DescriptorBudget.plan(limit: 65536, configured: 1024, fetches: fetches)
        #expect(!roomy.lowered && roomy.maxConnections == 1024)
    }

    /// More connections than descriptors: once, libdispatch aborted the process when it could no
    /// longer open `/proc`. Now the cap is lowered to fit (and said so at start), the surplus waits.
    @Test func moreConnectionsThanDescriptorsAreSurvived() async throws {
        let server = try await ServerHarness(launcher: ["/usr/bin/prlimit", "--nofile=200:200", "--"])
        defer { server.cleanUp() }
        #expect(server.process.stderr.contains("server.max_connections lowered"), "\(server.process.stderr)")
        var open: [Int32] = []
        defer { open.forEach { _ = close($0) } }
        for _ in 0..<180 { open.append(try ConnectionLimitTests.openHalfRequest(port: server.port)) }
        try await Task.sleep(for: .seconds(2))
        #expect(server.process.isRunning, "\(server.process.stderr.suffix(2000))")
        open.forEach { _ = close($0) }
        open = []
        var answered = false
        for _ in 0..<50 where !answered {
            answered = (try? await server.send("GET", "/healthz").status) == 200
            if !answered { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(answered)
        #expect(server.process.isRunning)
    }
}

import AsyncHTTPClient
import Foundation
import LinkbackTestSupport
import Testing

/// `GET /metrics` from the real server: what it counted while answering real requests, in
/// Prometheus text format, and the listener of its own.
@Suite struct MetricsTests {
    /// The value of the sample `name{labels}` in a Prometheus text exposition, if present.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    @Test func countsRequestsRejectionsVerificationsAndTheQueue() async throws {
        let source = try await FixtureServer.start()
        source.set("/post", .html("<p><a href=\"https://blog.example/posts/1\">a post</a></p>"))
        let server = try await ServerHarness(allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        let answer = try await server.postForm(
            "/webmention", [("source", source.url("/post").absoluteString), ("target", "https://blog.example/posts/1")])
        #expect(answer.status == 201)
        _ = try await server.postForm("/webmention", [("source", "nonsense"), ("target", "https://blog.example/posts/1")])
        _ = try await server.send(
            "POST", "/xmlrpc", body: Array("<x".utf8), headers: [("User-Agent", "PHP/5.2.10"), ("Content-Type", "text/xml")])
        _ = try await server.waitForStatus(String(try #require(answer.headers["location"]).dropFirst("https://mentions.example".count)), in: ["pending"])

        let metrics = try await server.send("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = metrics.body
        #expect(Self.sample(text, #"linkback_rejections_total{endpoint="webmention",reason="invalid-url"}"#) == 1, "\(text)")
        #expect(Self.sample(text, #"linkback_rejections_total{endpoint="pingback",reason="blocked-user-agent"}"#) == 1)
        #expect(Self.sample(text, #"linkback_http_requests_total{route="/webmention",status="201"}"#) == 1)
        #expect(Self.sample(text, #"linkback_http_requests_total{route="/webmention",status="400"}"#) == 1)
        #expect(Self.sample(text, #"linkback_verifications_total{outcome="link-found"}"#) == 1)
        #expect(Self.sample(text, #"linkback_verification_duration_seconds_count"#) == 1)
        #expect((Self.sample(text, "linkback_fetch_bytes_total") ?? 0) > 40)
        #expect(Self.sample(text, #"linkback_mentions{status="pending"}"#) == 1)
        #expect(Self.sample(text, #"linkback_mentions{status="queued"}"#) == 0)
        #expect(text.contains("# TYPE linkback_rejections_total counter"))
        await source.stop()
    }

    @Test func aListenerOfItsOwnKeepsMetricsOffThePublicOne() async throws {
        let port = try FreePort.find()
        let server = try await ServerHarness(yaml: "metrics:\n  address: 127.0.0.1:\(port)")
        defer { server.cleanUp() }
        #expect(try await server.send("GET", "/metrics").status == 404)
        _ = try await server.postForm("/webmention", [("source", "nonsense"), ("target", "https://blog.example/posts/1")])
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")
        request.method = .GET
        let deadline = Date().addingTimeInterval(5)
        var text = ""
        while Date() < deadline {
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)) {
                text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(Self.sample(text, #"linkback_rejections_total{endpoint="webmention",reason="invalid-url"}"#) == 1, "\(text)")
    }

    @Test func offMeansNoEndpoint() async throws {
        let server = try await ServerHarness(yaml: "metrics:\n  enabled: false")
        defer { server.cleanUp() }
        #expect(try await server.send("GET", "/metrics").status == 404)
    }
}

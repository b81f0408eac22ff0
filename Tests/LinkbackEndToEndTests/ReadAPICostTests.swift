import Foundation
import LinkbackTestSupport
import Testing

/// The read API's cost under hostile queries, through the real server (review F7, F17, F18): a
/// bounded number of targets and rows per anonymous request, anonymous reads rate-limited per
/// address (site builds with a token are not), and answers that say who may cache them.
@Suite struct ReadAPICostTests {
    static let target = "https://blog.example/posts/1"
    static let token = "build-token-0123456789"
    static let privateToken = "private-token-0123456789"

    private func server(readsPerMinute: Int = 0) async throws -> ServerHarness {
        try await ServerHarness(
            yaml: """
                api:
                  reads_per_minute: \(readsPerMinute)
                  tokens:
                    - token: \(Self.token)
                      sites: [blog.example]
                    - token: \(Self.privateToken)
                      sites: [blog.example]
                      private: true
                """)
    }

    @Test func targetsAndAnonymousPagesAreCappedWithAnAnswerThatSaysSo() async throws {
        let server = try await server()
        defer { server.cleanUp() }
        func targets(_ count: Int) -> String {
            (0..<count).map { "target[]=https://blog.example/p\($0)" }.joined(separator: "&")
        }
        #expect(try await server.send("GET", "/api/mentions.jf2?\(targets(100))").status == 200)
        for count in [101, 600] {
            let answer = try await server.send("GET", "/api/mentions.jf2?\(targets(count))")
            #expect(answer.status == 400, "\(count): \(answer.body)")
            #expect(JSON.object(answer.body)?["error_description"] as? String == "at most 100 targets per request (api.max_targets)")
        }
        let big = try await server.send("GET", "/api/mentions.jf2?target=\(Self.target)&per-page=101")
        #expect(big.status == 400)
        #expect((JSON.object(big.body)?["error_description"] as? String)?.contains("at most 100 without a token") == true)
        #expect(try await server.send("GET", "/api/mentions.jf2?target=\(Self.target)&per-page=100").status == 200)
        #expect(try await server.send("GET", "/api/mentions.jf2?token=\(Self.token)&per-page=5000").status == 200)
        // A refused read is no spam: nothing in the rejection log.
        #expect(server.rejectionLines.isEmpty)
    }

    @Test func anonymousReadsAreLimitedPerAddressTokenReadsAreNot() async throws {
        let server = try await server(readsPerMinute: 60)
        defer { server.cleanUp() }
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<12 {
            let answer = try await server.send("GET", "/api/count?target=\(Self.target)")
            statuses.append(answer.status)
            if answer.status == 429 { retryAfter = answer.headers["retry-after"] }
        }
        #expect(statuses.prefix(10).allSatisfy { $0 == 200 }, "\(statuses)")
        #expect(statuses.suffix(2).allSatisfy { $0 == 429 }, "\(statuses)")
        #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
        for _ in 0..<20 {
            #expect(try await server.send("GET", "/api/mentions.jf2?token=\(Self.token)").status == 200)
        }
        #expect(server.rejectionLines.isEmpty)
    }

    /// F17: a token that sees Private Webmentions gets answers no shared cache keeps and no other
    /// site's page may read; F18: the HTML fragment, opened on this origin, runs nothing.
    @Test func privateAnswersAreNotSharedAndTheFragmentRunsNothing() async throws {
        let server = try await server()
        defer { server.cleanUp() }
        let open = try await server.send("GET", "/api/mentions.jf2?token=\(Self.token)")
        #expect(open.headers["cache-control"]?.hasPrefix("public") == true)
        #expect(open.headers["access-control-allow-origin"] == "*")
        let hidden = try await server.send("GET", "/api/mentions.jf2?token=\(Self.privateToken)")
        #expect(hidden.status == 200)
        #expect(hidden.headers["cache-control"]?.hasPrefix("private") == true, "\(hidden.headers)")
        #expect(hidden.headers["access-control-allow-origin"] == nil)
        let fragment = try await server.send("GET", "/api/mentions.html?target=\(Self.target)")
        #expect(fragment.status == 200)
        #expect(fragment.headers["x-content-type-options"] == "nosniff")
        #expect(fragment.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        // A revalidation with the tag answers 304 (without rendering the body again).
        let tag = try #require(fragment.headers["etag"])
        let again = try await server.send("GET", "/api/mentions.html?target=\(Self.target)", headers: [("If-None-Match", tag)])
        #expect(again.status == 304)
    }
}

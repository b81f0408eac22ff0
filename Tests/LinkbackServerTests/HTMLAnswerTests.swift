import Foundation
import Hummingbird
import HummingbirdTesting
import LinkbackKit
import LinkbackServer
import LinkbackStore
import LinkbackTestSupport
import Logging
import Testing

/// HTML answers escape everything they echo (the review's reflected XSS), and the public status
/// page shows fixed wordings, never a moderator's private note. In-process, through the router.
@Suite struct HTMLAnswerTests {
    static let markup = #"<img src=x onerror=alert(1)>"'&<script>alert(2)</script>"#

    private func withServer(_ body: (LinkbackServer, SQLiteMentionStore) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var config = Config.defaults
        config.sites = [HostPort(host: "blog.example", port: nil)]
        config.spam.rateLimitPerMinute = 0
        config.spam.pairIntervalSeconds = 0
        let store = try SQLiteMentionStore(path: directory.file("db.sqlite"))
        let log = try RejectionLog(destination: directory.file("fail2ban.log"))
        try await body(LinkbackServer(config: config, store: store, rejectionLog: log, logger: Logger(label: "test")), store)
        try await store.close()
    }

    /// Parses `html` as a browser would and fails on any element or attribute the page did not write itself.
    private func expectNoInjectedMarkup(_ html: String, _ context: String) {
        let document = HTMLDocument(html: html)
        let elements = document.root.descendants()
        #expect(!elements.contains { ["img", "script", "svg", "iframe"].contains($0.name) }, "\(context): \(html)")
        #expect(!elements.contains { $0.attributes.contains { $0.name.hasPrefix("on") } }, "\(context): \(html)")
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        return ByteBuffer(string: body)
    }

    @Test(arguments: [
        [("source", markup), ("target", "https://blog.example/p")],
        [("source", "https://s.example/p"), ("target", markup)],
        [("source", "https://s.example/p"), ("target", "http://%3Cimg%20src=x%20onerror=alert(1)%3E/")],
        [("source", "http://%3Cscript%3Ealert(1)%3C/script%3E/"), ("target", "https://blog.example/p")],
        [("source", "https://s.example/p"), ("target", "https://other.example/" + markup)],
        [("source", markup), ("source", markup), ("target", markup)],
        [("source", "https://blog.example/p"), ("target", "https://blog.example/p")],
        [(markup, markup)],
    ])
    func errorPagesEscapeEveryEchoedField(fields: [(String, String)]) async throws {
        try await withServer { server, _ in
            try await server.application().test(.router) { client in
                try await client.execute(
                    uri: "/webmention", method: .post,
                    headers: [.accept: "text/html", .contentType: "application/x-www-form-urlencoded"],
                    body: Self.form(fields)
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                    expectNoInjectedMarkup(String(buffer: response.body), "\(fields)")
                }
            }
        }
    }

    @Test func theStatusPageEscapesAndKeepsModeratorNotesPrivate() async throws {
        try await withServer { server, store in
            // Stored as written, bypassing the endpoint's checks, to test the page's own escaping.
            let received = try await store.receive(
                IncomingMention(source: "https://s.example/" + Self.markup, target: "https://blog.example/" + Self.markup,
                    site: "blog.example", protocol: .webmention), actor: .server)
            try await store.transition(id: received.mention.id, to: .pending, actor: .server, reason: nil)
            try await store.transition(
                id: received.mention.id, to: .rejected, actor: .cli, reason: "private: the author is my ex " + Self.markup)
            try await server.application().test(.router) { client in
                let path = "/webmention/status/\(received.mention.token)"
                try await client.execute(uri: path, method: .get, headers: [.accept: "text/html"]) { response in
                    let html = String(buffer: response.body)
                    #expect(response.status == .ok)
                    expectNoInjectedMarkup(html, "status page")
                    #expect(!html.contains("private"))
                    #expect(html.contains("Not accepted."))
                    #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
                }
                try await client.execute(uri: path, method: .get, headers: [.accept: "application/json"]) { response in
                    let status = JSON.object(String(buffer: response.body))
                    #expect(status?["status"] as? String == "rejected")
                    #expect(status?["detail"] as? String == "Not accepted.")
                    #expect(status?["reason"] is NSNull)
                }
            }
            // The note is still in the history for moderators.
            let events = try await store.events(mentionID: received.mention.id)
            #expect(events.last?.reason?.hasPrefix("private:") == true)
        }
    }

    @Test func verificationReasonsStayPublic() async throws {
        try await withServer { server, store in
            let received = try await store.receive(
                IncomingMention(source: "https://s.example/x", target: "https://blog.example/p", site: "blog.example",
                    protocol: .webmention), actor: .server)
            let claimed = try await store.claimQueued(limit: 1, now: Date())
            _ = try await store.complete(claimed[0], with: .failed(status: .rejected, reason: "no-link"), actor: .server)
            try await server.application().test(.router) { client in
                try await client.execute(
                    uri: "/webmention/status/\(received.mention.token)", method: .get, headers: [.accept: "application/json"]
                ) { response in
                    let status = JSON.object(String(buffer: response.body))
                    #expect(status?["reason"] as? String == "no-link")
                }
            }
        }
    }
}

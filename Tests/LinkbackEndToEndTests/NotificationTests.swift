import Foundation
import LinkbackCore
import LinkbackStore
import LinkbackTestSupport
import Testing

/// Notifications from a real `linkback serve`: mail to a real SMTP server (aiosmtpd) with a
/// one-click link whose GET changes nothing and whose POST approves once; ntfy-style pushes with
/// their headers, and a digest that tells ten likes as one message.
@Suite(.serialized) struct NotificationTests {
    static let post = "https://blog.example/posts/1"
    static let base = "https://mentions.example"

    static func entry(_ author: String, like: Bool) -> FixtureServer.Page {
        let link = like
            ? "<a class=\"u-like-of\" href=\"\(post)\">liked</a>"
            : "<a class=\"u-in-reply-to\" href=\"\(post)\">re</a><p class=\"e-content\">Thanks for the post, \(author) here.</p>"
        return .html("<div class=\"h-entry\"><a class=\"p-author h-card\" href=\"/\">\(author)</a>\(link)</div>")
    }

    private func send(_ server: ServerHarness, _ source: String) async throws -> String {
        let sent = try await server.postForm("/webmention", [("source", source), ("target", Self.post)])
        return try #require(sent.headers["location"]).replacingOccurrences(of: Self.base, with: "")
    }

    /// The text part of a MIME message as aiosmtpd received it.
    static func textPart(_ message: String) throws -> String {
        let normalised = message.replacingOccurrences(of: "\r\n", with: "\n")
        let start = try #require(normalised.range(of: "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"))
        let base64 = normalised[start.upperBound...].prefix { $0 != "-" }.filter { !$0.isWhitespace }
        return String(decoding: try #require(Data(base64Encoded: String(base64))), as: UTF8.self)
    }

    @Test func aPendingMentionIsMailedAndItsLinkApprovesOnce() async throws {
        let directory = try TemporaryDirectory("notify")
        defer { directory.remove() }
        let smtp = try await ScriptPeer(script: "smtp_receiver.py", arguments: ["{log}"], directory: directory)
        defer { smtp.stop() }
        let pages = try await FixtureServer.start()
        pages.set("/reply", Self.entry("Ann Example", like: false))
        let server = try await ServerHarness(
            yaml: """
                notifications:
                  smtp:
                    host: 127.0.0.1
                    port: \(smtp.port)
                    from: linkback@blog.example
                    timeout_seconds: 5
                  channels:
                    - to: mailto:owner@blog.example
                """,
            allowHosts: [pages.hostPort])
        defer { server.cleanUp() }
        let status = try await send(server, pages.url("/reply").absoluteString)
        _ = try await server.waitForStatus(status, in: ["pending"])

        let mails = try? await smtp.waitFor(1)
        let mail = try #require(mails?.first, "\(server.process.stderr.suffix(3000))")
        #expect(mail["from"] as? String == "linkback@blog.example")
        #expect(mail["to"] as? [String] == ["owner@blog.example"])
        let data = try #require(mail["data"] as? String)
        #expect(data.contains("Subject: Waiting: a reply of /posts/1 from Ann Example"))
        #expect(data.contains("Content-Type: multipart/alternative"))
        #expect(data.contains("Auto-Submitted: auto-generated"))
        let text = try Self.textPart(data)
        #expect(text.contains("Source: \(pages.url("/reply").absoluteString)"))
        let approve = try #require(text.split(separator: "\n").first { $0.hasPrefix("Approve: ") }).dropFirst("Approve: ".count)
        let path = approve.replacingOccurrences(of: Self.base, with: "")
        #expect(path.hasPrefix("/moderate/"))

        // A scanner's GET: a confirmation page, nothing changed.
        let look = try await server.send("GET", path)
        #expect(look.status == 200)
        #expect(look.body.contains("<form method=\"post\""))
        #expect(look.headers["referrer-policy"] == "no-referrer")
        #expect(try await server.waitForStatus(status, in: ["pending"])["status"] as? String == "pending")

        // The owner's POST approves, as the actor `link`; the link is spent.
        let act = try await server.send("POST", path)
        #expect(act.status == 200, "\(act.body)")
        _ = try await server.waitForStatus(status, in: ["approved"])
        let again = try await server.send("POST", path)
        #expect(again.status == 410)
        let shown = try await LinkbackProcess.run(["show", "1", "--json", "--config", server.configPath])
        let events = try #require((JSON.object(shown.stdout)?["events"]) as? [[String: Any]])
        #expect(events.last?["actor"] as? String == "link")
        #expect(events.last?["to"] as? String == "approved")

        // A link signed with the server's own key (read from its database) but past its expiry: 410.
        let store = try SQLiteMentionStore(path: server.directory.file("linkback.sqlite"))
        let expired = ModerationLink(
            mentionID: 1, action: .reject, expires: Date().addingTimeInterval(-60), nonce: String(repeating: "0", count: 23) + "1")
        let old = try await server.send("POST", "/moderate/" + expired.token(key: try await store.linkKey()))
        try await store.close()
        #expect(old.status == 410 && old.body.contains("Link expired"), "\(old.body)")

        // A token this server did not sign: 403 and a line fail2ban reads.
        let forged = try await server.send("POST", String(path.dropLast(3)) + "AAA")
        #expect(forged.status == 403)
        #expect(server.rejectionLines.contains { $0.contains("admin rejected from 127.0.0.1 reason=bad-admin-token") })
        await pages.stop()
    }

    /// A mail server that offers STARTTLS (and requires it) gets the mail over TLS, its
    /// certificate checked against `ca_file`; `starttls: never` to a server that requires it fails
    /// and is retried, never sent in the clear.
    @Test func mailGoesOverSTARTTLSWhenOffered() async throws {
        let directory = try TemporaryDirectory("notify")
        defer { directory.remove() }
        let certificate = directory.file("cert.pem")
        let key = directory.file("key.pem")
        let made = try await Command.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", certificate,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let smtp = try await ScriptPeer(script: "smtp_receiver.py", arguments: ["{log}", certificate, key], directory: directory)
        defer { smtp.stop() }
        let pages = try await FixtureServer.start()
        pages.set("/reply", Self.entry("Ann Example", like: false))
        let server = try await ServerHarness(
            yaml: """
                notifications:
                  smtp:
                    host: localhost
                    port: \(smtp.port)
                    from: linkback@blog.example
                    starttls: always
                    ca_file: \(certificate)
                  channels:
                    - to: mailto:owner@blog.example
                """,
            allowHosts: [pages.hostPort])
        defer { server.cleanUp() }
        _ = try await server.waitForStatus(try await send(server, pages.url("/reply").absoluteString), in: ["pending"])
        let mail = try #require(try await smtp.waitFor(1).first)
        #expect(mail["tls"] as? Bool == true)
        #expect((mail["data"] as? String)?.contains("Subject: Waiting: a reply of /posts/1 from Ann Example") == true)
        await pages.stop()
    }

    @Test func pushesCarryTheirHeadersAndADigestCollapsesTenLikes() async throws {
        let directory = try TemporaryDirectory("notify")
        defer { directory.remove() }
        let push = try await ScriptPeer(script: "push_receiver.py", arguments: ["{log}"], directory: directory)
        defer { push.stop() }
        let pages = try await FixtureServer.start()
        for index in 0..<10 { pages.set("/like-\(index)", Self.entry("Fan \(index)", like: true)) }
        pages.set("/reply", Self.entry("Ann Example", like: false))
        let server = try await ServerHarness(
            yaml: """
                notifications:
                  channels:
                    - to: http://127.0.0.1:\(push.port)/digest
                      digest: minutes:0.15
                    - to: http://127.0.0.1:\(push.port)/replies
                      types: [reply]
                """,
            allowHosts: [pages.hostPort, "127.0.0.1:\(push.port)"])
        defer { server.cleanUp() }
        for index in 0..<10 {
            _ = try await server.waitForStatus(try await send(server, pages.url("/like-\(index)").absoluteString), in: ["pending"])
        }
        _ = try await server.waitForStatus(try await send(server, pages.url("/reply").absoluteString), in: ["pending"])

        // The reply at once, with buttons that POST to its one-click links.
        let instant = try #require(try await push.waitFor(1).first { $0["path"] as? String == "/replies" })
        #expect(instant["title"] as? String == "Waiting: a reply of /posts/1 from Ann Example")
        #expect(instant["click"] as? String == "\(Self.base)/admin.html")
        let actions = try #require(instant["actions"] as? String)
        #expect(actions.hasPrefix("http, Approve, \(Self.base)/moderate/"))
        #expect(actions.contains("method=POST") && actions.contains("http, Reject,") && actions.contains("http, Spam,"))

        // Everything waiting, in one message that counts the likes.
        let all = try await push.waitFor(2, timeout: 30)
        let digest = try #require(all.first { $0["path"] as? String == "/digest" })
        #expect(digest["title"] as? String == "11 mentions of /posts/1: 10 likes, 1 reply (11 waiting)")
        let body = try #require(digest["body"] as? String)
        #expect(body.contains("10 likes waiting — Fan 0, Fan 1, Fan 2, Fan 3, Fan 4 and 5 more"))
        #expect(body.contains("Approve: \(Self.base)/moderate/"))
        try await Task.sleep(for: .seconds(2))
        #expect(push.requests.count == 2)
        let listed = try await LinkbackProcess.run(["notifications", "--json", "--config", server.configPath])
        let messages = try #require(JSON.value(listed.stdout) as? [[String: Any]], "\(listed.stderr)")
        #expect(messages.map { $0["state"] as? String } == ["delivered", "delivered"])
        #expect(messages.allSatisfy { $0["to"] as? String == "http://127.0.0.1:\(push.port)/…" }, "the topic stays out: \(messages)")
        #expect(messages.first?["subject"] as? String == "11 mentions of /posts/1: 10 likes, 1 reply (11 waiting)")
        await pages.stop()
    }
}

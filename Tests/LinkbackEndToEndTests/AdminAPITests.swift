import Foundation
import Hummingbird
import HummingbirdTesting
import LinkbackKit
import LinkbackServer
import LinkbackStore
import LinkbackTestSupport
import Logging
import Testing

/// The admin API over a live loopback socket with a real SQLite file and rejection log: the
/// same moderation as the CLI, bearer authorisation, and failed authentications that fail2ban bans.
@Suite(.serialized) struct AdminAPITests {
    static let token = "admin-token-0123456789abcdef"

    struct Setup {
        let server: LinkbackServer
        let store: SQLiteMentionStore
        let log: String
    }

    private func withServer(
        token: String = AdminAPITests.token, ban: Int = 0, _ body: (Setup) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var config = Config.defaults
        config.server.port = 0
        config.sites = [HostPort(host: "blog.example", port: nil)]
        config.admin.token = token
        config.spam.banAfterRejections = ban
        let store = try SQLiteMentionStore(path: directory.file("db.sqlite"))
        let logPath = directory.file("fail2ban.log")
        let log = try RejectionLog(destination: logPath)
        try await body(Setup(
            server: LinkbackServer(config: config, store: store, rejectionLog: log, logger: Logger(label: "test")), store: store,
            log: logPath))
        try await store.close()
    }

    private func pending(_ store: SQLiteMentionStore, _ source: String) async throws -> Mention {
        try await store.storeVerified(
            IncomingMention(source: source, target: "https://blog.example/p", site: "blog.example", protocol: .webmention),
            status: .pending, content: MentionContent(type: .reply, authorName: "A"), actor: .server)
    }

    static var auth: HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

    static func call(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = auth,
        body: String? = nil
    ) async throws -> (status: HTTPResponse.Status, body: String) {
        try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) {
            ($0.status, String(buffer: $0.body))
        }
    }

    /// ``call(_:_:_:headers:body:)`` for use inside `#expect`: an error is recorded, not thrown.
    static func tryCall(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = auth,
        body: String? = nil
    ) async -> (status: HTTPResponse.Status, body: String) {
        do {
            return try await call(client, method, uri, headers: headers, body: body)
        } catch {
            Issue.record("\(method) \(uri): \(error)")
            return (.internalServerError, "")
        }
    }

    @Test func offWithoutAToken() async throws {
        try await withServer(token: "") { setup in
            try await setup.server.application().test(.router) { client in
                #expect(await Self.tryCall(client, .get, "/admin/api/mentions").status == .notFound)
            }
        }
    }

    @Test func moderatesListsAndShowsHistory() async throws {
        try await withServer { setup in
            let a = try await pending(setup.store, "https://a.example/1")
            let b = try await pending(setup.store, "https://b.example/1")
            try await setup.server.application().test(.router) { client in
                let listed = try await Self.call(client, .get, "/admin/api/mentions?status=pending&limit=10")
                #expect(listed.status == .ok)
                #expect((JSON.value(listed.body) as? [[String: Any]])?.count == 2)

                let approved = try await Self.call(client, .post, "/admin/api/mentions/\(a.id)/approve", body: #"{"reason":"fine"}"#)
                #expect(approved.status == .ok)
                #expect(JSON.object(approved.body)?["status"] as? String == "approved")
                let again = try await Self.call(client, .post, "/admin/api/mentions/\(a.id)/approve")
                #expect(again.status == .conflict)
                #expect(JSON.object(again.body)?["error_description"] as? String == "cannot approve: it is already approved")

                let shown = try await Self.call(client, .get, "/admin/api/mentions/\(a.id)")
                let events = try #require(JSON.object(shown.body)?["events"] as? [[String: Any]])
                #expect(events.last?["actor"] as? String == "admin-api")
                #expect(events.last?["reason"] as? String == "fine")

                let bulk = try await Self.call(
                    client, .post, "/admin/api/mentions/bulk", body: #"{"action":"spam","ids":[\#(a.id),\#(b.id),999]}"#)
                let answer = try #require(JSON.object(bulk.body))
                #expect((answer["changed"] as? [[String: Any]])?.count == 2)
                #expect((answer["refused"] as? [[String: Any]])?.first?["id"] as? Int == 999)
                // Spam blocked both source domains, as `linkback spam` does.
                let blocks = try await Self.call(client, .get, "/admin/api/blocks")
                #expect(Set((JSON.value(blocks.body) as? [[String: Any]])?.compactMap { $0["value"] as? String } ?? [])
                    == ["a.example", "b.example"])

                #expect(await Self.tryCall(client, .post, "/admin/api/mentions/\(a.id)/promote").status == .notFound)
                #expect(await Self.tryCall(client, .post, "/admin/api/mentions/999/approve").status == .notFound)
                #expect(await Self.tryCall(client, .get, "/admin/api/mentions/999").status == .notFound)
                #expect(await Self.tryCall(client, .get, "/admin/api/mentions?status=lost").status == .badRequest)
                #expect(await Self.tryCall(client, .post, "/admin/api/mentions/bulk", body: "{nope").status == .badRequest)
            }
        }
    }

    @Test func blocksAndAllowedDomains() async throws {
        try await withServer { setup in
            let spammy = try await pending(setup.store, "https://www.spam.example/1")
            try await setup.server.application().test(.router) { client in
                let added = try await Self.call(client, .post, "/admin/api/blocks", body: #"{"value":"Spam.Example","reason":"bots"}"#)
                #expect(added.status == .created)
                #expect(JSON.object(added.body)?["value"] as? String == "spam.example")
                #expect(JSON.object(added.body)?["marked_spam"] as? Int == 1)
                let marked = try await setup.store.mention(id: spammy.id)
                #expect(marked?.status == .spam)
                #expect(await Self.tryCall(client, .post, "/admin/api/blocks", body: #"{"value":"x","kind":"planet"}"#).status
                    == .badRequest)
                #expect(await Self.tryCall(client, .delete, "/admin/api/blocks/spam.example").status == .noContent)
                #expect(await Self.tryCall(client, .delete, "/admin/api/blocks/spam.example").status == .notFound)
                let url = "https%3A%2F%2Fbad.example%2Fx%2F"
                #expect(await Self.tryCall(client, .post, "/admin/api/blocks", body: #"{"value":"https://bad.example/x/"}"#).status
                    == .created)
                #expect(await Self.tryCall(client, .delete, "/admin/api/blocks/\(url)").status == .noContent)

                // Review F19: the dashboard's "block source" names the source; one on an address
                // (IPv4 or IPv6) blocks that site's URLs, never the clients at that address.
                for (source, value) in [
                    ("http://203.0.113.9:8080/spam/1", "http://203.0.113.9:8080/"),
                    ("https://[2001:db8::7]/spam/1", "https://[2001:db8::7]/"),
                    ("https://www.Spam.example/x", "www.spam.example"),
                ] {
                    let blocked = try await Self.call(
                        client, .post, "/admin/api/blocks", body: #"{"source":"\#(source)","reason":"dashboard"}"#)
                    #expect(blocked.status == .created, "\(source): \(blocked.body)")
                    #expect(JSON.object(blocked.body)?["value"] as? String == value, "\(source): \(blocked.body)")
                    #expect(JSON.object(blocked.body)?["kind"] as? String != "ip", "\(source)")
                }
                #expect(await Self.tryCall(client, .post, "/admin/api/blocks", body: #"{"source":"ftp://x"}"#).status == .badRequest)

                #expect(await Self.tryCall(client, .post, "/admin/api/allow", body: #"{"domain":"Bücher.example"}"#).status == .created)
                #expect(JSON.value(await Self.tryCall(client, .get, "/admin/api/allow").body) as? [String] == ["xn--bcher-kva.example"])
                #expect(await Self.tryCall(client, .post, "/admin/api/allow", body: #"{"domain":"not a domain"}"#).status == .badRequest)
                #expect(await Self.tryCall(client, .delete, "/admin/api/allow/b%C3%BCcher.example").status == .noContent)
                let stats = try await Self.call(client, .get, "/admin/api/stats")
                #expect((JSON.object(stats.body)?["by_status"] as? [String: Any])?["spam"] as? Int == 1)
            }
        }
    }

    /// `POST /admin/api/forget`: a dry run lists, the real one erases and says so; a subject that is
    /// neither a domain nor a URL is a 400.
    @Test func forgetsThroughTheAdminAPI() async throws {
        try await withServer { setup in
            let mention = try await pending(setup.store, "https://www.gone.example/1")
            try await setup.server.application().test(.router) { client in
                let dry = try await Self.call(client, .post, "/admin/api/forget", body: #"{"subject":"gone.example","dry_run":true}"#)
                #expect(dry.status == .ok)
                #expect(JSON.object(dry.body)?["sources"] as? [String] == ["https://www.gone.example/1"], "\(dry.body)")
                #expect(try await setup.store.mention(id: mention.id)?.status == .pending)
                let done = try await Self.call(client, .post, "/admin/api/forget", body: #"{"subject":"gone.example"}"#)
                #expect(JSON.object(done.body)?["ids"] as? [Int] == [Int(mention.id)] && JSON.object(done.body)?["sources"] == nil)
                #expect(try await setup.store.mention(id: mention.id)?.source == "forgotten:\(mention.id)")
                #expect(await Self.tryCall(client, .post, "/admin/api/forget", body: #"{"subject":"not a domain/"}"#).status == .badRequest)
            }
        }
    }

    /// Review F8: the statistics come from counts kept as rejections happen, seeded once at start
    /// from the log, never from a scan of the log per call: lines written to the file behind the
    /// server's back after the start do not show, the server's own rejections do.
    @Test func statisticsDoNotReadTheRejectionLogPerCall() async throws {
        let logs = try TemporaryDirectory("stats-log")
        defer { logs.remove() }
        func line(_ date: Date, _ address: String) -> String {
            "\(date.iso8601) linkback[7]: pingback rejected from \(address) reason=malformed-xml ua=\"PHP/5.2.10\"\n"
        }
        let log = try logs.write("rejections.log", line(Date().addingTimeInterval(-3600), "192.0.2.1")
            + line(Date().addingTimeInterval(-60), "192.0.2.1") + line(Date().addingTimeInterval(-3 * 86400), "192.0.2.9"))
        let server = try await ServerHarness(
            yaml: "logging:\n  level: info\n  fail2ban_log: \(log)\n\nadmin:\n  token: stats-admin-token")
        defer { server.cleanUp() }
        let admin = [("Authorization", "Bearer stats-admin-token")]
        func rejections() async throws -> [String: Int] {
            let stats = try await server.send("GET", "/admin/api/stats", headers: admin)
            return (JSON.object(stats.body)?["rejections_24h"] as? [String: Int]) ?? [:]
        }
        var seeded: [String: Int] = [:]
        for _ in 0..<100 where seeded["malformed-xml"] != 2 {
            seeded = try await rejections()
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(seeded == ["malformed-xml": 2])
        // Behind the server's back: not read again.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(String(repeating: line(Date(), "192.0.2.5"), count: 50).utf8))
        try handle.close()
        #expect(try await server.postForm("/webmention", [("source", "garbage"), ("target", "https://blog.example/p")]).status == 400)
        #expect(try await rejections() == ["malformed-xml": 2, "invalid-url": 1])
    }

    /// Token guessers are logged like pingback spammers, matched by the shipped fail2ban filter,
    /// and banned by the built-in ban. (A request with no credentials at all is soft: see
    /// Fail2banTests.requestsAnotherSitesPageMakesABrowserSendBanNobody.)
    @Test func failedAuthenticationIsLoggedForFail2banAndBanned() async throws {
        try await withServer(ban: 3) { setup in
            try await setup.server.application().test(.live) { client in
                for headers: HTTPFields in [[.authorization: "Bearer "], [.authorization: "Bearer wrong"], [.authorization: "Basic \(Self.token)"]] {
                    let answer = try await Self.call(client, .get, "/admin/api/mentions", headers: headers)
                    #expect(answer.status == .unauthorized)
                }
                // Banned now, even with the right token.
                #expect(await Self.tryCall(client, .get, "/admin/api/mentions").status == .forbidden)
            }
            let lines = try String(contentsOfFile: setup.log, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines.allSatisfy { $0.contains("admin rejected from 127.0.0.1 reason=bad-admin-token") })
            let matched = try await Fail2banTests.regex(setup.log)
            #expect(matched.matched == 3)
            #expect(matched.addresses == ["127.0.0.1", "127.0.0.1", "127.0.0.1"])
        }
    }

    /// The CLI (another process) and the admin API moderating the same mentions at once never
    /// approve a mention that a re-send put back in the queue.
    @Test func concurrentModerationNeverApprovesAnUnverifiedMention() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = directory.file("db.sqlite")
        var config = Config.defaults
        config.admin.token = Self.token
        config.sites = [HostPort(host: "blog.example", port: nil)]
        let store = try SQLiteMentionStore(path: db)
        var ids: [Int64] = []
        for index in 0..<30 { ids.append(try await pending(store, "https://s\(index).example/p").id) }
        let allIDs = ids
        let server = LinkbackServer(
            config: config, store: store, rejectionLog: try RejectionLog(destination: directory.file("f.log")),
            logger: Logger(label: "test"))
        try await server.application().test(.router) { client in
            async let requeued: Void = {
                // Re-sends put every mention back in the queue while moderators act.
                for id in allIDs {
                    let mention = try await store.mention(id: id)!
                    _ = try await store.receive(
                        IncomingMention(source: mention.source, target: mention.target, site: mention.site, protocol: .webmention),
                        actor: .server)
                }
            }()
            async let cli = LinkbackProcess.run(["approve", "--database", db] + allIDs.map(String.init))
            let body = #"{"action":"approve","ids":[\#(allIDs.map(String.init).joined(separator: ","))]}"#
            let api = try await Self.call(client, .post, "/admin/api/mentions/bulk", body: body)
            try await requeued
            _ = try await cli
            #expect(api.status == .ok)
        }
        // Every approval happened while the mention was pending: none after its re-send queued it.
        // (A re-send of a mention already approved keeps it approved: that event is no approval.)
        for id in ids {
            let events = try await store.events(mentionID: id)
            for (index, event) in events.enumerated() where event.to == .approved && !event.isResend {
                #expect(event.from == .pending, "mention \(id): \(events)")
                #expect(!events[..<index].contains { $0.to == .queued && $0.isResend }, "mention \(id): \(events)")
            }
        }
        try await store.close()
    }
}

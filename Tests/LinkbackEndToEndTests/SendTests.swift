import Foundation
import LinkbackTestSupport
import Testing

/// Sending, end to end: a blog post and its targets on a real local server, a real Linkback as
/// the receiving end (webmentions and pingbacks), and `linkback send` or the admin API as the
/// sending end, each with its own database.
@Suite struct SendTests {
    static let token = "send-admin-token"

    /// A receiving Linkback for targets on `pages`, publishing what it verifies.
    private func receiver(_ pages: FixtureServer) async throws -> ServerHarness {
        try await ServerHarness(
            yaml: "moderation:\n  auto_approve: true\n\nadmin:\n  token: \(Self.token)", sites: [pages.hostPort],
            allowHosts: [pages.hostPort])
    }

    /// The receiver's mentions, as (target path, protocol, status), sorted.
    private func received(_ receiver: ServerHarness, _ pages: FixtureServer) async throws -> [[String]] {
        let answer = try await receiver.send(
            "GET", "/admin/api/mentions?status=all", headers: [("Authorization", "Bearer \(Self.token)")])
        let mentions = try #require(JSON.value(answer.body) as? [[String: Any]], "\(answer.body)")
        return mentions.map {
            [String(($0["target"] as? String ?? "").dropFirst("http://\(pages.hostPort)".count)), $0["protocol"] as? String ?? "",
                $0["status"] as? String ?? ""]
        }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// A configuration for `linkback send` with its own database, fetching from `hosts`.
    private func senderConfig(in directory: TemporaryDirectory, allowing hosts: [String], extra: String = "") throws -> String {
        let allow = hosts.map { "\"\($0)\"" }.joined(separator: ", ")
        return try directory.write(
            "linkback.yaml", "database:\n  path: \(directory.file("sender.sqlite"))\nfetch:\n  allow_hosts: [\(allow)]\n" + extra)
    }

    private func waitFor(_ what: String, timeout: Double = 15, _ done: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await done() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(what)")
    }

    private func post(_ links: [String], outside: String = "") -> FixtureServer.Page {
        .html("<article class=\"h-entry\"><p class=\"e-content\">"
            + links.map { "<a href=\"\($0)\">a link</a>" }.joined(separator: " ") + "</p></article>\(outside)")
    }

    @Test func theCLISendsWebmentionsAndPingbacksAndResendsRemovedLinks() async throws {
        let pages = try await FixtureServer.start()
        let receiver = try await receiver(pages)
        defer { receiver.cleanUp() }
        let base = "http://\(pages.hostPort)"
        pages.set("/t-wm", .init(headers: [("Link", "<\(receiver.url("/webmention"))>; rel=\"webmention\"")], body: []))
        pages.set("/t-pb", .html("<link rel=\"pingback\" href=\"\(receiver.url("/xmlrpc"))\"><p>pingbacks only</p>"))
        pages.set("/t-none", .html("<p>no endpoint</p>"))
        pages.set("/t-bad", .html("<link rel=\"webmention\" href=\"/refuses\">"))
        pages.set("/refuses", .html("no", status: 400))
        pages.set("/post", post(["\(base)/t-wm", "/t-pb", "/t-none#fragment", "\(base)/t-bad"], outside: "<a href=\"/outside\">x</a>"))

        let directory = try TemporaryDirectory("linkback-sender")
        defer { directory.remove() }
        let config = try senderConfig(in: directory, allowing: [pages.hostPort, "127.0.0.1:\(receiver.port)"])
        func send(_ extra: [String] = []) async throws -> (status: Int32, results: [[String: Any]]) {
            let run = try await LinkbackProcess.run(["send", "\(base)/post", "--config", config, "--json"] + extra)
            let results = try #require(JSON.value(run.stdout) as? [[String: Any]], "\(run.stdout) \(run.stderr)")
            return (run.status, results)
        }
        func byTarget(_ results: [[String: Any]], _ key: String) -> [String: String] {
            Dictionary(uniqueKeysWithValues: results.map {
                (String(($0["target"] as? String ?? "").dropFirst(base.count)), $0[key] is NSNull ? "nil" : "\($0[key] ?? "nil")")
            })
        }

        // A dry run: each link's endpoints, nothing sent, nothing stored.
        let dry = try await send(["--dry-run"])
        #expect(dry.status == 0)
        #expect(byTarget(dry.results, "webmention") == [
            "/t-wm": receiver.url("/webmention"), "/t-pb": "nil", "/t-none": "nil", "/t-bad": "\(base)/refuses",
        ])
        #expect(byTarget(dry.results, "pingback")["/t-pb"] == receiver.url("/xmlrpc"))
        #expect(try await received(receiver, pages).isEmpty)
        #expect(pages.hits("/refuses") == 0)

        // The send: a webmention, a pingback, no endpoint, and a refusal (exit 1).
        let first = try await send()
        #expect(first.status == 1)
        let results = byTarget(first.results, "result")
        #expect(results["/t-wm"]?.hasPrefix("webmention: 201 Location https://mentions.example/webmention/status/") == true, "\(results)")
        #expect(results["/t-pb"] == "pingback: registered")
        #expect(results["/t-none"] == "no endpoint")
        #expect(results["/t-bad"] == "failed: the webmention endpoint answered HTTP 400")
        #expect(byTarget(first.results, "state") == ["/t-wm": "sent", "/t-pb": "sent", "/t-none": "no-endpoint", "/t-bad": "failed"])
        #expect(byTarget(first.results, "endpoint") == [
            "/t-wm": receiver.url("/webmention"), "/t-pb": receiver.url("/xmlrpc"), "/t-none": "nil", "/t-bad": "\(base)/refuses",
        ])
        #expect(pages.hits("/outside") == 0)
        // --status reads the outbox back without fetching or sending anything.
        let hitsBefore = pages.hits("/post")
        let status = try await send(["--status"])
        #expect(byTarget(status.results, "result") == results && pages.hits("/post") == hitsBefore)
        try await waitFor("the receiver to verify both") {
            try await received(receiver, pages) == [["/t-pb", "pingback", "approved"], ["/t-wm", "webmention", "approved"]]
        }

        // The post is edited: the webmention target's link is gone. It is sent again, unlinked,
        // and the receiver, finding no link any more, deletes its mention.
        pages.set("/post", post(["/t-pb", "/t-none"]))
        // (t-bad, linked at the last send, is sent once more and refused again: exit 1.)
        let second = try await send()
        #expect(second.status == 1)
        #expect(byTarget(second.results, "linked") == ["/t-wm": "false", "/t-pb": "true", "/t-none": "true", "/t-bad": "false"])
        #expect(byTarget(second.results, "result")["/t-pb"] == "pingback: already registered")
        try await waitFor("the receiver to delete the unlinked mention") {
            try await received(receiver, pages).contains(["/t-wm", "webmention", "deleted"])
        }
        await pages.stop()
    }

    /// `send --feed`: an Atom feed with an old and a new entry; only the new one is sent for,
    /// the next run remembers where the last stopped, a dry run sends nothing, and `--limit`
    /// leaves the rest for the next run.
    @Test func aFeedsNewEntriesAreSentForOnce() async throws {
        let pages = try await FixtureServer.start()
        let receiver = try await receiver(pages)
        defer { receiver.cleanUp() }
        let base = "http://\(pages.hostPort)"
        pages.set("/t", .init(headers: [("Link", "<\(receiver.url("/webmention"))>; rel=\"webmention\"")], body: []))
        pages.set("/posts/old", post(["\(base)/t"]))
        pages.set("/posts/new", post(["\(base)/t"]))
        func atom(_ entries: [(String, String)]) -> FixtureServer.Page {
            .content(
                #"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>"#
                    + entries.map { #"<entry><title>x</title><link href="\#($0.0)"/><updated>\#($0.1)</updated></entry>"# }.joined()
                    + "</feed>", type: "application/atom+xml")
        }
        pages.set("/feed.atom", atom([("/posts/new", "2026-12-05T10:00:00Z"), ("/posts/old", "2026-11-01T10:00:00Z")]))
        let directory = try TemporaryDirectory("linkback-sender")
        defer { directory.remove() }
        let config = try senderConfig(in: directory, allowing: [pages.hostPort, "127.0.0.1:\(receiver.port)"])
        func run(_ extra: [String]) async throws -> [String: Any] {
            let run = try await LinkbackProcess.run(["send", "--feed", "\(base)/feed.atom", "--config", config, "--json"] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            return try #require(JSON.object(run.stdout), "\(run.stdout) \(run.stderr)")
        }
        func entries(_ result: [String: Any]) -> [String] {
            (result["entries"] as? [[String: Any]] ?? []).compactMap { ($0["url"] as? String)?.replacingOccurrences(of: base, with: "") }
        }

        let dry = try await run(["--since", "2026-12-01", "--dry-run"])
        #expect(entries(dry) == ["/posts/new"])
        #expect((dry["entries"] as? [[String: Any]])?.first?["links"] as? [String] == ["\(base)/t"])
        #expect(try await received(receiver, pages).isEmpty)

        let first = try await run(["--since", "2026-12-01"])
        #expect(entries(first) == ["/posts/new"])
        let sends = (first["entries"] as? [[String: Any]])?.first?["sends"] as? [[String: Any]]
        #expect(sends?.first?["state"] as? String == "sent", "\(first)")
        try await waitFor("the receiver to verify the new post's mention") {
            try await received(receiver, pages) == [["/t", "webmention", "approved"]]
        }
        // Remembered: the next run (no --since) has nothing new; a newer entry is sent for.
        #expect(entries(try await run([])).isEmpty)
        pages.set("/posts/newer", post(["\(base)/t"]))
        pages.set("/posts/newest", post(["\(base)/t"]))
        pages.set("/feed.atom", atom([
            ("/posts/newest", "2026-12-06T11:00:00Z"), ("/posts/newer", "2026-12-06T10:00:00Z"), ("/posts/new", "2026-12-05T10:00:00Z"),
        ]))
        let limited = try await run(["--limit", "1"])
        #expect(entries(limited) == ["/posts/newer"] && limited["left"] as? Int == 1, "\(limited)")
        #expect(entries(try await run([])) == ["/posts/newest"])
        #expect(pages.hits("/posts/old") == 0)
        await pages.stop()
    }

    /// Review F13: a pingback server's fault string is printed without its terminal escapes (ESC,
    /// BEL, a C1 CSI), which would otherwise rewrite the terminal `linkback send` runs in.
    @Test func aRemoteFaultStringCannotRewriteTheTerminal() async throws {
        let pages = try await FixtureServer.start()
        let base = "http://\(pages.hostPort)"
        // XML 1.0 allows C1 controls and DEL (not ESC): a C1 CSI (U+009B) is ESC [ to a terminal.
        let fault = "\u{9B}2J\u{9B}31m\u{7F}\u{85}go away"
        pages.set("/xmlrpc", .content(
            "<?xml version=\"1.0\"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>17</int></value>"
                + "</member><member><name>faultString</name><value><string>\(fault)</string></value></member></struct></value></fault>"
                + "</methodResponse>", type: "text/xml"))
        pages.set("/t", .html("<link rel=\"pingback\" href=\"/xmlrpc\"><p>pingbacks only</p>"))
        pages.set("/post", post(["\(base)/t"]))
        let directory = try TemporaryDirectory("linkback-sender")
        defer { directory.remove() }
        let config = try senderConfig(in: directory, allowing: [pages.hostPort])
        for extra in [[], ["--status"]] {
            let run = try await LinkbackProcess.run(["send", "\(base)/post", "--config", config] + extra)
            #expect(run.stdout.contains("go away"), "\(run.stdout)")
            #expect(!run.stdout.unicodeScalars.contains { (0x7F...0x9F).contains($0.value) || $0.value == 0x1B }, "\(run.stdout)")
        }
        await pages.stop()
    }

    @Test func thePerHostLimitPutsSendsOffWithoutCountingAnAttempt() async throws {
        let pages = try await FixtureServer.start()
        pages.set("/wm", .html("accepted", status: 202))
        pages.set("/a", .html("<link rel=\"webmention\" href=\"/wm\">"))
        pages.set("/b", .html("<link rel=\"webmention\" href=\"/wm\">"))
        pages.set("/post", post(["/a", "/b"]))
        let directory = try TemporaryDirectory("linkback-sender")
        defer { directory.remove() }
        let config = try senderConfig(in: directory, allowing: [pages.hostPort], extra: "send:\n  per_host_per_minute: 1\n")
        let run = try await LinkbackProcess.run(["send", pages.url("/post").absoluteString, "--config", config, "--json"])
        let results = try #require(JSON.value(run.stdout) as? [[String: Any]], "\(run.stderr)")
        #expect(run.status == 0)
        #expect(results.map { $0["state"] as? String } == ["sent", "queued"])
        #expect(results.map { $0["attempts"] as? Int } == [1, 0])
        #expect((results[1]["result"] as? String)?.contains("per-host limit") == true)
        #expect(results[0]["result"] as? String == "webmention: 202")
        #expect(pages.hits("/wm") == 1)
        await pages.stop()
    }

    @Test func thePublishHookPlansAndTheServerRetries() async throws {
        let pages = try await FixtureServer.start()
        pages.set("/flaky", .html("busy", status: 503))
        pages.set("/target", .html("<link rel=\"webmention\" href=\"/flaky?x=1\">"))
        pages.set("/post", post(["/target"]))
        let sender = try await ServerHarness(
            yaml: "admin:\n  token: \(Self.token)\n\nsend:\n  retry_base_seconds: 0.3\n  max_attempts: 10",
            allowHosts: [pages.hostPort])
        defer { sender.cleanUp() }
        let auth = [("Authorization", "Bearer \(Self.token)"), ("Content-Type", "application/json")]
        func hook(_ source: String) async throws -> (status: Int, body: [String: Any]) {
            let answer = try await sender.send(
                "POST", "/admin/api/send", body: Array("{\"source\": \"\(source)\"}".utf8), headers: auth)
            return (answer.status, JSON.object(answer.body) ?? [:])
        }
        func state() async throws -> [String: Any] {
            let answer = try await sender.send("GET", "/admin/api/send?source=\(pages.url("/post").absoluteString)", headers: auth)
            return (JSON.value(answer.body) as? [[String: Any]])?.first ?? [:]
        }

        let planned = try await hook(pages.url("/post").absoluteString)
        #expect(planned.status == 202)
        #expect((planned.body["sends"] as? [[String: Any]])?.map { $0["target"] as? String } == [pages.url("/target").absoluteString])
        try await waitFor("a first attempt that meets the 503") {
            let now = try await state()
            return (now["attempts"] as? Int ?? 0) >= 1 && now["state"] as? String == "queued"
        }
        #expect((try await state()["result"] as? String)?.hasPrefix("will retry: the webmention endpoint: server error (HTTP 503)") == true)
        pages.set("/flaky", .html("accepted", status: 202))
        try await waitFor("the retry to succeed") { try await state()["state"] as? String == "sent" }
        #expect(try await state()["result"] as? String == "webmention: 202")
        #expect(try await state()["endpoint"] as? String == pages.url("/flaky").absoluteString + "?x=1")

        #expect(try await hook("not a url").status == 400)
        #expect(try await hook(pages.url("/missing").absoluteString).status == 502)
        await pages.stop()
    }
}

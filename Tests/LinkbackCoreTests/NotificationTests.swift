import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackCore
@testable import LinkbackKit
@testable import LinkbackStore

/// The notification outbox on both stores, the one-click links' signature, the digest's words
/// and the mail's form. Mail to a real SMTP server and pushes to a real receiver are in the
/// end-to-end NotificationTests.
@Suite struct NotificationTests {
    /// Records what would be sent (the senders themselves talk to real peers end to end).
    final class Recorder: NotificationSending, @unchecked Sendable {
        private let lock = NSLock()
        private var sent: [(String, OutgoingNotification)] = []
        var messages: [(to: String, message: OutgoingNotification)] { lock.withLock { sent.map { ($0.0, $0.1) } } }

        func send(_ message: OutgoingNotification, to channel: Config.Notifications.Channel) async throws(NotificationFailure) {
            lock.withLock { sent.append((channel.to, message)) }
        }
    }

    private func pending(_ store: any MentionStore, _ source: String, target: String = "https://blog.example/a") async throws -> Int64 {
        let received = try await store.receive(StoreFixture.incoming(source, target: target), actor: .server)
        _ = try await store.transition(id: received.mention.id, to: .pending, actor: .server, reason: nil)
        return received.mention.id
    }

    @Test(arguments: StoreKind.tested) func aDigestWaitsTellsOnceAndLeavesOutWhatWasDecided(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let recorder = Recorder()
        let settings = Config.Notifications(channels: [
            .init(to: "https://push.example/all", digest: .minutes(10)),
            .init(to: "https://push.example/first", firstPerTarget: true),
        ])
        let dispatcher = NotificationDispatcher(
            store: store, settings: settings, baseURL: "https://mentions.example", delivery: Config.defaults.webhookDelivery,
            sender: recorder, logger: .init(label: "t"), clock: fixture.clock)
        try await dispatcher.feed()  // sets the cursor: what came before is not told
        let first = try await pending(store, "https://a.example/1")
        let second = try await pending(store, "https://b.example/2")
        let third = try await pending(store, "https://c.example/3")
        try await dispatcher.feed()
        try await dispatcher.feed()  // the same changes again: nothing new
        try await dispatcher.compose()
        await dispatcher.deliverDue()
        // Only the first mention of the post, at once; the digest waits.
        #expect(recorder.messages.map(\.to) == ["https://push.example/first"])
        #expect(recorder.messages.first?.message.subject == "Waiting: a mention of /a from a.example")

        // Decided before the digest went: left out of it.
        _ = try await store.transition(id: second, to: .approved, actor: .cli, reason: nil)
        fixture.clock.advance(by: 601)
        try await dispatcher.compose()
        await dispatcher.deliverDue()
        let digest = try #require(recorder.messages.last)
        #expect(digest.to == "https://push.example/all")
        #expect(digest.message.subject == "2 mentions of /a: 2 mentions (2 waiting)")
        #expect(digest.message.text.contains("https://a.example/1") && digest.message.text.contains("https://c.example/3"))
        #expect(!digest.message.text.contains("https://b.example/2"))
        #expect(try await store.notificationCounts() == [.pending: 0, .delivered: 2, .failed: 0])
        _ = (first, third)

        // A given-up message is due again after a retry; a sent one is never sent again.
        let sent = try await store.notifications(state: .delivered, limit: 10)
        #expect(sent.map(\.channel) == ["https://push.example/all", "https://push.example/first"])
        try await store.composeNotification(
            channel: "https://push.example/all", message: .init(subject: "s", text: "t", html: "h"), included: [], leftOut: [],
            at: fixture.clock.now())
        let failed = try #require(try await store.notifications(state: .pending, limit: 1).first)
        try await store.recordNotification(id: failed.id, outcome: .gaveUp(error: "refused"), at: fixture.clock.now())
        #expect(try await store.retryNotifications(ids: [sent[0].id], at: fixture.clock.now()) == 0)
        #expect(try await store.retryNotifications(ids: nil, at: fixture.clock.now()) == 1)
        #expect(try await store.dueNotifications(now: fixture.clock.now()).map(\.id) == [failed.id])
        try await store.close()
    }

    @Test(arguments: StoreKind.tested) func aLinkKeyIsMadeOnceAndANonceIsSpentOnce(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let key = try await fixture.store.linkKey()
        #expect(key.count == 32)
        #expect(try await fixture.store.linkKey() == key)
        #expect(try await fixture.store.spendLink(nonce: "n1", at: Date()))
        #expect(try await fixture.store.spendLink(nonce: "n1", at: Date()) == false)
        try await fixture.store.close()
    }

    @Test func linksAreSignedAndCannotBeAltered() throws {
        let key = Array(repeating: UInt8(7), count: 32)
        let link = ModerationLink(mentionID: 42, action: .approve, expires: Date(timeIntervalSince1970: 2_000_000_000), nonce: String(repeating: "0", count: 23) + "a")
        let token = link.token(key: key)
        #expect(ModerationLink.verify(token, key: key) == link)
        #expect(ModerationLink.verify(token.replacingOccurrences(of: "42.approve", with: "43.approve"), key: key) == nil)
        #expect(ModerationLink.verify(token.replacingOccurrences(of: ".approve.", with: ".spam."), key: key) == nil)
        #expect(ModerationLink.verify(token, key: Array(repeating: UInt8(8), count: 32)) == nil)
        #expect(ModerationLink.verify(token + String(repeating: "A", count: 200), key: key) == nil)
        #expect(ModerationLink.verify("", key: key) == nil)
    }

    @Test func aDigestCollapsesLikesAndDetailsReplies() {
        func item(_ id: Int64, _ type: MentionType, _ author: String, target: String = "https://blog.example/posts/1") -> NotificationItem {
            var mention = Mention(
                id: id, token: "t\(id)", source: "https://s\(id).example/", target: target, site: "blog.example", protocol: .webmention,
                status: .pending, received: Date(), updated: Date())
            mention.content = MentionContent(type: type, excerpt: "Nice", authorName: author)
            return NotificationItem(id: id, channel: "c", event: .pending, eventID: id, created: Date(), mention: mention)
        }
        let composer = NotificationComposer(baseURL: "https://m.example/") { id, action, _ in "https://m.example/moderate/\(id)-\(action.rawValue)" }
        let items = (1...10).map { item($0, .like, "Fan \($0)") } + [item(11, .reply, "Ann"), item(12, .reply, "Bo", target: "https://blog.example/posts/2")]
        let message = composer.compose(items)
        #expect(message.subject == "12 mentions of 2 posts: 10 likes, 2 replies (12 waiting)")
        #expect(message.text.contains("/posts/1 — 10 likes, 1 reply\n  10 likes waiting — Fan 1, Fan 2, Fan 3, Fan 4, Fan 5 and 5 more\n"))
        #expect(message.text.contains("    Approve: https://m.example/moderate/11-approve"))
        #expect(!message.text.contains("moderate/1-approve"))
        #expect(message.html.contains("<a href=\"https://m.example/moderate/12-spam\">Spam</a>"))
        #expect(message.actions.isEmpty)
        let one = composer.compose([item(11, .reply, "Ann <script>")])
        #expect(one.actions.map(\.label) == ["Approve", "Reject", "Spam"])
        #expect(one.html.contains("Ann &lt;script&gt;") && !one.html.contains("<script>"))
    }

    @Test func mailIsMIMEWithAnEncodedSubjectAndDotStuffed() {
        let message = OutgoingNotification(subject: "Réponse de Zoë", text: ".hidden line\nok", html: "<p>ok</p>")
        let mail = MailMessage.render(message, from: "l@blog.example", to: "o@blog.example", date: Date(timeIntervalSince1970: 0), messageID: "x@blog.example", boundary: "b")
        #expect(mail.contains("Subject: =?UTF-8?B?\(Data("Réponse de Zoë".utf8).base64EncodedString())?=\r\n"))
        #expect(mail.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
        #expect(mail.contains("--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\(Data(".hidden line\nok".utf8).base64EncodedString())\r\n"))
        #expect(SMTPMailer.dotStuffed("a\r\n.b\r\n..c\r\n") == "a\r\n..b\r\n...c\r\n")
        #expect(HeaderText.encoded("plain\r\ninjected: x", folding: false) == "plaininjected: x")
    }

    @Test func channelsAreChecked() throws {
        func load(_ yaml: String) throws(ConfigError) -> Config { try ConfigLoader.parse(yaml: yaml, origin: "f.yaml") }
        let config = try load("""
            notifications:
              smtp: {host: 127.0.0.1, from: l@blog.example}
              channels:
                - to: mailto:o@blog.example
                  digest: minutes:15
                  types: [reply]
                  first_per_target: "true"
            """)
        #expect(config.notifications.channels == [.init(to: "mailto:o@blog.example", types: [.reply], digest: .minutes(15), firstPerTarget: true)])
        for (yaml, message) in [
            ("notifications:\n  channels:\n    - to: mailto:o@blog.example\n", "needs notifications.smtp.host"),
            ("notifications:\n  channels:\n    - to: ftp://x.example/\n", "mailto:ADDRESS or an http(s) push URL"),
            ("notifications:\n  channels:\n    - to: https://x.example/\n      digest: weekly\n", "digest is off, minutes:N, hourly or daily"),
            ("notifications:\n  channels:\n    - to: https://x.example/\n      events: [liked]\n", "events are"),
            ("notifications:\n  channels:\n    - to: https://x.example/\n    - to: https://x.example/\n", "listed twice"),
            ("notifications:\n  channels:\n    - to: \"mailto:a@b.example>\"\n", "is not mailto:ADDRESS"),
        ] {
            #expect(throws: ConfigError.self, "\(message)") { try load(yaml) }
            do { _ = try load(yaml) } catch { #expect(error.description.contains(message), "\(error)") }
        }
    }

    /// A push topic is a shared secret: masked by check-config, logged without its path.
    @Test func pushTopicsStayOutOfPrintsAndLogs() throws {
        let config = try ConfigLoader.parse(
            yaml: "notifications:\n  channels:\n    - to: https://ntfy.sh/secret-topic-123\n", origin: "f.yaml")
        #expect(!config.describe().contains("secret-topic-123"))
        #expect(Secret.loggable(channel: "https://ntfy.sh/secret-topic-123") == "https://ntfy.sh/…")
        #expect(Secret.loggable(channel: "https://u:p@ntfy.example:8443/t?x=1") == "https://ntfy.example:8443/…")
        #expect(Secret.loggable(channel: "mailto:o@blog.example") == "mailto:o@blog.example")
    }

    @Test func digestTimes() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let first = Date(timeIntervalSince1970: 1_800_000_000 + 125)  // 08:02:05 UTC
        #expect(Config.Notifications.Digest.hourly.due(after: first, dailyHour: 8, calendar: calendar).timeIntervalSince1970.truncatingRemainder(dividingBy: 3600) == 0)
        #expect(Config.Notifications.Digest.minutes(0.5).due(after: first, dailyHour: 8) == first.addingTimeInterval(30))
        let daily = Config.Notifications.Digest.daily.due(after: first, dailyHour: 6, calendar: calendar)
        #expect(calendar.component(.hour, from: daily) == 6 && daily > first && daily.timeIntervalSince(first) < 86_400)
    }
}

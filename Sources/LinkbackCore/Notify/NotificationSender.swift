import Foundation
import LinkbackKit

/// Sends one composed message to one channel.
public protocol NotificationSending: Sendable {
    func send(_ message: OutgoingNotification, to channel: Config.Notifications.Channel) async throws(NotificationFailure)
}

public struct NotificationFailure: Error, CustomStringConvertible {
    public let description: String
    /// Retrying the same message cannot help (a 5xx from the mail server, a bad password file).
    public let permanent: Bool

    public init(_ description: String, permanent: Bool = false) {
        self.description = description
        self.permanent = permanent
    }
}

/// Mail through ``SMTPMailer``; push as ntfy takes it: a POST of the plain text with `Title`
/// (RFC 2047 when not ASCII), `Click` (the dashboard) and, for one waiting mention, `Actions`
/// (HTTP POST buttons to its one-click links), through the SSRF guard like webhooks.
public struct NotificationSender: NotificationSending {
    let smtp: Config.Notifications.SMTP
    let fetcher: GuardedFetcher
    /// ntfy refuses longer message bodies (it turns them into attachments).
    static let maxPushBytes = 4_000

    public init(config: Config) {
        smtp = config.notifications.smtp
        fetcher = GuardedFetcher(config: config, timeoutSeconds: config.webhookDelivery.timeoutSeconds)
    }

    public func send(_ message: OutgoingNotification, to channel: Config.Notifications.Channel) async throws(NotificationFailure) {
        if let address = channel.mailAddress {
            let text = MailMessage.render(
                message, from: smtp.from, to: address, date: Date(), messageID: MailMessage.newMessageID(from: smtp.from),
                boundary: "linkback-" + UUID().uuidString.lowercased())
            do {
                try await SMTPMailer(settings: smtp).send(text, to: address)
            } catch {
                throw NotificationFailure(error.description, permanent: error.permanent)
            }
            return
        }
        guard let url = URL(string: channel.to) else { throw NotificationFailure("not a URL: \(channel.to)", permanent: true) }
        do {
            _ = try await fetcher.post(url, body: Array(Self.pushBody(message.text).utf8), headers: Self.pushHeaders(message))
        } catch {
            throw NotificationFailure(error.description)
        }
    }

    static func pushHeaders(_ message: OutgoingNotification) -> [(String, String)] {
        var headers = [("Content-Type", "text/plain; charset=utf-8"), ("Title", HeaderText.encoded(message.subject, folding: false))]
        if let click = message.click { headers.append(("Click", click)) }
        if !message.actions.isEmpty {
            headers.append((
                "Actions",
                message.actions.map { "http, \($0.label.replacingOccurrences(of: ",", with: " ")), \($0.url), method=POST, clear=true" }
                    .joined(separator: "; ")
            ))
        }
        return headers
    }

    static func pushBody(_ text: String) -> String {
        guard text.utf8.count > maxPushBytes else { return text }
        var cut = ""
        for character in text {
            if cut.utf8.count + character.utf8.count > maxPushBytes - 3 { break }
            cut.append(character)
        }
        return cut + "…"
    }
}

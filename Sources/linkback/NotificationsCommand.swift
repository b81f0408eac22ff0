import ArgumentParser
import Foundation
import LinkbackKit

struct NotificationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "List notification messages (newest first), or retry failed ones.",
        discussion: """
            A running server sends mail and push notifications from the outbox in the database; this shows what it \
            sent. `notifications retry` makes given-up messages (or the ones named) due again.
            """,
        subcommands: [NotificationsListCommand.self, NotificationsRetryCommand.self],
        defaultSubcommand: NotificationsListCommand.self)
}

struct NotificationsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List notification messages.")
    @OptionGroup var store: StoreOptions
    @Option(help: "pending, delivered or failed.") var state: WebhookDelivery.State?
    @Option(help: "At most this many.") var limit = 50

    struct Record: Encodable {
        var id: Int64
        /// A push URL without its path (its topic is a secret).
        var to: String
        var subject: String
        var mentions: Int
        var state: String
        var attempts: Int
        var created: String
        var last_error: String?
    }

    func run() async throws {
        try await Self.reportingFailures {
            let messages = try await store.openStore().notifications(state: state, limit: limit)
            let records = messages.map {
                Record(id: $0.id, to: Secret.loggable(channel: $0.channel), subject: $0.body.subject, mentions: $0.body.mentions,
                    state: $0.state.rawValue, attempts: $0.attempts, created: $0.created.iso8601, last_error: $0.lastError)
            }
            if store.json {
                Output.json(records)
            } else if records.isEmpty {
                print("No notifications.")
            } else {
                for record in records {
                    let error = record.last_error.map { "  (\(StoredText.visible($0)))" } ?? ""
                    print("\(record.id)  \(Terminal.pad(record.state, 9))  \(record.to)  \(record.attempts) attempt"
                        + "\(record.attempts == 1 ? "" : "s")  \(StoredText.visible(record.subject))\(error)")
                }
            }
        }
    }
}

struct NotificationsRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Make failed messages (or the ones named) due again now.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "Message ids (default: every failed message).") var ids: [Int64] = []

    func run() async throws {
        try await Self.reportingFailures {
            let count = try await store.openStore().retryNotifications(ids: ids.isEmpty ? nil : ids, at: Date())
            print("\(count) message\(count == 1 ? "" : "s") due again")
        }
    }
}

import ArgumentParser
import Foundation
import LinkbackKit

struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "List webhook deliveries (newest first), or retry failed ones.",
        discussion: """
            A running server delivers webhooks from the outbox in the database; this shows what it did. `webhooks \
            retry` makes given-up deliveries (or the ones named) due again; a running server sends them within \
            seconds.
            """,
        subcommands: [WebhooksListCommand.self, WebhooksRetryCommand.self],
        defaultSubcommand: WebhooksListCommand.self)
}

struct WebhooksListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List webhook deliveries.")
    @OptionGroup var store: StoreOptions
    @Option(help: "pending, delivered or failed.") var state: WebhookDelivery.State?
    @Option(help: "At most this many.") var limit = 50

    struct Record: Encodable {
        var id: Int64
        var url: String
        var event: String
        var mention: Int64
        var state: String
        var attempts: Int
        var created: String
        var next_attempt: String?
        var last_error: String?
    }

    func run() async throws {
        try await Self.reportingFailures {
            let deliveries = try await store.openStore().deliveries(state: state, limit: limit)
            if store.json {
                Output.json(deliveries.map {
                    Record(id: $0.id, url: $0.url, event: $0.event.rawValue, mention: $0.mentionID, state: $0.state.rawValue,
                        attempts: $0.attempts, created: $0.created.iso8601, next_attempt: $0.nextAttemptAt?.iso8601,
                        last_error: $0.lastError)
                })
            } else if deliveries.isEmpty {
                print("No webhook deliveries.")
            } else {
                for delivery in deliveries {
                    let error = delivery.lastError.map { "  (\(StoredText.visible($0)))" } ?? ""
                    print("\(delivery.id)  \(Terminal.pad(delivery.state.rawValue, 9))  \(Terminal.pad(delivery.event.rawValue, 8))  "
                        + "mention \(delivery.mentionID)  \(delivery.attempts) attempt\(delivery.attempts == 1 ? "" : "s")  "
                        + "\(delivery.url)\(error)")
                }
            }
        }
    }
}

struct WebhooksRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Make failed deliveries (or the ones named) due again now.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "Delivery ids (default: every failed delivery).") var ids: [Int64] = []

    func run() async throws {
        try await Self.reportingFailures {
            let count = try await store.openStore().retryDeliveries(ids: ids.isEmpty ? nil : ids, at: Date())
            print("\(count) deliver\(count == 1 ? "y" : "ies") due again")
        }
    }
}

extension WebhookDelivery.State: ExpressibleByArgument {}

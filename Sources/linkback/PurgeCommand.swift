import ArgumentParser
import Foundation
import LinkbackKit

struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Erase client addresses and user agents older than storage.forget_client_after_days, now.",
        discussion: "The server does this every hour when the setting is above 0; this runs it at once.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await Self.reportingFailures {
            let storage = try store.loadConfig().storage
            guard let cutoff = storage.clientCutoff(now: Date()) else {
                throw Failure("storage.forget_client_after_days is 0: client addresses are kept")
            }
            let erased = try await store.openStore().forgetClients(before: cutoff)
            if store.json {
                Output.json(["erased": erased])
            } else {
                print("erased the client address and user agent of \(erased) mention\(erased == 1 ? "" : "s") last received before \(cutoff.iso8601)")
            }
        }
    }
}

import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Try the owner's policy before switching it on.", subcommands: [PolicyTestCommand.self])
}

struct PolicyTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Replay the stored mentions through a candidate configuration; change nothing.",
        discussion: """
            Every mention received in the last --days is judged again, as new, by the candidate's blocks (and its \\
            subscribed lists' stored copies), policy.rules, policy.traps, allow lists, auto-approval and copy \\
            detection; those whose outcome would change are listed (id, from → to, source, target, why). A \\
            moderator's decision stands under any configuration and is left out. Nothing is written.
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "The candidate configuration file.") var candidate: String
    @Option(help: "How many days of mentions to replay.") var days = 30

    func validate() throws {
        guard days > 0 else { throw ValidationError("--days is a number of days, at least 1") }
    }

    func run() async throws {
        try await Self.reportingFailures {
            let proposed: Config
            do {
                proposed = try ConfigLoader.load(path: candidate, environment: ProcessInfo.processInfo.environment)
            } catch {
                throw Failure("\(error)")
            }
            let (replayed, changes) = try await PolicyTrial(candidate: proposed, store: try await store.openStore()).run(days: days)
            if store.json {
                Output.json(changes)
                return
            }
            print("Replayed \(replayed) mention\(replayed == 1 ? "" : "s") of the last \(days) days with \(candidate): "
                + "\(changes.isEmpty ? "none" : String(changes.count)) would change.")
            for change in changes {
                print("\(Terminal.pad(String(change.id), 5))  \(change.from) → \(change.to)  \(StoredText.visible(change.source)) → "
                    + "\(StoredText.visible(change.target))  (\(change.reasons.joined(separator: ", ")))")
            }
            print("Nothing was changed.")
        }
    }
}

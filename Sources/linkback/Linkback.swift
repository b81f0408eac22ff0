import ArgumentParser
import Foundation
import LinkbackKit

@main
struct Linkback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linkback",
        abstract: "A hardened pingback and webmention receiver.",
        discussion: """
            Receives pingbacks (XML-RPC) and webmentions, verifies that the source really links to the \
            target, stores mentions in SQLite (or PostgreSQL, for several instances), writes one \
            fail2ban-parsable line per rejected request, and sends webmentions for your own posts. \
            Guides: README.md and docs/ in the source tree.
            """,
        version: LinkbackVersion.string,
        subcommands: [
            ServeCommand.self, CheckConfigCommand.self, VerifyCommand.self, ListCommand.self, ShowCommand.self,
            ApproveCommand.self, RejectCommand.self, SpamCommand.self, DeleteCommand.self, RestoreCommand.self,
            BlockCommand.self, UnblockCommand.self, BlocksCommand.self, BlocklistCommand.self, PolicyCommand.self, ScoreCommand.self, ReverifyCommand.self, StatsCommand.self,
            ForgetCommand.self, PurgeCommand.self, ExportCommand.self, ImportCommand.self, AllowCommand.self, DisallowCommand.self, WebhooksCommand.self, NotificationsCommand.self,
            DoctorCommand.self, MigrateStoreCommand.self, BackupCommand.self, SendCommand.self, BenchExtractCommand.self, BenchSpamCommand.self, BenchPathsCommand.self,
        ]
    )

    /// Exit codes: 0 success, 1 something refused or not found, 2 usage error.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}


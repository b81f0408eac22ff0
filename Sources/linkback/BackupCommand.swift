import ArgumentParser
import Foundation
import LinkbackStore

/// `linkback backup PATH`: a consistent copy of the SQLite database, safe while the server runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database to a new file, consistently, while the server runs.",
        discussion: """
            The copy is one snapshot (SQLite's online backup): it holds every mention acknowledged before the \
            backup started. To restore, stop the server and put the copy in place of database.path (remove the \
            old file's -wal and -shm). A PostgreSQL database is backed up with pg_dump; this command prints how.
            """)

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The new file to write (never overwritten).", valueName: "path")) var path: String

    func run() async throws {
        try await Self.reportingFailures {
            let config = try store.loadConfig()
            var database = config.database
            if let named = store.database { database = MentionStores.naming(named, in: database) }
            guard case .sqlite = try MentionStores.location(database) else {
                throw Failure(
                    "linkback backup copies SQLite databases; back up PostgreSQL with pg_dump, for example "
                        + "pg_dump --format=custom --file=\(path) \"$DATABASE_URL\" (restore with pg_restore)")
            }
            let opened = try await store.openStore()
            guard let sqlite = opened as? SQLiteMentionStore else { throw Failure("not a SQLite database") }
            let mentions: Int
            do {
                mentions = try await sqlite.backup(to: path)
            } catch {
                try? await sqlite.close()
                throw Failure("\(error)")
            }
            try? await sqlite.close()
            if store.json {
                Output.json(["path": path, "mentions": "\(mentions)"])
            } else {
                print("backed up \(mentions) mentions from \(sqlite.path) to \(path)")
            }
        }
    }
}

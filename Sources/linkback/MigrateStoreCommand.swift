import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore

/// `linkback migrate-store`: copies one store into another (SQLite to PostgreSQL, usually).
struct MigrateStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-store",
        abstract: "Copy every mention, event, block and webhook delivery from one database into another.",
        discussion: """
            Each side is sqlite:PATH (or just a path) or a postgres:// URL; a PostgreSQL password may also come \
            from LINKBACK_DATABASE_PASSWORD. Stop the servers first. Ids, tokens (status URLs) and history are kept. \
            Running it again after an interruption copies only what is missing; a destination that holds other \
            mentions is refused. Exits 1 when the counts differ afterwards.
            """)

    @Option(help: ArgumentHelp("The database to copy from.", valueName: "sqlite:PATH|postgres://…")) var from: String
    @Option(help: ArgumentHelp("The database to copy into (created and migrated if needed).", valueName: "sqlite:PATH|postgres://…"))
    var to: String
    @Flag(help: "Print the counts as JSON.") var json = false

    /// `sqlite:PATH`, a plain path, or a PostgreSQL URL.
    static func location(_ text: String) throws -> MentionStores.Location {
        let password = ProcessInfo.processInfo.environment["LINKBACK_DATABASE_PASSWORD"] ?? ""
        let database = MentionStores.naming(text, in: Config.Database(path: "", password: password))
        guard !database.url.isEmpty || !database.path.isEmpty else {
            throw Failure("\(text): name a SQLite file (sqlite:PATH) or a postgres:// URL")
        }
        return try MentionStores.location(database)
    }

    func run() async throws {
        try await Self.reportingFailures {
            let source = try Self.location(from)
            let destination = try Self.location(to)
            guard source != destination else { throw Failure("--from and --to name the same database") }
            if case .sqlite(let path) = source, !FileManager.default.fileExists(atPath: path) {
                throw Failure("\(path): no such database")
            }
            do {
                let from = try await MentionStores.open(source)
                let into = try await MentionStores.open(destination)
                let migration = StoreMigration(from: from, to: into)
                var progress: Progress?
                let report = try await migration.run { done, total in
                    let bar = progress ?? Progress(total: total, label: "copying")
                    progress = bar
                    while bar.done < done { bar.step() }
                }
                try await from.close()
                try await into.close()
                if json {
                    Output.json(["source": report.source, "destination": report.destination])
                } else {
                    print("copied \(report.copied) rows from \(source) to \(destination)")
                    print(report.matches ? "counts match: \(report.destination)" : "counts differ!")
                    if !report.matches {
                        print("  source:      \(report.source)")
                        print("  destination: \(report.destination)")
                    }
                }
                if !report.matches { throw ExitCode.failure }
            } catch let error as StoreError {
                throw Failure("\(error)")
            } catch let error as StoreMigration.Failure {
                throw Failure("\(error)")
            }
        }
    }
}

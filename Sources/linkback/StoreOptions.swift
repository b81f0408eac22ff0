import ArgumentParser
import Foundation
import LinkbackKit
import LinkbackStore

/// `--config` and `--database`, for the commands that work on the mention store.
struct StoreOptions: ParsableArguments {
    @OptionGroup var config: ConfigOptions

    @Option(
        help: ArgumentHelp(
            "The SQLite file, or a postgres:// URL (default: database.url or database.path from the configuration).",
            valueName: "path-or-url"))
    var database: String?

    @Flag(help: "Print JSON instead of text (a stable shape for scripts).")
    var json = false

    /// The configuration; with `--database` and no configuration file at all, the defaults.
    func loadConfig() throws -> Config {
        let environment = ProcessInfo.processInfo.environment
        let path = ConfigLoader.path(explicit: config.config, environment: environment)
        if database != nil, config.config == nil, !FileManager.default.fileExists(atPath: path) {
            return Config.defaults
        }
        return try config.load()
    }

    /// Opens the store, creating it (and its directory) when it does not exist yet, so any command
    /// works before the first `serve`; or fails with one line.
    func openStore() async throws -> any MentionStore {
        var config = try loadConfig()
        if let database { config.database = MentionStores.naming(database, in: config.database) }
        do {
            return try await MentionStores.open(config)
        } catch {
            throw Failure("\(error)")
        }
    }
}

enum ISO {
    static func string(_ date: Date) -> String { date.iso8601 }
}

enum Output {
    /// Prints `value` as one line of JSON (sorted keys).
    static func json(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self))
    }
}

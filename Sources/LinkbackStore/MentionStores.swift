import Foundation
import LinkbackKit
import Logging

/// The one place a ``MentionStore`` is chosen and opened from the configuration: PostgreSQL when
/// `database.url` is set, else the SQLite file at `database.path`. The server, the CLI and
/// `doctor` all open their store here.
public enum MentionStores {
    /// Which store a configuration names, with everything needed to open it.
    public enum Location: Sendable, Equatable, CustomStringConvertible {
        case sqlite(path: String)
        case postgres(PostgresLocation)

        public var description: String {
            switch self {
            case .sqlite(let path): return path
            case .postgres(let location): return location.description
            }
        }
    }

    /// The store `database` names; the PostgreSQL password from the URL, else `password_file`,
    /// else `password`.
    public static func location(_ database: Config.Database) throws(StoreError) -> Location {
        guard !database.url.isEmpty else { return .sqlite(path: database.path) }
        var location: PostgresLocation
        switch PostgresLocation.parse(database.url) {
        case .success(let parsed): location = parsed
        case .failure(let problem): throw .cannotOpen(path: PostgresLocation.redacted(database.url), reason: problem.description)
        }
        if location.password == nil, !database.passwordFile.isEmpty {
            do {
                let text = try String(contentsOfFile: database.passwordFile, encoding: .utf8)
                location.password = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            } catch {
                throw .cannotOpen(
                    path: location.description, reason: "cannot read database.password_file \(database.passwordFile)")
            }
        }
        if location.password == nil, !database.password.isEmpty { location.password = database.password }
        return .postgres(location)
    }

    /// `database` pointed at the store `text` names on a command line: a `postgres://` URL, or a
    /// SQLite file as `sqlite:PATH` or a plain path. The password settings stay.
    public static func naming(_ text: String, in database: Config.Database) -> Config.Database {
        var named = database
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            named.url = text
        } else {
            named.url = ""
            named.path = text.hasPrefix("sqlite:") ? String(text.dropFirst("sqlite:".count)) : text
        }
        return named
    }

    /// Opens (creating and migrating as needed) the store the configuration names.
    public static func open(_ config: Config, logger: Logger = Logger(label: "linkback.store")) async throws(StoreError)
        -> any MentionStore
    {
        try await open(
            location(config.database), claimLease: config.verification.claimLeaseSeconds,
            synchronous: config.database.sqliteSynchronous, logger: logger)
    }

    public static func open(
        _ location: Location, claimLease: TimeInterval = 60, synchronous: SQLiteMentionStore.Synchronous = .full,
        logger: Logger = Logger(label: "linkback.store"), clock: any WallClock = SystemClock()
    ) async throws(StoreError) -> any MentionStore {
        switch location {
        case .sqlite(let path): return try SQLiteMentionStore(path: path, synchronous: synchronous, clock: clock)
        case .postgres(let postgres):
            return try await PostgresMentionStore(location: postgres, claimLease: claimLease, logger: logger, clock: clock)
        }
    }
}

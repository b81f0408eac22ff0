import Foundation
import GRDB
import LinkbackTestSupport
import Testing

@testable import LinkbackKit
@testable import LinkbackStore

/// The two stores' schemas are written twice, once per SQL dialect; this holds them together:
/// after every migration, the same tables, the same columns, and the same indexes on the same
/// columns.
@Suite(.enabled(if: StoreKind.postgresTested, "LINKBACK_TEST_STORES leaves PostgreSQL out")) struct SchemaAgreementTests {
    /// A schema as both databases can describe it: table → columns, and index → "table(columns)".
    struct Schema: Equatable, CustomStringConvertible {
        var tables: [String: Set<String>] = [:]
        var indexes: [String: String] = [:]
        var description: String { "tables \(tables.sorted { $0.key < $1.key }), indexes \(indexes.sorted { $0.key < $1.key })" }
    }

    /// Columns only one dialect has, and why: a claim lease exists only where several instances
    /// share the database (SQLite has one server per file; its claims are released at start).
    static let ownColumns: [String: Set<String>] = [
        "webhook_deliveries": ["claimed_until"], "notification_messages": ["claimed_until"],
    ]

    /// Bookkeeping of each migration tool, not Linkback's data.
    static let ownTables: Set<String> = ["grdb_migrations", "sqlite_sequence", "schema_migrations", "linkback_migrations"]

    static func sqliteSchema() async throws -> Schema {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteMentionStore(path: directory.file("db.sqlite"))
        try await store.close()
        let queue = try DatabaseQueue(path: directory.file("db.sqlite"))
        return try await queue.read { db in
            var schema = Schema()
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            where !ownTables.contains(table) {
                schema.tables[table] = Set(try db.columns(in: table).map(\.name))
                for index in try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", arguments: [table]) {
                    let sql: String = index["sql"]
                    schema.indexes[index["name"]] = "\(table)\(Self.columns(sql))"
                }
            }
            return schema
        }
    }

    static func postgresSchema() async throws -> Schema {
        let url = try await PostgresCluster.makeDatabase("schema")
        guard case .success(let location) = PostgresLocation.parse(url + "?sslmode=disable") else {
            throw FixtureFailure("cannot parse \(url)")
        }
        try await MentionStores.open(.postgres(location), claimLease: 30).close()
        let database = String(url.split(separator: "/").last!)
        let cluster = try await PostgresCluster.shared()
        var schema = Schema()
        let columns = try await cluster.psql(
            "SELECT table_name || ' ' || column_name FROM information_schema.columns WHERE table_schema = 'public'",
            database: database)
        for line in columns.split(separator: "\n") {
            let parts = line.split(separator: " ").map(String.init)
            guard !ownTables.contains(parts[0]) else { continue }
            guard ownColumns[parts[0]]?.contains(parts[1]) != true else { continue }
            schema.tables[parts[0], default: []].insert(parts[1])
        }
        let indexes = try await cluster.psql(
            "SELECT indexname || '|' || tablename || '|' || indexdef FROM pg_indexes WHERE schemaname = 'public'",
            database: database)
        for line in indexes.split(separator: "\n") {
            let parts = line.split(separator: "|", maxSplits: 2).map(String.init)
            // Primary keys and UNIQUE constraints are named by each database its own way; the
            // columns' constraints are compared by the store conformance suite's behaviour.
            guard !ownTables.contains(parts[1]), !parts[0].hasSuffix("_pkey"), !parts[0].hasSuffix("_key") else { continue }
            schema.indexes[parts[0]] = "\(parts[1])\(Self.columns(parts[2]))"
        }
        return schema
    }

    /// The column list of a CREATE INDEX statement, in a form both dialects share: `(a, b) WHERE …`
    /// reduced to the names in the first parenthesis, lower case, without casts, `btree`, quotes
    /// or spaces.
    static func columns(_ sql: String) -> String {
        guard let on = sql.range(of: " ON ", options: .caseInsensitive) else { return sql }
        var rest = sql[on.upperBound...]
        if let using = rest.range(of: "USING btree ", options: .caseInsensitive) { rest = rest[using.upperBound...] }
        guard let open = rest.firstIndex(of: "(") else { return sql }
        var depth = 0
        var end = open
        for index in rest[open...].indices {
            if rest[index] == "(" { depth += 1 }
            if rest[index] == ")" { depth -= 1; if depth == 0 { end = index; break } }
        }
        let inner = rest[rest.index(after: open)..<end].lowercased()
            .replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\"", with: "")
            .replacingOccurrences(of: "((", with: "(").replacingOccurrences(of: "))", with: ")")
        return "(\(inner))"
    }

    @Test func bothStoresHaveTheSameTablesColumnsAndIndexes() async throws {
        let sqlite = try await Self.sqliteSchema()
        let postgres = try await Self.postgresSchema()
        #expect(!sqlite.tables.isEmpty && sqlite.tables["mentions"]?.contains("decision") == true)
        for table in Set(sqlite.tables.keys).union(postgres.tables.keys).sorted() {
            let a = sqlite.tables[table] ?? [], b = postgres.tables[table] ?? []
            #expect(a == b, "\(table): only in SQLite \(a.subtracting(b).sorted()), only in PostgreSQL \(b.subtracting(a).sorted())")
        }
        // SQLite only: a covering index for reading fingerprints past the content's overflow
        // pages, which PostgreSQL (TOAST) does not have (SQLiteMigrations, 028).
        let sqliteOnly: Set<String> = ["mentions_fingerprint"]
        #expect(sqlite.indexes.keys.contains("mentions_fingerprint") && !postgres.indexes.keys.contains("mentions_fingerprint"))
        for index in Set(sqlite.indexes.keys).union(postgres.indexes.keys).subtracting(sqliteOnly).sorted() {
            #expect(sqlite.indexes[index] == postgres.indexes[index], "index \(index)")
        }
    }
}

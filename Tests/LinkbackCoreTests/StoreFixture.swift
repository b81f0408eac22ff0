import Foundation
import LinkbackTestSupport
import Testing

@testable import LinkbackKit
@testable import LinkbackStore

/// The stores every store test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The stores this run tests: all, or those `LINKBACK_TEST_STORES` names (`make check` sets
    /// `sqlite`, so a contributor needs no PostgreSQL).
    static let tested: [StoreKind] = {
        guard let names = ProcessInfo.processInfo.environment["LINKBACK_TEST_STORES"], !names.isEmpty else { return allCases }
        return allCases.filter { names.split(separator: ",").contains(Substring($0.rawValue)) }
    }()

    /// Whether this run tests PostgreSQL (and starts its cluster).
    static var postgresTested: Bool { tested.contains(.postgres) }
}

/// A fresh, empty store of one kind: a SQLite file in a temporary directory, or a new database
/// in the test run's PostgreSQL cluster.
struct StoreFixture {
    /// The claim lease of the PostgreSQL stores these tests open.
    static let postgresClaimLease: TimeInterval = 30

    let kind: StoreKind
    let location: MentionStores.Location
    let store: any MentionStore
    private let directory: TemporaryDirectory?

    /// The store's clock: tests move it instead of sleeping. It starts at the current whole
    /// second (a whole second is stored exactly by both databases; SQLite keeps milliseconds).
    let clock: ManualClock

    init(
        _ kind: StoreKind, clock: ManualClock = ManualClock(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
    ) async throws {
        self.clock = clock
        self.kind = kind
        switch kind {
        case .sqlite:
            let directory = try TemporaryDirectory()
            self.directory = directory
            location = .sqlite(path: directory.file("db.sqlite"))
        case .postgres:
            directory = nil
            let url = try await PostgresCluster.makeDatabase("store")
            guard case .success(let parsed) = PostgresLocation.parse(url + "?sslmode=disable") else {
                throw FixtureFailure("cannot parse \(url)")
            }
            location = .postgres(parsed)
        }
        store = try await MentionStores.open(location, claimLease: Self.postgresClaimLease, clock: clock)
    }

    /// A second store on the same database (another instance, or the CLI beside the server).
    func reopen() async throws -> any MentionStore {
        try await MentionStores.open(location, claimLease: Self.postgresClaimLease, clock: clock)
    }

    /// A webmention as the endpoint would store it.
    static func incoming(_ source: String, target: String) -> IncomingMention {
        IncomingMention(
            source: source, target: target, site: "blog.example", protocol: .webmention, clientIP: "203.0.113.5",
            userAgent: "test")
    }

    func remove() {
        directory?.remove()
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
import LinkbackKit
#endif

/// A throwaway PostgreSQL cluster from Debian's `postgresql` package: `initdb` into a temporary
/// directory and `pg_ctl start` on a free loopback port, as an unprivileged user (the `postgres`
/// account when the tests run as root, since PostgreSQL refuses to run as root). No system
/// service is involved. One cluster serves the whole test process; each test creates its own
/// database in it (``makeDatabase(_:)``). The cluster is stopped when the process exits.
public final class PostgresCluster: Sendable {
    public let directory: TemporaryDirectory
    public let port: Int
    /// The superuser, trusted on loopback.
    public let user = "postgres"
    let binaries: String

    private static let started = Locked<Task<PostgresCluster, any Error>?>(nil)
    /// Data directory and binaries of the shared cluster, for the exit handler.
    nonisolated(unsafe) private static var stopCommand: (pgCtl: String, data: String, runAs: String?)?

    /// The shared cluster, started on first use.
    public static func shared() async throws -> PostgresCluster {
        let task = started.withLock { task in
            if let task { return task }
            let created = Task { try await PostgresCluster() }
            task = created
            return created
        }
        return try await task.value
    }

    /// A `postgres://` URL of a new, empty database named after `label` in the shared cluster.
    public static func makeDatabase(_ label: String = "test") async throws -> String {
        let cluster = try await shared()
        return try await cluster.makeDatabase(label)
    }

    private static let counter = Locked(0)

    public func makeDatabase(_ label: String) async throws -> String {
        let number = Self.counter.withLock { value in
            value += 1
            return value
        }
        let name = "\(label.lowercased().filter { $0.isLetter || $0.isNumber })_\(number)"
        try await psql("CREATE DATABASE \(name)")
        return url(database: name)
    }

    public func url(database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    /// Runs SQL with `psql` as the superuser (in `database`, default `postgres`); returns its output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") async throws -> String {
        let result = try await Command.run(
            "\(binaries)/psql",
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database,
             "-c", sql])
        guard result.status == 0 else { throw FixtureFailure("psql \(sql): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The directory of the newest installed PostgreSQL's programs.
    static func findBinaries() throws -> String {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
            .compactMap(Int.init).sorted()
        guard let newest = versions.last, FileManager.default.isExecutableFile(atPath: "\(base)/\(newest)/bin/initdb") else {
            throw FixtureFailure("PostgreSQL is not installed (Debian's postgresql package; `make test-deps` installs it)")
        }
        return "\(base)/\(newest)/bin"
    }

    private init() async throws {
        binaries = try Self.findBinaries()
        directory = try TemporaryDirectory("linkback-postgres")
        port = try FreePort.find()
        let data = directory.file("data")
        let runAs: String? = geteuid() == 0 ? "postgres" : nil
        if let runAs {
            let owner = try await Command.run("/bin/chown", ["-R", runAs, directory.path])
            guard owner.status == 0 else { throw FixtureFailure("chown: \(owner.stderr)") }
            // The temporary directory's parents must let that user through.
            chmod(directory.path, 0o755)
        }
        let binaries = binaries
        let directory = directory
        // posix_spawn and waitpid on a thread of its own: pg_ctl leaves a daemon behind, which
        // Foundation's Process (signals blocked, children not always reaped) copes with badly.
        func command(_ program: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
            let output = directory.file("\(program).out")
            let (path, argv) = runAs.map { ("/sbin/runuser", ["-u", $0, "--", "\(binaries)/\(program)"] + arguments) }
                ?? ("\(binaries)/\(program)", arguments)
            let status = try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread {
                    continuation.resume(with: Result {
                        let pid = try Spawn.start(path, argv, output: output)
                        var exit: Int32 = 0
                        waitpid(pid, &exit, 0)
                        return (exit >> 8) & 0xFF
                    })
                }
            }
            return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
        }
        let initdb = try await command(
            "initdb", ["-D", data, "-U", user, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
        guard initdb.status == 0 else { throw FixtureFailure("initdb: \(initdb.output)") }
        // Speed over durability: the cluster lives as long as one test run.
        let options = "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
            + " -c full_page_writes=off -c max_connections=300"
        let start = try await command(
            "pg_ctl", ["-D", data, "-l", directory.file("postgres.log"), "-o", options, "-w", "-t", "60", "start"])
        guard start.status == 0 else {
            let log = (try? String(contentsOfFile: directory.file("postgres.log"), encoding: .utf8)) ?? ""
            throw FixtureFailure("pg_ctl start: \(start.output)\(log)")
        }
        Self.stopCommand = ("\(binaries)/pg_ctl", data, runAs)
        atexit {
            guard let (pgCtl, data, runAs) = PostgresCluster.stopCommand else { return }
            let arguments = ["-D", data, "-m", "immediate", "-w", "stop"]
            if let runAs {
                _ = try? Spawn.run("/sbin/runuser", ["-u", runAs, "--", pgCtl] + arguments)
            } else {
                _ = try? Spawn.run(pgCtl, arguments)
            }
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: data).deletingLastPathComponent().path)
        }
    }
}

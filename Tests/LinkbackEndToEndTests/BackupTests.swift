import Foundation
import LinkbackKit
import LinkbackStore
import LinkbackTestSupport
import Testing

/// Backups as the README tells an owner to take them (review item 1): `linkback backup` while
/// the server takes mentions, and a copy of the `.sqlite` file alone after a clean stop.
@Suite struct BackupTests {
    static let target = "https://blog.example/posts/1"

    /// The sources in a SQLite file, opened as a restored backup would be.
    private func sources(in path: String) async throws -> Set<String> {
        let store = try SQLiteMentionStore(path: path)
        let listed = try await store.list(MentionQuery(limit: 100_000))
        try await store.close()
        return Set(listed.map(\.source))
    }

    @Test func aBackupUnderLoadAndACopyAfterStopHoldEveryAcknowledgedMention() async throws {
        let server = try await ServerHarness()
        defer { server.cleanUp() }
        let database = server.directory.file("linkback.sqlite")
        let acknowledged = Locked<[String]>([])

        // Four senders keep the server writing while the backup runs.
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for sender in 0..<4 {
                    group.addTask {
                        for index in 0..<60 {
                            let source = "https://sender\(sender).example/post/\(index)"
                            guard let answer = try? await server.postForm("/webmention", [("source", source), ("target", Self.target)])
                            else { continue }
                            if answer.status == 202 || answer.status == 201 { acknowledged.withLock { $0.append(source) } }
                        }
                    }
                }
            }
        }
        while acknowledged.withLock({ $0.count }) < 40 { try await Task.sleep(for: .milliseconds(20)) }
        let before = Set(acknowledged.withLock { $0 })
        let backupPath = server.directory.file("backup.sqlite")
        let backup = try await LinkbackProcess.run(["backup", backupPath, "--database", database])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.hasPrefix("backed up "), "\(backup.stdout)")
        await load.value
        let all = Set(acknowledged.withLock { $0 })
        #expect(all.count == 240)

        let copied = try await sources(in: backupPath)
        #expect(before.isSubset(of: copied), "missing: \(before.subtracting(copied).sorted().prefix(5))")
        #expect(copied.isSubset(of: all))
        // A backup never overwrites a file.
        let again = try await LinkbackProcess.run(["backup", backupPath, "--database", database])
        #expect(again.status == 1 && again.stderr.contains("exists already"), "\(again.stderr)")

        // After a clean stop the .sqlite file alone is a complete copy: the log was folded in.
        #expect(try await server.stop() == 0)
        let alone = try TemporaryDirectory("backup-copy")
        defer { alone.remove() }
        try FileManager.default.copyItem(atPath: database, toPath: alone.file("copy.sqlite"))
        #expect(try await sources(in: alone.file("copy.sqlite")) == all)
    }

    @Test func postgresIsBackedUpWithPgDump() async throws {
        let run = try await LinkbackProcess.run(
            ["backup", "/tmp/never-written.sqlite", "--database", "postgres://linkback@127.0.0.1:1/linkback"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("pg_dump --format=custom"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written.sqlite"))
    }
}

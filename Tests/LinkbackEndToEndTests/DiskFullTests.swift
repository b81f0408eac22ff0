import Foundation
import LinkbackTestSupport
import Testing

/// A full disk under the database: the endpoints answer 503 with Retry-After and store nothing
/// half-way, and receive again once space returns. A real tmpfs of a few megabytes, mounted for
/// the test (root only, as `make test` runs in CI).
@Suite(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
struct DiskFullTests {
    static let target = "https://blog.example/posts/1"

    @Test func aFullDiskAnswers503AndRecoversWhenSpaceReturns() async throws {
        let disk = try TemporaryDirectory("linkback-full-disk")
        defer { disk.remove() }
        let mounted = try await Command.run("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", disk.path])
        try #require(mounted.status == 0, "cannot mount a tmpfs: \(mounted.stderr)")
        defer { _ = try? Command.runBlocking("umount", ["-l", disk.path]) }

        let source = try await FixtureServer.start()
        for index in 0..<400 { source.set("/s/\(index)", .html("<p><a href=\"\(Self.target)\">a post</a></p>")) }
        let server = try await ServerHarness(
            yaml: "database:\n  path: \(disk.file("linkback.sqlite"))", allowHosts: [source.hostPort])
        defer { server.cleanUp() }
        func send(_ index: Int) async throws -> (status: Int, headers: [String: String], body: String) {
            try await server.postForm("/webmention", [("source", source.url("/s/\(index)").absoluteString), ("target", Self.target)])
        }
        #expect(try await send(0).status == 201)

        // Fill the disk, then send until a receipt cannot be written.
        _ = try await Command.run("dd", ["if=/dev/zero", "of=\(disk.file("filler"))", "bs=16k"])
        var refused: Int?
        for index in 1..<400 {
            let answer = try await send(index)
            if answer.status == 503 {
                #expect(answer.headers["retry-after"] != nil)
                #expect(answer.body.contains("temporarily_unavailable"), "\(answer.body)")
                refused = index
                break
            }
            #expect(answer.status == 201, "\(answer.status) \(answer.body)")
        }
        let failed = try #require(refused, "the disk never filled up")
        #expect(server.rejectionLines.isEmpty, "a full disk is not the sender's fault: \(server.rejectionLines)")

        // Space returns: the refused mention and a new one are taken, and the file is sound.
        try FileManager.default.removeItem(atPath: disk.file("filler"))
        #expect(try await send(failed).status == 201)
        #expect(try await send(failed + 1).status == 201)
        let check = try await Command.run(
            "python3", ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('PRAGMA integrity_check').fetchone()[0], c.execute('SELECT count(*) FROM mentions').fetchone()[0])",
                disk.file("linkback.sqlite")])
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok \(failed + 2)", "\(check.stdout) \(check.stderr)")
        await source.stop()
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import LinkbackKit
import LinkbackServer
import LinkbackStore
import LinkbackTestSupport
import Logging
import Testing

/// The health route over a live loopback socket, with a real SQLite file.
@Suite struct HealthRouteTests {
    private func server(_ directory: TemporaryDirectory) throws -> (LinkbackServer, SQLiteMentionStore) {
        var config = Config.defaults
        config.server.port = 0
        let store = try SQLiteMentionStore(path: directory.file("db.sqlite"))
        let log = try RejectionLog(destination: directory.file("fail2ban.log"))
        return (LinkbackServer(config: config, store: store, rejectionLog: log, logger: Logger(label: "test")), store)
    }

    @Test func countsQueuedMentions() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (server, store) = try server(directory)
        for index in 0..<3 {
            _ = try await store.receive(
                IncomingMention(source: "https://s.example/\(index)", target: "https://b.example/", site: "b.example",
                    protocol: .webmention), actor: .server)
        }
        try await server.application().test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(JSON.same(String(buffer: response.body), #"{"status":"ok","database":"ok","queued":3}"#))
            }
        }
        try await store.close()
    }

    @Test func unusableDatabaseAnswers503() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (server, store) = try server(directory)
        try await store.close()
        try await server.application().test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let health = JSON.object(String(buffer: response.body))
                #expect(health?["status"] as? String == "error")
                #expect((health?["database"] as? String)?.contains("closed") == true)
            }
        }
    }
}

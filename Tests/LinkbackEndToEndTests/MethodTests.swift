import Foundation
import Hummingbird
import HummingbirdTesting
import LinkbackKit
import LinkbackServer
import LinkbackStore
import LinkbackTestSupport
import Logging
import Testing

/// Wrong methods get 405 with `Allow`, and HEAD works wherever GET does. In-process.
@Suite struct MethodTests {
    @Test(arguments: [
        ("/webmention", HTTPRequest.Method.put, "GET, HEAD, POST"),
        ("/webmention", .delete, "GET, HEAD, POST"),
        ("/xmlrpc", .get, "POST"),
        ("/healthz", .post, "GET, HEAD"),
        ("/webmention/status/0123", .post, "GET, HEAD"),
        ("/api/mentions.jf2", .post, "GET, HEAD"),
        ("/mentions.js", .put, "GET, HEAD"),
    ])
    func wrongMethodsGet405WithAllow(path: String, method: HTTPRequest.Method, allow: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var config = Config.defaults
        config.server.publicDirectory = ServerHarness.publicDirectory
        let store = try SQLiteMentionStore(path: directory.file("db.sqlite"))
        let server = LinkbackServer(
            config: config, store: store, rejectionLog: try RejectionLog(destination: directory.file("f.log")),
            logger: Logger(label: "test"))
        try await server.application().test(.router) { client in
            try await client.execute(uri: path, method: method) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == allow)
            }
            // HEAD where GET works: the same status and headers, no body.
            if allow.contains("HEAD"), path != "/webmention/status/0123" {
                let get = try await client.execute(uri: path + (path.hasPrefix("/api") ? "?target=https://b.example/" : ""), method: .get) { $0 }
                try await client.execute(uri: path + (path.hasPrefix("/api") ? "?target=https://b.example/" : ""), method: .head) { head in
                    #expect(head.status == get.status)
                    #expect(head.headers[.contentType] == get.headers[.contentType])
                    #expect(head.body.readableBytes == 0)
                }
            }
        }
        try await store.close()
    }
}

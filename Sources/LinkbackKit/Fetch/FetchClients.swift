import AsyncHTTPClient

/// The HTTP clients fetches go through, kept for reuse: one per (host, vetted address, connect
/// timeout), so a client only ever connects where the address policy allowed, and a source's
/// next page reuses its kept-alive connection.
///
/// A client made per fetch and shut down after was never freed (AsyncHTTPClient 1.37: its
/// connection pool and TLS context cache stayed, about 8 KB a fetch, so the server grew by
/// 12 MB/s while the queue drained). Here at most ``capacity`` clients live; the least recently
/// used idle one is shut down to make room, and when all are busy a fetch gets a client of its
/// own for the moment.
package final class FetchClients: Sendable {
    package struct Key: Hashable {
        package var host: String
        package var address: IPAddress
        package var connectTimeoutSeconds: Int64
    }

    private struct Entry {
        var client: HTTPClient
        var users: Int
        var lastUsed: UInt64
    }

    private enum Lease {
        case kept(HTTPClient)
        case own(HTTPClient)
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var tick: UInt64 = 0
    }

    /// Shared by every fetcher in the process.
    package static let shared = FetchClients(capacity: 64)

    package let capacity: Int
    private let state = Locked(State())

    package init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Shuts every kept client down (for an instance that is going away; the shared one lives as
    /// long as the process).
    package func shutdown() async {
        let kept = state.withLock { state in
            defer { state.entries = [:] }
            return state.entries.values.map(\.client)
        }
        for client in kept { try? await client.shutdown() }
    }

    /// How many clients are kept now.
    package var count: Int { state.withLock { $0.entries.count } }

    /// Runs `body` with the client for `key`, made by `make` when there is none.
    package func with<T>(_ key: Key, make: () -> HTTPClient, _ body: (HTTPClient) async throws -> T) async throws -> T {
        var retired: HTTPClient?
        let lease = state.withLock { state -> Lease in
            state.tick += 1
            if var entry = state.entries[key] {
                entry.users += 1
                entry.lastUsed = state.tick
                state.entries[key] = entry
                return .kept(entry.client)
            }
            if state.entries.count >= capacity {
                guard let idle = state.entries.filter({ $0.value.users == 0 }).min(by: { $0.value.lastUsed < $1.value.lastUsed })
                else { return .own(make()) }
                retired = idle.value.client
                state.entries[idle.key] = nil
            }
            let client = make()
            state.entries[key] = Entry(client: client, users: 1, lastUsed: state.tick)
            return .kept(client)
        }
        if let retired { Task { try? await retired.shutdown() } }
        switch lease {
        case .own(let client):
            defer { Task { try? await client.shutdown() } }
            return try await body(client)
        case .kept(let client):
            defer {
                state.withLock { state in
                    if state.entries[key]?.client === client { state.entries[key]?.users -= 1 }
                }
            }
            return try await body(client)
        }
    }
}

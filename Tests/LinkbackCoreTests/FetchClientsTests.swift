import AsyncHTTPClient
import LinkbackTestSupport
import NIOPosix
import Testing

@testable import LinkbackKit

@Suite struct FetchClientsTests {
    static func key(_ host: String) -> FetchClients.Key {
        FetchClients.Key(host: host, address: IPAddress("192.0.2.1")!, connectTimeoutSeconds: 5)
    }

    /// Makes clients, counting them in `made`.
    static func maker(_ made: Locked<Int>) -> () -> HTTPClient {
        {
            made.withLock { $0 += 1 }
            return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        }
    }

    @Test func clientsAreReusedPerKeyAndBoundedInNumber() async throws {
        let clients = FetchClients(capacity: 2)
        let made = Locked(0)
        let make = Self.maker(made)
        let first = try await clients.with(Self.key("a.example"), make: make) { ObjectIdentifier($0) }
        let again = try await clients.with(Self.key("a.example"), make: make) { ObjectIdentifier($0) }
        #expect(first == again)
        #expect(made.current == 1)
        // Another address for the same host is another client: a client never connects elsewhere.
        let elsewhere = FetchClients.Key(host: "a.example", address: IPAddress("192.0.2.2")!, connectTimeoutSeconds: 5)
        _ = try await clients.with(elsewhere, make: make) { _ in () }
        #expect(made.current == 2)
        // Full: the least recently used idle client makes room.
        _ = try await clients.with(Self.key("b.example"), make: make) { _ in () }
        #expect(made.current == 3)
        #expect(clients.count == 2)
        // a.example was the one retired: it is made again.
        _ = try await clients.with(Self.key("a.example"), make: make) { _ in () }
        #expect(made.current == 4)
        #expect(clients.count == 2)
        await clients.shutdown()
        #expect(clients.count == 0)
    }

    @Test func whenEveryClientIsBusyAFetchGetsOneOfItsOwn() async throws {
        let clients = FetchClients(capacity: 1)
        let made = Locked(0)
        let make = Self.maker(made)
        try await clients.with(Self.key("a.example"), make: make) { busy in
            _ = try await clients.with(Self.key("b.example"), make: make) { _ in () }
            #expect(clients.count == 1, "a client in use must not be shut down to make room")
            _ = busy
        }
        #expect(made.current == 2)
        await clients.shutdown()
    }
}

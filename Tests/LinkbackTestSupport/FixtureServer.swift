import Foundation
import HTTPTypes
import Hummingbird
import LinkbackKit
import Logging
import NIOCore
import ServiceLifecycle

/// A real HTTP server on 127.0.0.1 serving fixture pages that a test sets per path; it plays
/// the source sites that Linkback fetches.
public final class FixtureServer: Sendable {
    /// What one path answers.
    public struct Page: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]
        /// When set, the body is streamed (no Content-Length) in pieces of ``chunkSize`` bytes with
        /// this pause between them.
        public var trickle: Duration?
        public var chunkSize: Int
        /// When set, a request without exactly this `Authorization` header gets 401 (with this
        /// page's headers, so a `Link` header can say where to get a token).
        public var requiredAuthorization: String?

        public init(
            status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = [], trickle: Duration? = nil,
            chunkSize: Int = 1
        ) {
            self.status = status
            self.headers = headers
            self.body = body
            self.trickle = trickle
            self.chunkSize = chunkSize
        }

        public static func html(_ html: String, status: Int = 200) -> Page {
            Page(status: status, headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(html.utf8))
        }

        public static func content(_ text: String, type: String, status: Int = 200) -> Page {
            Page(status: status, headers: [("Content-Type", type)], body: Array(text.utf8))
        }

        public static func redirect(to location: String, status: Int = 302) -> Page {
            Page(status: status, headers: [("Location", location)])
        }
    }

    private let pages: Locked<[String: Page]>
    private let hits: Locked<[String: Int]>
    private let lastHeaders: Locked<[String: [String: String]]>
    private let lastBodies: Locked<[String: [UInt8]]>
    private let task: Task<Void, any Error>
    private let group: ServiceGroup
    public let host: String
    public let port: Int

    private init(
        host: String, port: Int, task: Task<Void, any Error>, group: ServiceGroup, pages: Locked<[String: Page]>, hits: Locked<[String: Int]>,
        lastHeaders: Locked<[String: [String: String]]>, lastBodies: Locked<[String: [UInt8]]>
    ) {
        self.host = host
        self.port = port
        self.task = task
        self.group = group
        self.pages = pages
        self.hits = hits
        self.lastHeaders = lastHeaders
        self.lastBodies = lastBodies
    }

    /// Starts a server on `host` (a loopback address: Linux answers all of 127.0.0.0/8, so tests
    /// can play several hosts) on a free port.
    public static func start(host: String = "127.0.0.1") async throws -> FixtureServer {
        let pages = Locked([String: Page]())
        let hits = Locked([String: Int]())
        let lastHeaders = Locked([String: [String: String]]())
        let lastBodies = Locked([String: [UInt8]]())
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let path = request.uri.path
            hits.withLock { $0[path, default: 0] += 1 }
            var seen: [String: String] = [:]
            for field in request.headers { seen[field.name.canonicalName] = field.value }
            lastHeaders.withLock { $0[path] = seen }
            var request = request
            let received = try await request.collectBody(upTo: 1 << 20)
            lastBodies.withLock { $0[path] = Array(received.readableBytesView) }
            guard let page = pages.withLock({ $0[path] }) else {
                return Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "no fixture")))
            }
            var headers = HTTPFields()
            for (name, value) in page.headers {
                if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
            }
            if let required = page.requiredAuthorization, seen["authorization"] != required {
                return Response(status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "unauthorized")))
            }
            let body: ResponseBody
            if let pause = page.trickle {
                let bytes = page.body
                let size = max(1, page.chunkSize)
                body = ResponseBody { writer in
                    for start in stride(from: 0, to: bytes.count, by: size) {
                        try await writer.write(ByteBuffer(bytes: bytes[start..<min(start + size, bytes.count)]))
                        try await Task.sleep(for: pause)
                    }
                    try await writer.finish(nil)
                }
            } else {
                body = ResponseBody(byteBuffer: ByteBuffer(bytes: page.body))
            }
            return Response(status: .init(code: page.status), headers: headers, body: body)
        }
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "fixture-server")
        logger.logLevel = .warning
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw FixtureFailure("fixture server did not start") }
        return FixtureServer(
            host: host, port: port, task: task, group: group, pages: pages, hits: hits, lastHeaders: lastHeaders, lastBodies: lastBodies)
    }

    /// Serves `page` at `path` (e.g. `/post`).
    public func set(_ path: String, _ page: Page) {
        pages.withLock { $0[path] = page }
    }

    /// How many requests reached `path`.
    public func hits(_ path: String) -> Int {
        hits.withLock { $0[path] ?? 0 }
    }

    /// The headers of the last request to `path`, by lower-case name.
    public func headers(_ path: String) -> [String: String] {
        lastHeaders.withLock { $0[path] ?? [:] }
    }

    /// The body of the last request to `path`, as text.
    public func body(_ path: String) -> String {
        String(decoding: lastBodies.withLock { $0[path] ?? [] }, as: UTF8.self)
    }

    /// `http://HOST:PORT/path`.
    public func url(_ path: String) -> URL {
        URL(string: "http://\(host):\(port)\(path)")!
    }

    public var hostPort: String { "\(host):\(port)" }

    /// Stops gracefully: the listener closes first and connections already accepted are served.
    /// Cancelling at once would drop a connection accepted in that instant before NIO hands it
    /// over, which NIO treats as a fatal error ("Deinited NIOAsyncWriter without calling
    /// finish()"), taking the whole test process down. A connection still open after a few
    /// seconds (a trickling page) is cancelled: it was accepted long before, so nothing is dropped.
    public func stop() async {
        await group.triggerGracefulShutdown()
        let task = task
        let watchdog = Task {
            try await Task.sleep(for: .seconds(3))
            task.cancel()
        }
        _ = try? await task.value
        watchdog.cancel()
    }
}

public struct FixtureFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

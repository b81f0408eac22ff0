import Hummingbird
import NIOCore

/// Reads a request body under a size cap: a body over the cap is refused from its Content-Length
/// alone or as soon as the cap is passed. A body that trickles or never ends is abandoned at
/// `server.body_timeout_seconds` by ``RequestBodyDeadlineHandler`` on the connection.
enum BodyReader {
    enum Problem: Error {
        case tooLarge
        case timedOut
    }

    static func read(_ request: Request, limit: Int) async throws(Problem) -> [UInt8] {
        if let length = request.headers.value(.contentLength).flatMap(Int.init), length > limit { throw .tooLarge }
        do {
            return Array(buffer: try await request.body.collect(upTo: limit))
        } catch is RequestBodyDeadlineHandler.TimedOut {
            throw .timedOut
        } catch {
            // collect(upTo:) throws once the body passes the limit.
            throw .tooLarge
        }
    }
}

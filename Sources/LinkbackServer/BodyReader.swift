import Hummingbird
import LinkbackCore
import NIOCore

/// Reads a request body under a size cap and a time limit: a body over the cap is refused from
/// its Content-Length alone or as soon as the cap is passed, and a body that trickles or never
/// ends is abandoned at the deadline.
enum BodyReader {
    enum Problem: Error {
        case tooLarge
        case timedOut
    }

    static func read(_ request: Request, limit: Int, timeoutSeconds: Double) async throws(Problem) -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw .tooLarge }
        let body = request.body
        do {
            guard let bytes = try await Deadline.run(seconds: timeoutSeconds, { Array(buffer: try await body.collect(upTo: limit)) })
            else { throw Problem.timedOut }
            return bytes
        } catch let problem as Problem {
            throw problem
        } catch {
            // collect(upTo:) throws once the body passes the limit.
            throw .tooLarge
        }
    }
}

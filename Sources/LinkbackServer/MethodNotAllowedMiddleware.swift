import Hummingbird

/// A request to one of Linkback's paths with a method the path does not take gets 405 with
/// `Allow`, not 404 (`PUT /webmention`, `GET /xmlrpc`). (HEAD is answered wherever GET is: the
/// router generates those endpoints.)
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = LinkbackRequestContext

    /// Paths (exact, or prefixes ending in `/`) and the methods they take.
    static let rules: [(path: String, prefix: Bool, methods: [HTTPRequest.Method])] = [
        ("/webmention", false, [.get, .head, .post]),
        ("/webmention/status/", true, [.get, .head]),
        ("/xmlrpc", false, [.post]),
        ("/healthz", false, [.get, .head]),
        ("/api/", true, [.get, .head]),
    ] + StaticRoutes.files.map { ("/" + $0.path, false, [.get, .head]) }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard let rule = Self.rules.first(where: { $0.prefix ? path.hasPrefix($0.path) : path == $0.path }) else {
            return try await next(request, context)
        }
        guard !rule.methods.contains(request.method) else { return try await next(request, context) }
        let allow = rule.methods.map(\.rawValue).joined(separator: ", ")
        return ErrorAnswer(error: "method_not_allowed", errorDescription: "\(path) takes \(allow)")
            .response(.methodNotAllowed, for: request, headers: [.allow: allow])
    }
}

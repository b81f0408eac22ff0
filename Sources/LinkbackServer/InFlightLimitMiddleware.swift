import Hummingbird
import Synchronization

/// Caps the requests being answered at once (`server.max_in_flight`): one more gets 503 with
/// `Retry-After` at once, before its body is read, so a flood costs a small fixed amount of memory
/// instead of growing without bound. `/healthz` and `/metrics` are exempt, so monitoring still sees
/// an overloaded server. Not written to the rejection log: overload is not the client's fault.
struct InFlightLimitMiddleware: RouterMiddleware {
    typealias Context = LinkbackRequestContext

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    let limit: Int
    let counter = Counter()

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard limit > 0, path != "/healthz", path != "/metrics" else { return try await next(request, context) }
        let now = counter.value.wrappingAdd(1, ordering: .relaxed).newValue
        defer { counter.value.wrappingSubtract(1, ordering: .relaxed) }
        guard now <= limit else {
            return ErrorAnswer(error: "overloaded", errorDescription: "too many requests in progress; try again in a moment")
                .response(.serviceUnavailable, for: request, headers: [.retryAfter: "1"])
        }
        return try await next(request, context)
    }
}

import Hummingbird
import LinkbackStore

/// `GET /healthz`: whether the server and its database work, and how many mentions wait.
struct HealthRoutes {
    let store: any MentionRecords

    struct Health: Encodable {
        var status: String
        var database: String
        var queued: Int?
    }

    func register(on router: Router<LinkbackRequestContext>) {
        router.get("healthz") { _, context -> Response in
            do {
                let counts = try await store.countByStatus()
                return JSONResponse.make(.ok, Health(status: "ok", database: "ok", queued: counts[.queued] ?? 0))
            } catch {
                context.logger.error("health check failed", metadata: ["error": "\(error)"])
                return JSONResponse.make(.serviceUnavailable, Health(status: "error", database: "\(error)"))
            }
        }
    }
}

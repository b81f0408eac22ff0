import Hummingbird
import LinkbackKit
import LinkbackStore
import Logging
import Metrics
import Prometheus

/// `GET /metrics`: everything ``LinkbackMetrics`` counted, in Prometheus text format, plus gauges
/// read from the store at scrape time (mentions by status, mentions waiting for verification,
/// webhook deliveries by state).
struct MetricsRoutes {
    let registry: PrometheusCollectorRegistry
    let store: any MentionRecords & WebhookOutboxStore & NotificationOutboxStore

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("metrics") { _, context -> Response in
            await refreshGauges(logger: context.logger)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    private func refreshGauges(logger: Logger) async {
        do {
            for (status, count) in try await store.countByStatus() {
                Gauge(label: "linkback_mentions", dimensions: [("status", status.rawValue)]).record(count)
            }
            for (state, count) in try await store.deliveryCounts() {
                Gauge(label: "linkback_webhook_outbox", dimensions: [("state", state.rawValue)]).record(count)
            }
            for (state, count) in try await store.notificationCounts() {
                Gauge(label: "linkback_notification_outbox", dimensions: [("state", state.rawValue)]).record(count)
            }
        } catch {
            logger.warning("metrics: cannot read the store", metadata: ["error": "\(error)"])
        }
    }
}

/// Counts every answer by route pattern and status (`linkback_http_requests_total`).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            let response = try await next(request, context)
            LinkbackMetrics.request(route: context.endpointPath ?? "unmatched", status: Int(response.status.code))
            return response
        } catch let error as any HTTPResponseError {
            LinkbackMetrics.request(route: context.endpointPath ?? "unmatched", status: Int(error.status.code))
            throw error
        } catch {
            LinkbackMetrics.request(route: context.endpointPath ?? "unmatched", status: 500)
            throw error
        }
    }
}

import Metrics

/// What Linkback counts, through swift-metrics: the server bootstraps a Prometheus backend and
/// serves it at `/metrics`; anywhere else (the CLI, tests in-process) these go nowhere.
///
/// Names follow Prometheus conventions (`_total` for counters, base units). Label values are
/// from fixed vocabularies (route patterns, reason codes, outcome codes), never from clients.
public enum LinkbackMetrics {
    /// An HTTP answer: the route pattern that handled it (`unmatched` for none) and its status.
    public static func request(route: String, status: Int) {
        Counter(label: "linkback_http_requests_total", dimensions: [("route", route), ("status", String(status))]).increment()
    }

    /// A line written to the rejection log.
    public static func rejection(_ rejection: Rejection) {
        let key = RejectionKey(endpoint: rejection.endpoint, reason: rejection.reason)
        let counter = rejectionCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "linkback_rejections_total",
                dimensions: [("endpoint", key.endpoint.rawValue), ("reason", key.reason.rawValue)])
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// The rejection counters made so far: a rejection is counted per refused request, and asking
    /// the backend for its counter each time cost more than writing the log line.
    private static let rejectionCounters = Locked<[RejectionKey: Counter]>([:])

    private struct RejectionKey: Hashable {
        var endpoint: RejectionEndpoint
        var reason: RejectionReason
    }

    /// The built-in ban (`spam.ban_after_rejections`) started for an address.
    public static func banStarted() {
        Counter(label: "linkback_bans_total").increment()
    }

    /// A verification finished (queue, pingback, reverify): its outcome code and how long it took.
    public static func verification(outcome: VerificationOutcome, seconds: Double) {
        Counter(label: "linkback_verifications_total", dimensions: [("outcome", outcome.code)]).increment()
        Timer(label: "linkback_verification_duration_seconds").recordSeconds(seconds)
    }

    /// Bytes read from a source (or any other fetched resource).
    public static func fetched(bytes: Int) {
        Counter(label: "linkback_fetch_bytes_total").increment(by: bytes)
    }

    /// A webhook delivery attempt: `delivered`, `retry` or `given_up`.
    public static func webhookDelivery(_ outcome: String) {
        Counter(label: "linkback_webhook_deliveries_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// A notification attempt: `sent`, `retry` or `given_up`, per kind of channel (`mail`, `push`).
    public static func notification(_ outcome: String, kind: String) {
        Counter(label: "linkback_notifications_total", dimensions: [("outcome", outcome), ("channel", kind)]).increment()
    }
}

import Foundation
import LinkbackKit
import LinkbackStore

/// The documented JSON shape of the statistics, the same from `linkback stats --json` and the
/// admin API's `GET /admin/api/stats`: mentions by status, protocol, type and site; the last day's
/// rejections by reason, per hour and by address (from the rejection log); webhook deliveries and
/// notification messages by state.
public struct StatsReport: Encodable, Sendable {
    public var byStatus: [String: Int]
    public var byProtocol: [String: Int]
    public var byType: [String: Int]
    public var bySite: [String: Int]
    /// Mentions per day by type, the last 30 days (see ``StoreStatistics/byDayAndType``).
    public var mentionsDaily: [String: [String: Int]]
    public var rejections: RejectionSummary
    public var webhookDeliveries: [String: Int]
    /// Notification messages: `pending`, `delivered` (sent), `failed` (given up).
    public var notifications: [String: Int]
    /// The periodic re-check (`verification.recheck_days`), when it ever ran.
    public var recheck: RecheckReport?

    enum CodingKeys: String, CodingKey {
        case byStatus = "by_status"
        case byProtocol = "by_protocol"
        case byType = "by_type"
        case bySite = "by_site"
        case rejections24h = "rejections_24h"
        case topOffenders = "top_offenders_24h"
        case rejectionsHourly = "rejections_hourly"
        case rejectionsDaily = "rejections_daily"
        case mentionsDaily = "mentions_daily"
        case webhookDeliveries = "webhook_deliveries"
        case notifications
        case recheck
    }

    /// Reads the store; the last day's rejections come from the rejection log (`linkback stats`)
    /// or a running server's ``RejectionCounts`` (the admin API).
    public static func read(store: any MentionStore, rejections: RejectionSummary) async throws -> StatsReport {
        let statistics = try await store.statistics()
        let outbox = try await store.deliveryCounts()
        return StatsReport(
            byStatus: statistics.byStatus, byProtocol: statistics.byProtocol, byType: statistics.byType,
            bySite: statistics.bySite, mentionsDaily: statistics.byDayAndType, rejections: rejections,
            webhookDeliveries: Dictionary(uniqueKeysWithValues: outbox.map { ($0.key.rawValue, $0.value) }),
            notifications: Dictionary(uniqueKeysWithValues: try await store.notificationCounts().map { ($0.key.rawValue, $0.value) }),
            recheck: try await RecheckReport.read(from: store))
    }

    struct DayCounts: Encodable {
        var day: String
        var types: [String: Int]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(byStatus, forKey: .byStatus)
        try container.encode(byProtocol, forKey: .byProtocol)
        try container.encode(byType, forKey: .byType)
        try container.encode(bySite, forKey: .bySite)
        try container.encode(rejections.byReason, forKey: .rejections24h)
        try container.encode(
            rejections.topAddresses.map { ["ip": $0.address, "rejections": String($0.count)] }, forKey: .topOffenders)
        try container.encode(rejections.hourly, forKey: .rejectionsHourly)
        try container.encode(rejections.daily, forKey: .rejectionsDaily)
        // Every day of the window, oldest first, empty ones too: a chart's x axis.
        let first = StoreStatistics.firstDay(Date())
        let days = (0..<StoreStatistics.days).map { String(first.addingTimeInterval(Double($0) * 86_400).iso8601.prefix(10)) }
        try container.encode(days.map { DayCounts(day: $0, types: mentionsDaily[$0] ?? [:]) }, forKey: .mentionsDaily)
        try container.encode(webhookDeliveries, forKey: .webhookDeliveries)
        try container.encode(notifications, forKey: .notifications)
        try container.encode(recheck, forKey: .recheck)
    }
}

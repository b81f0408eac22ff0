import Foundation
import LinkbackKit
import LinkbackStore

/// The moderators' listing filters, as the admin API takes them in its query string (the same
/// filters as `linkback list`): `status` (repeatable; default `pending`, `all` for every status),
/// `target`, `site`, `source-domain`, `protocol`, `type`, `since` (ISO 8601), `limit` (1–1000,
/// default 50) and `offset`. Values are taken in the forms that are stored (canonical URL,
/// normalised host and domain).
public enum ModeratorQuery {
    public static func parse(_ parameters: [(name: String, value: String)]) -> Result<MentionQuery, ReadQueryError> {
        var query = MentionQuery(statuses: [.pending], limit: 50)
        var statuses: [MentionStatus] = []
        var all = false
        for (name, value) in parameters {
            switch name {
            case "status":
                if value == "all" {
                    all = true
                } else if let status = MentionStatus(rawValue: value) {
                    statuses.append(status)
                } else {
                    return .failure(.invalid("status must be all or one of \(MentionStatus.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
            case "target":
                guard case .success(let url) = MentionCheck.parse(value) else {
                    return .failure(.invalid("target must be an absolute http or https URL"))
                }
                query.target = url.absoluteString
            case "site":
                guard let site = HostPort(value) else { return .failure(.invalid("site must be a host or host:port")) }
                query.site = site.description
            case "source-domain":
                guard let domain = HostName.normalized(value) else { return .failure(.invalid("source-domain must be a domain name")) }
                query.sourceDomain = domain
            case "protocol":
                guard let proto = MentionProtocol(rawValue: value) else {
                    return .failure(.invalid("protocol must be webmention or pingback"))
                }
                query.protocol = proto
            case "type":
                guard let type = MentionType(rawValue: value) else {
                    return .failure(.invalid("type must be one of \(MentionType.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
                query.type = type
            case "since":
                guard let date = ReadQueryParser.date(value) else { return .failure(.invalid("since must be an ISO 8601 date")) }
                query.since = date
            case "limit":
                guard let limit = Int(value), (1...1000).contains(limit) else {
                    return .failure(.invalid("limit must be a number from 1 to 1000"))
                }
                query.limit = limit
            case "offset":
                guard let offset = Int(value), offset >= 0 else { return .failure(.invalid("offset must be 0 or more")) }
                query.offset = offset
            default:
                return .failure(.invalid("unknown parameter \(name)"))
            }
        }
        query.statuses = all ? nil : (statuses.isEmpty ? [.pending] : statuses)
        return .success(query)
    }
}

import Foundation
import LinkbackKit

/// A value bound to a `?` placeholder of ``MentionQuerySQL`` or ``MentionWriteSQL``, for either
/// store to convert.
package enum SQLValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case double(Double)
    case date(Date)
    case bool(Bool)
    case null

    /// A text, or NULL.
    package static func optional(_ text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }
}

/// The one translation of a ``MentionQuery`` into SQL, shared by the SQLite and PostgreSQL stores
/// (both compare `source` and `target` byte-wise; PostgreSQL's columns are `COLLATE "C"`).
/// Placeholders are `?`; ``numbered(_:from:)`` turns them into PostgreSQL's `$n`.
package enum MentionQuerySQL {
    /// The WHERE condition of a query's filters and the values of its placeholders.
    package static func filter(_ query: MentionQuery) -> (condition: String, values: [SQLValue]) {
        var clauses: [String] = []
        var values: [SQLValue] = []
        func any(_ column: String, _ texts: [String]) {
            clauses.append("\(column) IN (" + placeholders(texts) + ")")
            values += texts.map(SQLValue.text)
        }
        if let statuses = query.statuses, !statuses.isEmpty { any("status", statuses.map(\.rawValue)) }
        if !query.includePrivate { clauses.append("NOT is_private") }
        // A page's mentions include those of its parts: `…/post` also selects `…/post#comment-1`
        // (`#` sorts just before `$`, so the range uses the index).
        func matchingTargets(_ targets: [String]) {
            var alternatives = ["FALSE"]
            for target in targets {
                if target.contains("#") {
                    alternatives.append("target = ?")
                    values.append(.text(target))
                } else {
                    alternatives.append("target = ? OR (target > ? AND target < ?)")
                    values += [.text(target), .text(target + "#"), .text(target + "$")]
                }
            }
            clauses.append("(" + alternatives.joined(separator: " OR ") + ")")
        }
        if let target = query.target { matchingTargets([target]) }
        if let targets = query.targets { matchingTargets(targets) }
        if let site = query.site { any("site", [site]) }
        if let sites = query.sites { any("site", sites) }
        if let proto = query.protocol { any("protocol", [proto.rawValue]) }
        if let domain = query.sourceDomain?.lowercased() {
            // scheme://domain[:port]/… or scheme://sub.domain[:port]/…, the domain matched literally.
            let literal = SQLLike.literal(domain)
            var patterns: [String] = []
            for scheme in ["http://", "https://"] {
                for host in [literal, "%." + literal] {
                    patterns.append(scheme + host + "/%")
                    patterns.append(scheme + host + ":%")
                }
            }
            clauses.append("(" + patterns.map { _ in SQLLike.clause("lower(source)") }.joined(separator: " OR ") + ")")
            values += patterns.map(SQLValue.text)
        }
        if let type = query.type { any("type", [type.rawValue]) }
        if let types = query.types { any("type", types.map(\.rawValue)) }
        if let since = query.since {
            clauses.append("received_at >= ?")
            values.append(.date(since))
        }
        if let sinceID = query.sinceID {
            clauses.append("id > ?")
            values.append(.integer(sinceID))
        }
        if query.collapseAliases {
            // One probe of the primary key per copy: the copy is listed with its mention while
            // that one is approved (and visible to this reader).
            clauses.append(
                "(mentions.alias_of IS NULL OR NOT EXISTS (SELECT 1 FROM mentions AS primary_mention WHERE primary_mention.id = mentions.alias_of"
                    + " AND primary_mention.status = 'approved'" + (query.includePrivate ? "" : " AND NOT primary_mention.is_private") + "))")
        }
        return (clauses.isEmpty ? "TRUE" : clauses.joined(separator: " AND "), values)
    }

    /// The ORDER BY list of a query.
    package static func order(_ query: MentionQuery) -> String {
        let direction = query.ascending ? "ASC" : "DESC"
        switch query.sort {
        case .received: return "received_at \(direction), id \(direction)"
        case .updated: return "updated_at \(direction), id \(direction)"
        case .published: return "published IS NULL, published \(direction), received_at \(direction), id \(direction)"
        case .rsvp:
            let answer = "CASE rsvp WHEN 'yes' THEN 0 WHEN 'maybe' THEN 1 WHEN 'interested' THEN 2 WHEN 'no' THEN 3 ELSE 4 END"
            return "\(answer), received_at \(direction), id \(direction)"
        }
    }

    /// A listing: the query's filters, order and page.
    package static func list(_ query: MentionQuery) -> (sql: String, values: [SQLValue]) {
        let (condition, values) = filter(query)
        return (
            "SELECT * FROM mentions WHERE \(condition) ORDER BY \(order(query)) LIMIT ? OFFSET ?",
            values + [.integer(Int64(query.limit)), .integer(Int64(query.offset))]
        )
    }

    /// Counts by type (untyped mentions count as `mention`) of the mentions a query's filters select.
    package static func countByType(_ query: MentionQuery) -> (sql: String, values: [SQLValue]) {
        let (condition, values) = filter(query)
        return ("SELECT COALESCE(type, 'mention') AS type, COUNT(*) AS n FROM mentions WHERE \(condition) GROUP BY 1", values)
    }

    /// Counts by type of the mentions counted without being kept (`aggregate`) that a query
    /// selects: they are approved and public, and only their target, site and type are known, so a
    /// query that filters on anything else (the source's domain, the protocol, dates, ids) selects
    /// none (`nil`).
    package static func aggregatedByType(_ query: MentionQuery) -> (sql: String, values: [SQLValue])? {
        guard query.statuses?.contains(.approved) ?? true, query.protocol == nil, query.sourceDomain == nil,
            query.since == nil, query.sinceID == nil
        else { return nil }
        let (condition, values) = filter(
            MentionQuery(
                target: query.target, targets: query.targets, site: query.site, sites: query.sites, type: query.type,
                types: query.types))
        return ("SELECT type, COUNT(*) AS n FROM aggregated WHERE \(condition) GROUP BY 1", values)
    }

    /// Mentions with a fingerprint that shares a band with `fingerprint`, banded at or after
    /// `since`: each band's index gives at most `limit` rows, newest first, and at most `limit`
    /// mentions come back, whatever a farm has sent.
    package static func textsLike(
        _ fingerprint: TextFingerprint, since: Date, excluding: Int64?, limit: Int, indexedBy: Bool = false
    ) -> (sql: String, values: [SQLValue]) {
        // Each band walks its (band, at) index newest first and stops at the limit: a farm that
        // sends one text thousands of times would otherwise make every verification read every
        // earlier copy's band rows (28 verifications a second of 20 KB copies, measured). A
        // mention's bands share its `at` (written together), so UNION drops the same mention
        // found by several bands as the rows arrive; a GROUP BY over all 16 × limit rows and a
        // sort of the groups took 28 % longer on a farm's database.
        let branches = fingerprint.bands.indices.map { index in
            """
            SELECT mention_id, at FROM (SELECT mention_id, at FROM fingerprint_bands WHERE band = ? AND at >= ? AND mention_id <> ?
                ORDER BY at DESC LIMIT ?) AS band\(index)
            """
        }
        return (
            """
            SELECT id, source, decision, fingerprint FROM mentions\(indexedBy ? " INDEXED BY mentions_fingerprint" : "") WHERE id IN (
                SELECT mention_id FROM (\(branches.joined(separator: " UNION "))) AS near
                ORDER BY at DESC LIMIT ?) AND fingerprint IS NOT NULL
            ORDER BY id DESC
            """,
            fingerprint.bands.flatMap { [SQLValue.integer($0), .date(since), .integer(excluding ?? 0), .integer(Int64(limit))] }
                + [.integer(Int64(limit))]
        )
    }

    /// What ``textsLike(_:since:excluding:limit:indexedBy:)`` returns, for mentions already named
    /// (by a band index kept elsewhere): those of `ids` that still have a fingerprint.
    package static func texts(ids: [Int64], indexedBy: Bool = false) -> SQLStatement {
        SQLStatement(
            "SELECT id, source, decision, fingerprint FROM mentions\(indexedBy ? " INDEXED BY mentions_fingerprint" : "") WHERE id IN ("
                + placeholders(ids) + ") AND fingerprint IS NOT NULL ORDER BY id DESC", ids.map(SQLValue.integer))
    }

    /// Approved mentions that are copies of `ids` (on `mentions_alias_of`).
    package static func approvedAliases(of ids: [Int64], includePrivate: Bool) -> SQLStatement {
        SQLStatement(
            "SELECT * FROM mentions WHERE alias_of IN (" + placeholders(ids) + ") AND status = 'approved'"
                + (includePrivate ? "" : " AND NOT is_private") + " ORDER BY id", ids.map(SQLValue.integer))
    }

    /// Approved mentions whose source is one of `sources` (on the (source, target) key).
    package static func approved(fromSources sources: [String], includePrivate: Bool) -> SQLStatement {
        SQLStatement(
            "SELECT * FROM mentions WHERE source IN (" + placeholders(sources) + ") AND status = 'approved'"
                + (includePrivate ? "" : " AND NOT is_private"), sources.map(SQLValue.text))
    }

    /// The canonical URLs recorded for `spellings` (`spelling`, `canonical` rows).
    package static func canonicalTargets(_ spellings: [String]) -> SQLStatement {
        SQLStatement(
            "SELECT spelling, canonical FROM target_spellings WHERE spelling IN ("
                + placeholders(spellings) + ")", spellings.map(SQLValue.text))
    }

    /// Records (or refreshes) a spelling's canonical URL.
    package static func recordSpelling(_ spelling: String, canonical: String, at now: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO target_spellings (spelling, canonical, seen_at) VALUES (?, ?, ?)
            ON CONFLICT (spelling) DO UPDATE SET canonical = excluded.canonical, seen_at = excluded.seen_at
            """, [.text(spelling), .text(canonical), .date(now)])
    }

    /// Every recorded spelling (a store's copy).
    package static let allSpellings = "SELECT spelling, canonical, seen_at FROM target_spellings ORDER BY spelling"

    /// Mentions by id.
    package static func byIDs(_ ids: some Collection<Int64>) -> SQLStatement {
        SQLStatement(
            "SELECT * FROM mentions WHERE id IN (" + placeholders(ids) + ")", ids.map(SQLValue.integer))
    }

    /// The ids of the next `scan` events after `eventID` and one more (which says that more
    /// follow): the window a changes read looks at, read on the primary key.
    package static func eventWindow(after eventID: Int64, scan: Int) -> SQLStatement {
        SQLStatement("SELECT id, at FROM events WHERE id > ? ORDER BY id LIMIT ?", [.integer(eventID), .integer(Int64(scan + 1))])
    }

    /// The events with an id in `(after, through]` of the mentions `scope` selects by target, site,
    /// type and privacy (its statuses, dates and ids are not looked at: a change to any status
    /// counts), oldest first, each with its mention's last status before it that was not `queued`
    /// (`previous_settled`). Each event finds its mention by primary key and its previous status
    /// on `events_mention`, so the cost is bounded by the window, whatever the table holds.
    package static func changes(after eventID: Int64, through last: Int64, scope: MentionQuery) -> SQLStatement {
        let (condition, values) = filter(
            MentionQuery(
                targets: scope.targets ?? scope.target.map { [$0] }, sites: scope.sites ?? scope.site.map { [$0] },
                types: scope.types ?? scope.type.map { [$0] }, includePrivate: scope.includePrivate))
        return SQLStatement(
            """
            SELECT e.*, (SELECT p.to_status FROM events AS p WHERE p.mention_id = e.mention_id AND p.id < e.id
                    AND p.to_status <> 'queued' ORDER BY p.id DESC LIMIT 1) AS previous_settled
            FROM events AS e JOIN mentions ON mentions.id = e.mention_id
            WHERE e.id > ? AND e.id <= ? AND \(condition)
            ORDER BY e.id
            """,
            [.integer(eventID), .integer(last)] + values)
    }

    /// `?, ?, …`: one placeholder for each of `values`, for an `IN (…)` list.
    package static func placeholders(_ values: some Collection) -> String {
        values.map { _ in "?" }.joined(separator: ", ")
    }

    /// `sql` with its `?` placeholders numbered `$first`, `$first+1`, … (the generated SQL has no
    /// `?` inside literals).
    package static func numbered(_ sql: String, from first: Int = 1) -> String {
        var result = ""
        var next = first
        for character in sql {
            if character == "?" {
                result += "$\(next)"
                next += 1
            } else {
                result.append(character)
            }
        }
        return result
    }
}

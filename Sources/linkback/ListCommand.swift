import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List mentions, newest first (by default those waiting for moderation).",
        discussion: """
            Filters combine. --status may be repeated (default: pending). Prints a table on a terminal, or \
            with --json one JSON array of mentions (fields: id, status, protocol, source, target, site, reason, \
            client_ip, user_agent, received, updated, verified, attempts, token, content).
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "queued, pending, approved, rejected, spam or deleted (repeatable; default pending).")
    var status: [MentionStatus] = []

    @Flag(help: "Every status.")
    var all = false

    @Option(help: "Only mentions of targets on this site (as in `sites`).")
    var site: String?

    @Option(help: "Only mentions of this exact target URL.")
    var target: String?

    @Option(name: .customLong("source-domain"), help: "Only sources on this domain or its subdomains.")
    var sourceDomain: String?

    @Option(name: .customLong("protocol"), help: "webmention or pingback.")
    var mentionProtocol: MentionProtocol?

    @Option(help: "reply, like, repost, bookmark, rsvp or mention.")
    var type: MentionType?

    @Option(help: "Only mentions received since this date (YYYY-MM-DD or ISO 8601) or this long ago (e.g. 24h, 7d).")
    var since: String?

    @Option(help: "At most this many.")
    var limit = 50

    @Option(help: "Skip this many.")
    var offset = 0

    func validate() throws {
        if let since, Self.parseSince(since) == nil {
            throw ValidationError("--since takes a date (2026-11-25), a date and time, or an age such as 24h or 7d")
        }
        if let sourceDomain, HostName.normalized(sourceDomain) == nil {
            throw ValidationError("--source-domain takes a domain name, \"\(sourceDomain)\" is not one")
        }
        if let target, case .failure(let problem) = MentionCheck.parse(target) {
            throw ValidationError("--target \(problem.message)")
        }
        if let site, HostPort(site) == nil { throw ValidationError("--site takes a host or host:port") }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        if offset < 0 { throw ValidationError("--offset must not be negative") }
    }

    func run() async throws {
        try await Self.reportingFailures {
            let mentions = try await store.openStore()
            let query = MentionQuery(
                statuses: all ? nil : (status.isEmpty ? [.pending] : status),
                // Filters in the forms that are stored: canonical URL, normalised host and domain.
                target: target.flatMap { try? MentionCheck.parse($0).get().absoluteString },
                site: site.flatMap(HostPort.init)?.description,
                protocol: mentionProtocol, sourceDomain: sourceDomain.flatMap(HostName.normalized), type: type, since: since.flatMap(Self.parseSince),
                limit: limit, offset: offset)
            let found = try await mentions.list(query)
            if store.json {
                Output.json(found.map { MentionRecord($0) })
            } else if found.isEmpty {
                print("No mentions.")
            } else {
                print(Self.table(found))
            }
        }
    }

    static func table(_ mentions: [Mention]) -> String {
        let now = Date()
        let rows = mentions.map { mention -> [String] in
            let source = URL(string: mention.source)?.host ?? mention.source
            let target = URL(string: mention.target).map { $0.path.isEmpty ? "/" : $0.path } ?? mention.target
            // Stored text is shown with control characters written out, never sent to the terminal raw.
            return [
                String(mention.id), mention.status.rawValue, mention.content?.type.rawValue ?? "-", mention.protocol.rawValue,
                mention.spamScore.map { String(format: "%.2f", $0.value) } ?? "-", source, target, mention.content?.authorName ?? "-", age(now.timeIntervalSince(mention.received)),
            ].map(StoredText.visible)
        }
        let headers = ["ID", "STATUS", "TYPE", "PROTOCOL", "SCORE", "SOURCE", "TARGET", "AUTHOR", "AGE"]
        var widths = headers.indices.map { column in max(headers[column].count, rows.map { $0[column].count }.max() ?? 0) }
        // Shorten the URL-ish and author columns to fit the terminal.
        let available = Terminal.width - (widths.count - 1) * 2
        while widths.reduce(0, +) > available, let widest = [5, 6, 7].max(by: { widths[$0] < widths[$1] }), widths[widest] > 8 {
            widths[widest] -= 1
        }
        func line(_ cells: [String], status: String?) -> String {
            cells.indices.map { column in
                let cell = Terminal.pad(Terminal.fit(cells[column], widths[column]), widths[column])
                return column == 1 && status != nil ? Terminal.paint(cell, status!) : cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(headers, status: nil)] + rows.map { line($0, status: $0[1]) }).joined(separator: "\n")
    }

    static func age(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<60: return "\(max(0, Int(seconds)))s"
        case ..<3600: return "\(Int(seconds / 60))m"
        case ..<86_400: return "\(Int(seconds / 3600))h"
        default: return "\(Int(seconds / 86_400))d"
        }
    }

    static func parseSince(_ text: String) -> Date? {
        if let last = text.last, let amount = Double(text.dropLast()), amount >= 0 {
            let unit: Double? = ["m": 60, "h": 3600, "d": 86_400, "w": 604_800][last]
            if let unit { return Date().addingTimeInterval(-amount * unit) }
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text + "T00:00:00Z", strategy: .iso8601)
    }
}

extension MentionStatus: ExpressibleByArgument {}
extension MentionProtocol: ExpressibleByArgument {}
extension MentionType: ExpressibleByArgument {}

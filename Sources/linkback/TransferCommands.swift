import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore

struct ExportCommand: AsyncParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, jf2, csv
    }

    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write mentions to stdout as JSON, JF2 (webmention.io's shape) or CSV.",
        discussion: "--status may be repeated; the default is every status. JSON is the array of `list --json`.")

    @OptionGroup var store: StoreOptions
    @Option(help: "json, jf2 or csv.") var format: Format = .json
    @Option(name: .long, help: "Only mentions with this status (repeatable).") var status: [MentionStatus] = []

    func run() async throws {
        try await Self.reportingFailures {
            let mentions = try await store.openStore().list(
                MentionQuery(statuses: status.isEmpty ? nil : status, limit: Int.max / 2))
            switch format {
            case .json:
                Output.json(mentions.map { MentionRecord($0) })
            case .jf2:
                Output.json(JF2.feed(mentions))
            case .csv:
                print(Self.csvRow(["id", "status", "protocol", "type", "source", "target", "author_name", "author_url", "title",
                    "published", "received"]))
                for mention in mentions {
                    let content = mention.content
                    print(Self.csvRow([
                        String(mention.id), mention.status.rawValue, mention.protocol.rawValue, content?.type.rawValue ?? "",
                        mention.source, mention.target, content?.authorName ?? "", content?.authorURL ?? "", content?.title ?? "",
                        content?.published ?? "", ISO.string(mention.received),
                    ]))
                }
            }
        }
    }

    /// RFC 4180: quoted when needed, quotes doubled. A cell that a spreadsheet would read as a
    /// formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'`, so
    /// text from a source page can never run as one (CSV injection).
    static func csvRow(_ fields: [String]) -> String {
        fields.map { raw in
            let field = raw.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } == true ? "'" + raw : raw
            return field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a JF2 export: webmention.io's (its API's `children` entries) or Linkback's own.",
        discussion: """
            Each entry with wm-source and wm-target becomes a mention with its author, content (sanitised), type \
            from wm-property and reception date from wm-received; its status from wm-status and protocol from \
            wm-protocol when present (Linkback's exports), else approved (webmention.io showed them) and webmention; \
            its id from wm-id when no other mention has it, so a build's since_id goes on working. \
            Pairs already stored are left alone, so running it again changes nothing.
            """)

    @OptionGroup var store: StoreOptions
    @Argument(help: "The JF2 file (- for standard input).") var file: String

    func run() async throws {
        try await Self.reportingFailures {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: file) else { throw Failure("\(file): cannot read the file") }
                data = contents
            }
            let parsed: (entries: [JF2.Entry], skipped: Int)
            do {
                parsed = try JF2.parse(data)
            } catch {
                throw Failure("\(file): \(error)")
            }
            let config = try store.loadConfig()
            let progress = Progress(total: parsed.entries.count, label: "importing")
            let summary = try await MentionImport(store: try store.openStore(), sites: config.sites, actor: .cli)
                .run(parsed.entries, skipped: parsed.skipped, progress: progress.step)
            let (imported, existing, invalid) = (summary.imported, summary.alreadyPresent, summary.skipped)
            if store.json {
                Output.json(["imported": imported, "already_present": existing, "skipped": invalid, "renumbered": summary.renumbered])
            } else {
                print("\(imported) imported, \(existing) already present, \(invalid) skipped")
                if summary.renumbered > 0 {
                    print("\(summary.renumbered) kept their content but not their wm-id (another mention has it): builds that use since_id should fetch everything once")
                }
            }
        }
    }
}

struct ReverifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reverify",
        abstract: "Verify mentions again now: still linking, gone, or failing.",
        discussion: """
            Uses the fetch.* limits of the configuration. A source that answers 410 or no longer links deletes \
            the mention; a timeout or a server error changes nothing. Queued mentions are left to the server.
            """)

    @OptionGroup var store: StoreOptions
    @Argument(help: "Mention ids.") var ids: [Int64] = []
    @Option(name: .long, help: "Every mention with this status (repeatable).") var status: [MentionStatus] = []
    @Flag(help: "Every mention that is not queued.") var all = false

    func validate() throws {
        if ids.isEmpty && status.isEmpty && !all { throw ValidationError("name mention ids, --status or --all") }
    }

    func run() async throws {
        try await Self.reportingFailures {
            let config = try store.loadConfig()
            let mentions = try await store.openStore()
            var selected: [Mention] = []
            if !ids.isEmpty {
                for id in ids {
                    guard let mention = try await mentions.mention(id: id) else { throw Failure("no mention with id \(id)") }
                    selected.append(mention)
                }
            } else {
                let statuses = all ? MentionStatus.allCases.filter { $0 != .queued } : status
                selected = try await mentions.list(MentionQuery(statuses: statuses, limit: Int.max / 2))
            }
            selected.removeAll { $0.status == .queued }
            let reverification = Reverification(
                store: mentions, verifier: Verifier(config: config), policy: VerificationPolicy(config: config).withContentSignals(config: config, store: mentions),
                actor: .cli)
            let progress = Progress(total: selected.count, label: "verifying")
            var valid = 0
            var deleted = 0
            var failed: [String: Int] = [:]
            for mention in selected {
                defer { progress.step() }
                switch try await reverification.reverify(mention) {
                case .valid: valid += 1
                case .deleted: deleted += 1
                case .failed(let code): failed[code, default: 0] += 1
                }
            }
            let failures = failed.values.reduce(0, +)
            if store.json {
                Output.json(["checked": selected.count, "valid": valid, "deleted": deleted, "failed": failures])
            } else {
                let reasons = failed.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                print("\(selected.count) checked: \(valid) still valid, \(deleted) deleted, \(failures) failed" + (reasons.isEmpty ? "" : " (\(reasons))"))
            }
        }
    }
}

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Counts by status, protocol, type and site; the last day's rejections by reason and top offenders.",
        discussion: """
            Rejections are read from the rejection log (logging.fail2ban_log, when it is a file); with --database and \
            no --config, from the log of the server that last started on that database.
            """)

    @OptionGroup var store: StoreOptions

    @Flag(help: "Only the last 24 hours' rejections, a bar per hour by reason.")
    var hourly = false

    @Flag(help: "Only the last 7 days' rejections and the last 30 days' mentions, a bar per day by reason or type.")
    var daily = false

    func run() async throws {
        try await Self.reportingFailures {
            let config = try store.loadConfig()
            let mentions = try await store.openStore()
            // With --database alone, the rejections are those of the server that uses that database.
            var logPath = config.logging.fail2banLog
            if store.database != nil, store.config.config == nil, let recorded = try await mentions.setting(.rejectionLog) {
                logPath = recorded
            }
            let report = try await StatsReport.read(store: mentions, rejections: RejectionSummary.lastDay(logPath))
            if store.json {
                Output.json(report)
                return
            }
            let summary = report.rejections
            if hourly || daily {
                charts(report)
                return
            }
            func section(_ title: String, _ counts: [String: Int]) {
                print(title)
                if counts.isEmpty { print("  (none)") }
                for (key, count) in counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
                    print("  \(Terminal.pad(key, 24)) \(count)")
                }
            }
            section("mentions by status", report.byStatus)
            section("by protocol", report.byProtocol)
            section("by type", report.byType)
            section("by site", report.bySite)
            section("webhook deliveries", report.webhookDeliveries.filter { $0.value > 0 })
            section("notifications", report.notifications.filter { $0.value > 0 })
            section("rejections in the last 24 hours", summary.byReason)
            let perHour = summary.hourly.map { $0.rejected + $0.banned }
            print("rejections per hour, oldest first (most: \(perHour.max() ?? 0))")
            print("  |\(summary.sparkline)|")
            print("top offending addresses, last 24 hours")
            if summary.topAddresses.isEmpty { print("  (none)") }
            for (ip, count) in summary.topAddresses { print("  \(Terminal.pad(ip, 24)) \(count)") }
            print("periodic re-check (verification.recheck_days)")
            if let recheck = report.recheck {
                print("  every \(recheck.days.formatted()) days; last batch \(recheck.lastBatch.map(ISO.string) ?? "-") "
                    + "(\(recheck.lastBatchMarked) put back in the queue), next \(recheck.nextBatch.map(ISO.string) ?? "-")")
                if let current = recheck.current {
                    print("  sweep under way since \(ISO.string(current.started)): \(current.checked) checked, \(current.deleted) deleted")
                }
                if let last = recheck.last {
                    print("  last sweep \(ISO.string(last.started)) to \(last.finished.map(ISO.string) ?? "-"): "
                        + "\(last.checked) checked, \(last.deleted) deleted (source gone or no longer linking)")
                }
            } else {
                print("  (never ran)")
            }
        }
    }

    /// The same series the dashboard draws, as bars.
    private func charts(_ report: StatsReport) {
        func time(_ date: Date, _ format: String) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            return formatter.string(from: date)
        }
        if hourly {
            print("rejections per hour by reason, last 24 hours (UTC)")
            BarChart.render(report.rejections.hourly.map { .init(label: time($0.hour, "HH:00"), parts: $0.reasons) }).forEach { print($0) }
        }
        if daily {
            print("rejections per day by reason, last 7 days (UTC)")
            BarChart.render(report.rejections.daily.map { .init(label: time($0.hour, "EEE dd MMM"), parts: $0.reasons) }).forEach { print($0) }
            print("mentions per day by type, last \(StoreStatistics.days) days (approved and waiting ones only)")
            let first = StoreStatistics.firstDay(Date())
            let days = (0..<StoreStatistics.days).map { first.addingTimeInterval(Double($0) * 86_400) }
            BarChart.render(days.map { day in
                .init(label: time(day, "EEE dd MMM"), parts: report.mentionsDaily[String(day.iso8601.prefix(10))] ?? [:])
            }).forEach { print($0) }
        }
    }
}

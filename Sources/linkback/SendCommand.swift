import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore
import Logging

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send webmentions (or pingbacks) for one of your own posts.",
        discussion: """
            Fetches SOURCE, collects the links of its h-entry (else of the whole page), discovers each \
            target's endpoint as the Webmention Recommendation requires (falling back to pingback) and sends, \
            through the same guarded fetcher as verification (fetch.* limits; add your own site to \
            fetch.allow_hosts if it is on a private address). Run it again after editing the post: every \
            target it links to now, and every one it linked to before, is sent again, so receivers update or \
            delete. Sends that meet a 429, a 5xx or network trouble stay in the outbox in the database and \
            are retried by a running `linkback serve` (send.max_attempts, send.retry_base_seconds). Exits 1 \
            when a send failed for good. With --feed URL, does the same for each entry of your feed (RSS, Atom, \
            JSON Feed or h-feed) updated since the last run (remembered per feed in the database) or --since, \
            oldest first, at most --limit a run.
            """
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: "The URL of your post.")
    var source: String?

    @Option(help: "Send for the entries of this feed instead (RSS, Atom, JSON Feed or h-feed) updated since the last run.")
    var feed: String?

    @Option(help: "With --feed: entries updated after this date (YYYY-MM-DD or ISO 8601) or this long ago (e.g. 7d), not since the last run.")
    var since: String?

    @Option(help: "With --feed: at most this many entries a run, oldest first (the rest wait for the next run).")
    var limit = 20

    @Flag(help: "Only print each link's endpoints (with --feed: the entries and their links); send nothing, store nothing.")
    var dryRun = false

    @Flag(help: "Only print how SOURCE's sends went so far (retries included); fetch and send nothing.")
    var status = false

    func validate() throws {
        guard (source == nil) != (feed == nil) else { throw ValidationError("give a post's URL or --feed URL (one of them)") }
        if feed != nil, status { throw ValidationError("--status is for one post's URL") }
        if since != nil, feed == nil { throw ValidationError("--since is for --feed") }
        if let since, ListCommand.parseSince(since) == nil {
            throw ValidationError("--since takes a date (2026-11-25), a date and time, or an age such as 7d")
        }
        guard limit > 0 else { throw ValidationError("--limit must be 1 or more") }
    }

    func run() async throws {
        let failed = try await Self.reportingFailures { () async throws -> Bool in
            let config = try store.loadConfig()
            let mentions = try await store.openStore()
            // The results are printed; the service's log lines are for the server.
            var logger = Logger(label: "linkback.send")
            logger.logLevel = .warning
            let service = SendService(config: config, store: mentions, logger: logger)
            do {
                if let feed {
                    return try await sendFeed(feed, service: service, store: mentions)
                }
                return try await sendPost(source ?? "", service: service, store: mentions)
            } catch let error as SendError {
                throw Failure(error.description)
            }
        }
        if failed { throw ExitCode.failure }
    }

    /// One post: its sends, printed; whether one failed for good.
    private func sendPost(_ source: String, service: SendService, store mentions: any MentionStore) async throws -> Bool {
        let url = try Self.url(source)
        if dryRun {
            let found = try await service.dryRun(source: url).map { DiscoveryRecord(target: $0.target, endpoints: $0.endpoints) }
            if store.json {
                Output.json(found)
            } else if found.isEmpty {
                print("\(url.absoluteString) links to nothing to send to.")
            } else {
                let width = min(60, found.map(\.target.count).max() ?? 0)
                for record in found { print("\(Terminal.pad(record.target, width))  \(record.summary)") }
            }
            return false
        }
        let sends = try await send(url, service: service, store: mentions, planning: !status)
        if store.json {
            Output.json(sends.map(SendRecord.init))
        } else if sends.isEmpty {
            print(status ? "Nothing was sent for \(url.absoluteString)." : "\(url.absoluteString) links to nothing to send to.")
        } else {
            Self.printSends(sends)
        }
        return sends.contains { $0.state == .failed }
    }

    /// A feed's new entries, each sent as one post; the newest date sent is remembered for the
    /// next run. Whether a send failed for good (or a post could not be fetched).
    private func sendFeed(_ feed: String, service: SendService, store mentions: any MentionStore) async throws -> Bool {
        let url = try Self.url(feed)
        let remembered = try await Self.sentFeeds(mentions)
        let start = since.flatMap(ListCommand.parseSince) ?? remembered[url.absoluteString].flatMap { try? Date($0, strategy: .iso8601) }
        let entries = try await service.entries(ofFeed: url)
        let (chosen, left, through) = SendService.select(entries, since: start, limit: limit)
        var records: [FeedEntryRecord] = []
        var failed = false
        for entry in chosen {
            var record = FeedEntryRecord(entry: entry)
            do {
                if dryRun {
                    record.links = try await service.links(of: entry.url).map(\.absoluteString)
                } else {
                    record.sends = try await send(entry.url, service: service, store: mentions, planning: true).map(SendRecord.init)
                    failed = failed || record.sends?.contains { $0.state == OutgoingSend.State.failed.rawValue } == true
                }
            } catch let error as SendError {
                record.error = error.description
                failed = true
            }
            records.append(record)
        }
        if !dryRun, let through, through != start {
            var updated = remembered
            updated[url.absoluteString] = through.iso8601
            try await mentions.setSetting(.sentFeeds, to: String(decoding: try JSONEncoder().encode(updated), as: UTF8.self))
        }
        if store.json {
            Output.json(FeedRunRecord(feed: url.absoluteString, since: start?.iso8601, entries: records, left: left, dryRun: dryRun))
            return failed
        }
        let after = start.map { " updated after \($0.iso8601)" } ?? ""
        let count = records.count == 1 ? "1 entry" : "\(records.count) entries"
        print(records.isEmpty ? "No entries of \(url.absoluteString)\(after)." : "\(count) of \(url.absoluteString)\(after):")
        for record in records {
            print("\(record.url)  \(record.updated ?? "(no date)")")
            if let error = record.error {
                print("  cannot send: \(error)")
            } else if let links = record.links {
                print(links.isEmpty ? "  links to nothing to send to" : links.map { "  would send to \($0)" }.joined(separator: "\n"))
            } else if let sends = record.sends {
                print(sends.isEmpty ? "  links to nothing to send to" : sends.map { "  \($0.target)  \($0.result ?? $0.state)" }.joined(separator: "\n"))
            }
        }
        if left > 0 { print("\(left) more \(left == 1 ? "entry waits" : "entries wait") for the next run (--limit \(limit)).") }
        return failed
    }

    /// Plans (unless only asked for the status) and sends what is due for `url`; its sends by target.
    private func send(_ url: URL, service: SendService, store mentions: any MentionStore, planning: Bool) async throws -> [OutgoingSend] {
        if planning {
            let planned = try await service.plan(source: url)
            let progress = Progress(total: planned.count, label: "sending")
            try await service.sendDue(source: url.absoluteString, progress: { _, _ in progress.step() })
        }
        return try await mentions.sends(source: url.absoluteString, limit: 10_000).sorted { $0.target < $1.target }
    }

    private static func printSends(_ sends: [OutgoingSend]) {
        let width = min(60, sends.map(\.target.count).max() ?? 0)
        for send in sends {
            let removed = send.linked ? "" : "(link removed) "
            Swift.print("\(Terminal.pad(send.target, width))  \(removed)\(send.result ?? send.state.rawValue)")
        }
        if sends.contains(where: { $0.state == .queued }) {
            Swift.print("Sends marked 'will retry' stay in the outbox; a running `linkback serve` retries them.")
        }
    }

    private static func url(_ text: String) throws -> URL {
        switch SendService.sourceURL(text) {
        case .success(let parsed): return parsed
        case .failure(let error): throw Failure(error.description)
        }
    }

    /// Each feed's newest entry date sent so far.
    private static func sentFeeds(_ store: any MentionStore) async throws -> [String: String] {
        guard let text = try await store.setting(.sentFeeds) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }
}

/// One entry of a `send --feed` run, as printed with `--json`.
struct FeedEntryRecord: Encodable {
    var url: String
    var updated: String?
    /// Its sends (a run), or the links it would send to (`--dry-run`).
    var sends: [SendRecord]?
    var links: [String]?
    /// Why the post could not be sent for.
    var error: String?

    init(entry: FeedEntry) {
        url = entry.url.absoluteString
        updated = entry.updated?.iso8601
    }
}

/// A `send --feed` run, as printed with `--json`.
struct FeedRunRecord: Encodable {
    var feed: String
    var since: String?
    var entries: [FeedEntryRecord]
    /// Entries due that wait for the next run (`--limit`).
    var left: Int
    var dryRun: Bool

    enum CodingKeys: String, CodingKey {
        case feed, since, entries, left
        case dryRun = "dry_run"
    }
}

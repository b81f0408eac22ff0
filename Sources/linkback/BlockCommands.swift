import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit

/// The CLI's face of ``Block/normalized(_:kind:)``.
enum BlockValue {
    static func parse(_ text: String, forced: Block.Kind?) throws -> (Block.Kind, String) {
        do {
            return try Block.normalized(text, kind: forced)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

struct BlockKindOptions: ParsableArguments {
    @Flag(name: .customLong("domain"), help: "VALUE is a domain (its subdomains included).") var domain = false
    @Flag(name: .customLong("url"), help: "VALUE is a URL prefix.") var url = false
    @Flag(name: .customLong("ip"), help: "VALUE is an IP address or CIDR range.") var ip = false

    var forced: Block.Kind? { domain ? .domain : url ? .url : ip ? .ip : nil }

    func validate() throws {
        if [domain, url, ip].filter({ $0 }).count > 1 { throw ValidationError("give at most one of --domain, --url, --ip") }
    }
}

struct BlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block",
        abstract: "Block a source domain, a URL prefix, or a client IP/CIDR.",
        discussion: """
            The kind is detected (an address or range, a URL, else a domain) unless forced. Blocking a domain \
            also marks its mentions that are not approved as spam. A running server applies new blocks within \
            seconds.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var kind: BlockKindOptions
    @Argument(help: "What to block.") var value: String
    @Option(help: "Why.") var reason: String?

    func run() async throws {
        let (kind, normalized) = try BlockValue.parse(value, forced: kind.forced)
        try await Self.reportingFailures {
            let result = try await ModerationService(store: store.openStore(), actor: .cli)
                .block(kind: kind, value: normalized, reason: reason)
            let (block, marked) = (result.block, result.markedSpam)
            if store.json {
                Output.json(["kind": block.kind.rawValue, "value": block.value, "marked_spam": String(marked)])
            } else {
                print("blocked \(kind.rawValue) \(normalized)" + (kind == .domain ? "; \(marked) mention\(marked == 1 ? "" : "s") marked as spam" : ""))
            }
        }
    }
}

struct UnblockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unblock", abstract: "Remove a block.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var kind: BlockKindOptions
    @Argument(help: "The blocked value.") var value: String

    func run() async throws {
        let (kind, normalized) = try BlockValue.parse(value, forced: kind.forced)
        try await Self.reportingFailures {
            guard try await ModerationService(store: store.openStore(), actor: .cli).unblock(kind: kind, value: normalized) else {
                throw Failure("\(kind.rawValue) \(normalized) is not blocked")
            }
            print("unblocked \(kind.rawValue) \(normalized)")
        }
    }
}

struct BlocksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blocks",
        abstract: "List the blocks (--json: kind, value, reason, created, and list for a subscribed list's entries).")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await Self.reportingFailures {
            let mentions = try await store.openStore()
            let blocks = try await mentions.blocks()
            let lists = try store.loadConfig().spam.blocklists
            let copies = BlocklistSync.copies(of: lists, among: try await mentions.blocklistCopies())
            if store.json {
                var records = blocks.map(BlockRecord.init)
                for copy in copies {
                    records += copy.entries.domains.map { BlockRecord(kind: "domain", value: $0, list: copy.url, fetched: copy.fetched) }
                    records += copy.entries.words.map { BlockRecord(kind: "word", value: $0, list: copy.url, fetched: copy.fetched) }
                }
                Output.json(records)
                return
            }
            if blocks.isEmpty && copies.isEmpty { print("No blocks.") }
            for block in blocks {
                print("\(Terminal.pad(block.kind.rawValue, 6))  \(block.value)" + (block.reason.map { "  (\($0))" } ?? ""))
            }
            for copy in copies {
                let fetched = copy.fetched.map { "fetched \(ISO.string($0))" } ?? "never fetched"
                let (domains, words) = (copy.entries.domains.count, copy.entries.words.count)
                print("list    \(copy.url)  (\(domains) domain\(domains == 1 ? "" : "s"), \(words) word\(words == 1 ? "" : "s"); \(fetched)"
                    + (copy.error.map { "; last fetch failed: \($0)" } ?? "") + ")")
            }
        }
    }
}

struct AllowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allow",
        abstract: "Approve verified mentions from a domain (and its subdomains) automatically.",
        discussion: "Adds to moderation.allow_domains, in the database; a running server applies it within seconds. "
            + "Without DOMAIN, lists the domains allowed in the database.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The domain.") var domain: String?

    func run() async throws {
        try await Self.reportingFailures {
            let mentions = try await store.openStore()
            guard let domain else {
                let domains = try await mentions.allowedDomains()
                if store.json { Output.json(domains) } else { print(domains.isEmpty ? "No allowed domains." : domains.joined(separator: "\n")) }
                return
            }
            guard let normalized = HostName.normalized(domain) else { throw Failure("\(domain) is not a domain name") }
            let added = try await ModerationService(store: mentions, actor: .cli).allow(normalized)
            print(added ? "allowed \(normalized)" : "\(normalized) was already allowed")
        }
    }
}

struct DisallowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disallow", abstract: "Stop approving a domain's mentions automatically (see allow).")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The domain.") var domain: String

    func run() async throws {
        try await Self.reportingFailures {
            let normalized = HostName.normalized(domain) ?? domain
            guard try await ModerationService(store: store.openStore(), actor: .cli).disallow(normalized) else {
                throw Failure("\(normalized) is not allowed")
            }
            print("disallowed \(normalized)")
        }
    }
}

struct BlocklistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blocklist", abstract: "Subscribed blocklists (spam.blocklists).", subcommands: [BlocklistSyncCommand.self])
}

struct BlocklistSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Fetch the subscribed blocklists now and say what changed.",
        discussion: """
            For each list in spam.blocklists: the entries added and dropped since its last copy, and how many stored \
            mentions the added domains would have refused. A list that cannot be fetched keeps its last copy. With \
            --dry-run nothing is stored; otherwise a running server loads the new copies within minutes, or at once \
            on SIGHUP.
            """)
    @OptionGroup var store: StoreOptions
    @Flag(name: .customLong("dry-run"), help: "Show what would change; store nothing.") var dryRun = false

    func run() async throws {
        try await Self.reportingFailures {
            let config = try store.loadConfig()
            guard !config.spam.blocklists.isEmpty else { throw Failure("no lists in spam.blocklists") }
            let sync = BlocklistSync(lists: config.spam.blocklists, store: try await store.openStore(), fetcher: GuardedFetcher(config: config))
            let reports = try await sync.sync(dryRun: dryRun)
            if store.json {
                Output.json(reports)
            } else {
                for report in reports {
                    if let error = report.error {
                        print("\(report.url): not fetched (\(error)); its last copy (\(Self.entries(report.entries))) stays")
                        continue
                    }
                    print("\(report.url): \(Self.entries(report.entries)), \(report.added.count) added, \(report.dropped.count) dropped"
                        + (report.hits > 0 ? "; \(report.hits) stored mention\(report.hits == 1 ? "" : "s") from added domains" : ""))
                    for entry in report.added.prefix(20) { print("  + \(entry)") }
                    for entry in report.dropped.prefix(20) { print("  - \(entry)") }
                }
                if dryRun { print("Dry run: nothing stored.") }
            }
            if reports.contains(where: { $0.error != nil }) { throw ExitCode.failure }
        }
    }

    static func entries(_ count: Int) -> String { "\(count) entr\(count == 1 ? "y" : "ies")" }
}

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
        commandName: "blocks", abstract: "List the blocks (--json: kind, value, reason, created).")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await Self.reportingFailures {
            let mentions = try await store.openStore()
            let blocks = try await mentions.blocks()
            if store.json {
                Output.json(blocks.map(BlockRecord.init))
            } else if blocks.isEmpty {
                print("No blocks.")
            } else {
                for block in blocks {
                    print("\(Terminal.pad(block.kind.rawValue, 6))  \(block.value)" + (block.reason.map { "  (\($0))" } ?? ""))
                }
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

import ArgumentParser
import Foundation
import LinkbackCore

/// The shared body of approve, reject, spam, delete and restore.
struct ModerationOptions: ParsableArguments {
    @OptionGroup var store: StoreOptions

    @Argument(help: "Mention ids.")
    var ids: [Int64] = []

    @Flag(name: .customLong("all-pending"), help: "Every pending mention (asks first on a terminal).")
    var allPending = false

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Option(help: "Why (recorded in the mention's history).")
    var reason: String?

    func validate() throws {
        if ids.isEmpty && !allPending { throw ValidationError("name at least one mention id, or --all-pending") }
        if !ids.isEmpty && allPending { throw ValidationError("give ids or --all-pending, not both") }
    }

    /// Applies `action` to the selected mentions; refusals are reported and make the exit status 1.
    func apply(_ action: Moderation, after: ((Mention, SQLiteMentionStore) async throws -> Void)? = nil) async throws {
        let mentions = try store.openStore()
        var selected = ids
        if allPending {
            selected = try await mentions.list(MentionQuery(statuses: [.pending], limit: 100_000)).map(\.id)
            if selected.isEmpty {
                print("No pending mentions.")
                return
            }
            if Terminal.isTTY && !yes {
                print("\(action.rawValue.capitalized) \(selected.count) pending mention\(selected.count == 1 ? "" : "s")? [y/N] ", terminator: "")
                guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                    throw Failure("nothing changed")
                }
            }
        }
        var refused: [String] = []
        var changed: [MentionJSON] = []
        for id in selected {
            guard let mention = try await mentions.mention(id: id) else {
                refused.append("\(id): no such mention")
                continue
            }
            if let refusal = action.refusal(from: mention.status) {
                refused.append("\(id): cannot \(action.rawValue): \(refusal)")
                continue
            }
            let updated = try await mentions.transition(id: id, to: action.target, actor: .cli, reason: reason)
            if !store.json { print("\(id): \(mention.status.rawValue) → \(updated.status.rawValue)") }
            try await after?(updated, mentions)
            changed.append(MentionJSON(updated))
        }
        if store.json { Output.json(changed) }
        for line in refused { FileHandle.standardError.write(Data("linkback: \(line)\n".utf8)) }
        if !refused.isEmpty { throw ExitCode.failure }
    }
}

struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Publish mentions (pending, rejected or spam).")
    @OptionGroup var options: ModerationOptions
    func run() async throws { try await Self.reportingFailures { try await options.apply(.approve) } }
}

struct RejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject", abstract: "Refuse mentions (kept, not shown).")
    @OptionGroup var options: ModerationOptions
    func run() async throws { try await Self.reportingFailures { try await options.apply(.reject) } }
}

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Mark mentions deleted (kept for history; a re-send can bring them back).")
    @OptionGroup var options: ModerationOptions
    func run() async throws { try await Self.reportingFailures { try await options.apply(.delete) } }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Put rejected, spam or deleted mentions back to pending.")
    @OptionGroup var options: ModerationOptions
    func run() async throws { try await Self.reportingFailures { try await options.apply(.restore) } }
}

struct SpamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spam",
        abstract: "Mark mentions as spam and block their source domains.",
        discussion: "Blocking a domain refuses its future mentions at once, in a running server too (within seconds).")
    @OptionGroup var options: ModerationOptions
    @Flag(name: .customLong("no-block"), help: "Do not block the source's domain.")
    var noBlock = false

    func run() async throws {
        try await Self.reportingFailures {
            try await options.apply(.spam) { mention, store in
                guard !noBlock, let url = URL(string: mention.source), let host = url.host.flatMap(HostName.normalized) else {
                    return
                }
                // An address has no domain to block: block the site's URL prefix instead.
                let isAddress = IPAddress(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))) != nil
                let kind: Block.Kind = isAddress ? .url : .domain
                let value = isAddress ? "\(url.scheme ?? "http")://\(url.host ?? host)\(url.port.map { ":\($0)" } ?? "")/" : host
                try await store.addBlock(kind: kind, value: value, reason: "spam (mention \(mention.id))")
                if !options.store.json { print("blocked \(kind.rawValue) \(value)") }
            }
        }
    }
}

import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore

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

    /// Applies `action` to the selected mentions through ``ModerationService``; refusals are
    /// reported and make the exit status 1. With `cluster`, each id stands for its copy cluster.
    func apply(_ action: Moderation, blockSource: Bool = false, cluster: Bool = false) async throws {
        let mentions = try await store.openStore()
        let service = ModerationService(store: mentions, actor: .cli)
        var selected = ids
        if cluster {
            let threshold = try store.loadConfig().spam.copyDetection.threshold
            var expanded: [Int64] = []
            for id in ids {
                let members = try await service.cluster(of: id, threshold: threshold)
                if !store.json && members.count > 1 { print("\(id): a cluster of \(members.count) mentions") }
                expanded += members.filter { !expanded.contains($0) }
            }
            selected = expanded.isEmpty ? ids : expanded
        }
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
        var changed: [MentionRecord] = []
        for id in selected {
            switch try await service.apply(action, to: id, reason: reason, blockSource: blockSource) {
            case .refused(let id, let why):
                refused.append("\(id): \(why)")
            case .changed(let before, let after, let blocked):
                if !store.json {
                    print("\(id): \(before.status.rawValue) → \(after.status.rawValue)")
                    if let blocked { print("blocked \(blocked.kind.rawValue) \(blocked.value)") }
                }
                changed.append(MentionRecord(after))
            }
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
        discussion: """
            Blocking a domain refuses its future mentions at once, in a running server too (within seconds). \
            With --cluster, each id stands for its copy cluster: every mention whose text is like its text \
            (spam.copy_detection.threshold), except those a moderator approved.
            """)
    @OptionGroup var options: ModerationOptions
    @Flag(name: .customLong("no-block"), help: "Do not block the source's domain.")
    var noBlock = false
    @Flag(help: "Also every mention whose text is like each named mention's (its copy cluster).")
    var cluster = false

    func validate() throws {
        if cluster && options.allPending { throw ValidationError("--cluster takes mention ids, not --all-pending") }
    }

    func run() async throws {
        try await Self.reportingFailures { try await options.apply(.spam, blockSource: !noBlock, cluster: cluster) }
    }
}

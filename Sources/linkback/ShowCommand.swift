import ArgumentParser
import Foundation
import LinkbackCore

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show everything stored about one mention, with its history.",
        discussion: "With --json, the mention object of `list --json` plus `events` (at, actor, from, to, reason)."
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: "The mention's id (from `linkback list`).")
    var id: Int64

    func run() async throws {
        try await Self.reportingFailures {
            let mentions = try store.openStore()
            guard let mention = try await mentions.mention(id: id) else { throw Failure("no mention with id \(id)") }
            let events = try await mentions.events(mentionID: id)
            if store.json {
                Output.json(MentionJSON(mention, events: events))
                return
            }
            var lines = [
                "id:        \(mention.id)",
                "status:    \(Terminal.paint(mention.status.rawValue, mention.status.rawValue))"
                    + (mention.reason.map { " (\($0))" } ?? ""),
                "protocol:  \(mention.protocol.rawValue)",
                "source:    \(mention.source)",
                "target:    \(mention.target)",
                "site:      \(mention.site)",
                "received:  \(ISO.string(mention.received)) from \(mention.clientIP ?? "?")",
                "agent:     \(mention.userAgent ?? "-")",
                "verified:  \(mention.verified.map(ISO.string) ?? "not yet") (\(mention.attempts) attempt\(mention.attempts == 1 ? "" : "s"))",
            ]
            if let content = mention.content {
                lines.append("type:      \(content.type.rawValue)" + (content.rsvp.map { " (\($0))" } ?? ""))
                let author = [content.authorName, content.authorURL.map { "<\($0)>" }].compactMap { $0 }.joined(separator: " ")
                if !author.isEmpty { lines.append("author:    \(author)") }
                if let title = content.title { lines.append("title:     \(title)") }
                if let published = content.published { lines.append("published: \(published)") }
                if let text = content.contentText ?? content.excerpt { lines.append("content:   \(text)") }
            }
            lines.append("history:")
            for event in events {
                let change = (event.from.map { "\($0.rawValue) → " } ?? "") + event.to.rawValue
                lines.append("  \(ISO.string(event.at))  \(Terminal.pad(event.actor.rawValue, 9))  \(change)" + (event.reason.map { "  (\($0))" } ?? ""))
            }
            print(lines.joined(separator: "\n"))
        }
    }
}

import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit

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
            let mentions = try await store.openStore()
            guard let mention = try await mentions.mention(id: id) else { throw Failure("no mention with id \(id)") }
            let events = try await mentions.events(mentionID: id)
            if store.json {
                Output.json(MentionRecord(mention, events: events))
                return
            }
            // Stored text is shown with control characters written out, never sent to the terminal raw.
            func shown(_ text: String) -> String { StoredText.visible(text) }
            var lines = [
                "id:        \(mention.id)",
                "status:    \(Terminal.paint(mention.status.rawValue, mention.status.rawValue))"
                    + (mention.reason.map { " (\(shown($0)))" } ?? ""),
                "protocol:  \(mention.protocol.rawValue)",
                "source:    \(shown(mention.source))",
                "target:    \(shown(mention.target))",
                "site:      \(mention.site)",
                "received:  \(ISO.string(mention.received)) from \(mention.clientIP ?? "?")",
                "agent:     \(shown(mention.userAgent ?? "-"))",
                "verified:  \(mention.verified.map(ISO.string) ?? "not yet") (\(mention.attempts) attempt\(mention.attempts == 1 ? "" : "s"))",
            ]
            if let vouch = mention.vouch { lines.append("vouch:     \(shown(vouch))") }
            if !mention.spamReasons.isEmpty { lines.append("held for:  \(mention.spamReasons.joined(separator: ", "))") }
            if let score = mention.spamScore {
                lines.append(
                    "score:     " + String(format: "%.2f", score.value)
                        + (score.reasons.isEmpty ? "" : " (\(score.reasons.map(shown).joined(separator: ", ")))"))
            }
            if let content = mention.content {
                lines.append("type:      \(content.type.rawValue)" + (content.rsvp.map { " (\(shown($0)))" } ?? ""))
                let author = [content.authorName, content.authorURL.map { "<\($0)>" }].compactMap { $0 }.joined(separator: " ")
                if !author.isEmpty { lines.append("author:    \(shown(author))") }
                if let title = content.title { lines.append("title:     \(shown(title))") }
                if let published = content.published { lines.append("published: \(shown(published))") }
                if let text = content.contentText ?? content.excerpt { lines.append("content:   \(shown(text))") }
            }
            lines.append("history:")
            for event in events {
                let change = (event.from.map { "\($0.rawValue) → " } ?? "") + event.to.rawValue
                lines.append("  \(ISO.string(event.at))  \(Terminal.pad(event.actor.rawValue, 9))  \(change)" + (event.reason.map { "  (\(shown($0)))" } ?? ""))
            }
            print(lines.joined(separator: "\n"))
        }
    }
}

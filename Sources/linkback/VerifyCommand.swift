import ArgumentParser
import Foundation
import LinkbackKit

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Fetch SOURCE and check that it links to TARGET, without storing anything.",
        discussion: """
            Runs the same verification as the server (guarded fetch with the fetch.* limits, exact link \
            check, microformats extraction) and prints the outcome and what would be stored. Use it to see \
            why a mention was refused. Exits 0 when the link is found, 1 otherwise.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The page that should link to TARGET.")
    var source: String

    @Argument(help: "The URL on your site that SOURCE should link to.")
    var target: String

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        let outcome = try await Self.reportingFailures { () async throws -> VerificationOutcome in
            let config = try options.load()
            guard let sourceURL = URL(string: source), sourceURL.scheme != nil else {
                throw Failure("\(source): not an absolute URL")
            }
            guard let targetURL = URL(string: target), targetURL.scheme != nil else {
                throw Failure("\(target): not an absolute URL")
            }
            return await Verifier(config: config).verify(source: sourceURL, target: targetURL)
        }
        if json {
            printJSON(outcome)
        } else {
            print(renderText(outcome))
        }
        if case .linkFound = outcome { return }
        throw ExitCode.failure
    }

    private func renderText(_ outcome: VerificationOutcome) -> String {
        var lines = ["outcome: \(outcome.description)"]
        guard case .linkFound(let content, _) = outcome else { return lines.joined(separator: "\n") }
        lines.append("type: \(content.type.rawValue)" + (content.rsvp.map { " (\($0))" } ?? ""))
        let author = [content.authorName, content.authorURL.map { "<\($0)>" }].compactMap { $0 }.joined(separator: " ")
        if !author.isEmpty { lines.append("author: \(author)") }
        if let photo = content.authorPhoto { lines.append("photo: \(photo)") }
        if let published = content.published { lines.append("published: \(published)") }
        if let title = content.title { lines.append("title: \(title)") }
        if let excerpt = content.excerpt { lines.append("excerpt: \(excerpt)") }
        if let text = content.contentText { lines.append("content: \(text)") }
        return lines.joined(separator: "\n")
    }

    private func printJSON(_ outcome: VerificationOutcome) {
        struct VerifyJSON: Encodable {
            var source: String
            var target: String
            var outcome: String
            var description: String
            var mention: MentionContent?
        }
        var mention: MentionContent?
        if case .linkFound(let content, _) = outcome { mention = content }
        Output.json(
            VerifyJSON(source: source, target: target, outcome: outcome.code, description: outcome.description,
                mention: mention))
    }
}

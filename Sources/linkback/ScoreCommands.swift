import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score", abstract: "The spam score learnt from your decisions.",
        subcommands: [ScoreRetrainCommand.self, ScoreExplainCommand.self])
}

struct ScoreRetrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Forget what the spam score learnt and learn every stored mention again.",
        discussion: """
            Approved mentions are learnt as genuine, those you rejected or marked spam as spam; the server's own \\
            verdicts are not learnt. Learning is otherwise incremental (on each decision, and every half minute \\
            while the server runs); a rebuild is for after an upgrade, an import or migrate-store.
            """)
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await Self.reportingFailures {
            let learnt = try await store.openStore().retrainScore()
            if store.json {
                Output.json(["learnt": learnt])
            } else {
                print("The spam score learnt \(learnt) mention\(learnt == 1 ? "" : "s").")
            }
        }
    }
}

struct ScoreExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "A mention's spam score with what the model knows now, and what spoke for spam.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The mention's id.") var id: Int64

    struct Explanation: Encodable {
        var id: Int64
        var spam_score: Double
        var score_reasons: [String]
        /// The score it was given when verified.
        var stored_score: Double?
    }

    func run() async throws {
        try await Self.reportingFailures {
            let config = try store.loadConfig()
            let mentions = try await store.openStore()
            guard let mention = try await mentions.mention(id: id) else { throw Failure("no mention \(id)") }
            guard let score = try await SpamScorer(settings: config.spam.score, store: mentions).rescore(mention) else {
                throw Failure("mention \(id) was never verified: it has no score")
            }
            let rounded = { (value: Double) in (value * 100).rounded() / 100 }
            if store.json {
                Output.json(
                    Explanation(
                        id: id, spam_score: rounded(score.value), score_reasons: score.reasons,
                        stored_score: mention.spamScore.map { rounded($0.value) }))
                return
            }
            print("\(id): spam score \(String(format: "%.2f", score.value))"
                + (mention.spamScore.map { " (\(String(format: "%.2f", $0.value)) when verified)" } ?? ""))
            if !score.reasons.isEmpty { print("for spam: \(score.reasons.map(StoredText.visible).joined(separator: ", "))") }
        }
    }
}

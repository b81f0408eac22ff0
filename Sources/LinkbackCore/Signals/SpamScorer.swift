import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// The spam score (`spam.score`): each verified mention's ``SpamFeatures`` weighed by the
/// ``SpamModel`` with what the store has learnt from the owner's decisions. A score at `hold_at`
/// is a reason to hold the mention (`spam-score`), one at `spam_at` marks it spam; both only for
/// a mention judged as new, as ``MentionLifecycle`` decides.
///
/// Cost per verification: one read of the store (at most ``SpamFeatures/maxWords`` + 8 token
/// counts, and whether the source host has an approved mention).
public struct SpamScorer: Sendable {
    public let settings: Config.Score
    let store: any MentionRecords
    let logger: Logger

    public init(settings: Config.Score, store: any MentionRecords, logger: Logger = Logger(label: "linkback.score")) {
        self.settings = settings
        self.store = store
        self.logger = logger
    }

    /// The score a stored mention has with what the model knows now (its stored features, or for
    /// a mention verified before scores were kept, those of its stored content); `nil` for one
    /// never verified.
    public func rescore(_ mention: Mention) async throws -> SpamScore? {
        let tokens = SpamFeatures.tokens(of: mention)
        guard !tokens.isEmpty else { return nil }
        var learned = try await store.scoreCounts(tokens, sourceHost: nil).counts
        return Self.score(tokens, &learned)
    }

    private static func score(_ tokens: [String], _ learned: inout [String: SpamModel.Counts]) -> SpamScore {
        let documents = learned.removeValue(forKey: SpamModel.documentsKey) ?? SpamModel.Counts()
        return SpamModel.score(tokens: tokens, learned: learned, documents: documents)
    }

    /// Adds the score of a mention of `source` sent by `protocol` with `content`, on a page with
    /// `traits` (``PageTraits``), to `signals`.
    public func score(
        _ signals: SpamSignals, source: String, protocol: MentionProtocol, content: MentionContent, traits: [String] = []
    ) async -> SpamSignals {
        guard settings.enabled else { return signals }
        var signals = signals
        do {
            // One read: the counts (a new domain's feature among them) and whether the domain is new.
            var tokens = SpamFeatures.tokens(source: source, protocol: `protocol`, content: content) + traits
            let host = URL(string: source)?.host.flatMap(HostName.normalized)
            var (learned, approved) = try await store.scoreCounts(tokens + [SpamFeatures.newDomain], sourceHost: host)
            if host != nil && !approved { tokens.append(SpamFeatures.newDomain) }
            let score = Self.score(tokens, &learned)
            signals.score = score
            signals.scoreTokens = tokens
            settings.judge(score.value, into: &signals)
        } catch {
            // Without the store's counts there is no score: the mention is judged without one.
            logger.error("cannot score a mention", metadata: ["error": "\(error)"])
        }
        return signals
    }
}

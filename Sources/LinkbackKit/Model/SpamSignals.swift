/// A verified mention's spam score: 0 (surely genuine) to 1 (surely spam), and the features that
/// moved it most, strongest first, as a person would say them (`"casino"`, `no author`).
public struct SpamScore: Sendable, Equatable {
    public var value: Double
    public var reasons: [String]

    public init(value: Double, reasons: [String] = []) {
        self.value = value
        self.reasons = reasons
    }
}

/// What the content signals found in a verified source: the reasons to hold it for the owner
/// (`copy-of-target`, `copy-cluster`, `spam-score`), whether its score marks it spam, and what is
/// stored to recognise later spam (never the page): the fingerprint of its text and the tokens
/// the score read. An input to ``MentionLifecycle``, which alone decides what a reason does to
/// the status.
public struct SpamSignals: Sendable, Equatable {
    /// Short codes, in the order found; empty when nothing speaks against the mention.
    public var reasons: [String]
    /// `nil` when the text is too short to be compared, or copy detection is off.
    public var fingerprint: TextFingerprint?
    /// `nil` when the score is off.
    public var score: SpamScore?
    /// The score's features (`SpamFeatures`), kept so decisions on the mention can be learnt.
    public var scoreTokens: [String]
    /// The score reached `spam.score.spam_at`: a mention judged as new is spam.
    public var isSpam: Bool

    public init(
        reasons: [String] = [], fingerprint: TextFingerprint? = nil, score: SpamScore? = nil, scoreTokens: [String] = [],
        isSpam: Bool = false
    ) {
        self.reasons = reasons
        self.fingerprint = fingerprint
        self.score = score
        self.scoreTokens = scoreTokens
        self.isSpam = isSpam
    }

    public static let none = SpamSignals()

    /// The source mostly reproduces the target's own text (a scraper's copy of the post).
    public static let copyOfTarget = "copy-of-target"
    /// The same text arrived from several domains within the window (a farm).
    public static let copyCluster = "copy-cluster"
    /// The spam score reached `spam.score.hold_at`.
    public static let spamScore = "spam-score"

    /// The reasons as stored (one column, comma-separated codes); `nil` for none.
    package var storedReasons: String? { reasons.isEmpty ? nil : reasons.joined(separator: ",") }

    /// The score's reasons as stored (one column, one per line); `nil` for none.
    package var storedScoreReasons: String? { score.flatMap { $0.reasons.isEmpty ? nil : $0.reasons.joined(separator: "\n") } }

    /// The score's tokens as stored (one column, space-separated: no token has a space); `nil` for none.
    package var storedScoreTokens: String? { scoreTokens.isEmpty ? nil : scoreTokens.joined(separator: " ") }

    /// A score read back from its columns.
    package static func score(stored value: Double?, reasons: String?) -> SpamScore? {
        value.map { SpamScore(value: $0, reasons: reasons.map { $0.split(separator: "\n").map(String.init) } ?? []) }
    }

    /// Tokens read back from their column.
    package static func scoreTokens(stored: String?) -> [String] {
        stored.map { $0.split(separator: " ").map(String.init) } ?? []
    }

    /// Reasons read back from their column.
    package static func reasons(stored: String?) -> [String] {
        stored.map { $0.split(separator: ",").map(String.init) } ?? []
    }
}

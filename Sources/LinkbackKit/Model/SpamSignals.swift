/// What the content signals found in a verified source: the reasons to hold it for the owner
/// (`copy-of-target`, `copy-cluster`) and the fingerprint of its text, which is stored (never the
/// page) so later copies from other domains can be recognised. An input to ``MentionLifecycle``,
/// which alone decides what a reason does to the status.
public struct SpamSignals: Sendable, Equatable {
    /// Short codes, in the order found; empty when nothing speaks against the mention.
    public var reasons: [String]
    /// `nil` when the text is too short to be compared, or copy detection is off.
    public var fingerprint: TextFingerprint?

    public init(reasons: [String] = [], fingerprint: TextFingerprint? = nil) {
        self.reasons = reasons
        self.fingerprint = fingerprint
    }

    public static let none = SpamSignals()

    /// The source mostly reproduces the target's own text (a scraper's copy of the post).
    public static let copyOfTarget = "copy-of-target"
    /// The same text arrived from several domains within the window (a farm).
    public static let copyCluster = "copy-cluster"

    /// The reasons as stored (one column, comma-separated codes); `nil` for none.
    package var storedReasons: String? { reasons.isEmpty ? nil : reasons.joined(separator: ",") }

    /// Reasons read back from their column.
    package static func reasons(stored: String?) -> [String] {
        stored.map { $0.split(separator: ",").map(String.init) } ?? []
    }
}

import Foundation

/// What verification decided for a claimed mention; see ``MentionStore/complete(_:with:actor:)``.
public enum VerificationResult: Sendable, Equatable {
    /// The link was found: store the content and what the spam signals found, and move to
    /// `status` (`pending`, `approved` or `spam`).
    case verified(status: MentionStatus, content: MentionContent, signals: SpamSignals = .none)
    /// Final failure: move to `rejected` or `deleted` with the reason.
    case failed(status: MentionStatus, reason: String)
    /// Transient failure: stay queued, try again at `nextAttempt`.
    case retry(nextAttempt: Date, reason: String)
    /// The source could not be read as it is (``VerificationOutcome/challenged(_:)``): the
    /// mention waits for the owner as `pending` with `reason`, and is verified again at
    /// `nextAttempt` (`nil`: no more tries; the owner decides).
    case held(reason: String, nextAttempt: Date?)
    /// The owner's policy drops it (`drop`): the row and its history are removed.
    case dropped
    /// The owner's policy only counts it (`aggregate`): the row and its history are removed and
    /// one mention of this type is counted for its target (once per source and target).
    case aggregated(MentionType)

    /// The status a claimed mention whose status was `current` has once this result is stored;
    /// `nil` for a result that removes the row (`dropped`, `aggregated`).
    public func status(after current: MentionStatus) -> MentionStatus? {
        switch self {
        case .verified(let status, _, _), .failed(let status, _): status
        case .retry: current
        case .held: .pending
        case .dropped, .aggregated: nil
        }
    }
}

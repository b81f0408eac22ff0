import Foundation
import LinkbackKit
import LinkbackStore

/// Verifying a stored mention again now (`linkback reverify`, and any other door that offers it):
/// the same verifier and policy as the queue, applied to a mention that is not queued.
///
/// Still linking: the content is refreshed and the status kept as the policy says (a moderator's
/// decision sticks). Gone or no longer linking: deleted. Any other failure (a timeout, a 5xx)
/// changes nothing.
public struct Reverification: Sendable {
    public enum Result: Sendable, Equatable {
        case valid(MentionStatus)
        case deleted
        /// Nothing changed; the outcome's code says why.
        case failed(String)
    }

    public let store: any MentionRecords
    public let verifier: Verifier
    public let policy: VerificationPolicy
    public let actor: Actor

    public init(store: any MentionRecords, verifier: Verifier, policy: VerificationPolicy, actor: Actor) {
        self.store = store
        self.verifier = verifier
        self.policy = policy
        self.actor = actor
    }

    public func reverify(_ mention: Mention) async throws -> Result {
        guard mention.status != .queued else { return .failed("queued") }
        guard let source = URL(string: mention.source), let target = URL(string: mention.targetAsSent ?? mention.target) else {
            return .failed("invalid-url")
        }
        let outcome = await verifier.verify(source: source, target: target)
        switch outcome {
        case .linkFound(let content, _):
            var incoming = IncomingMention(
                source: mention.source, target: mention.target, site: mention.site, protocol: mention.protocol,
                clientIP: mention.clientIP, userAgent: mention.userAgent)
            incoming.targetAsSent = mention.targetAsSent
            let signals = await policy.signals(
                source: mention.source, target: mention.target, outcome: outcome, existing: mention, protocol: mention.protocol)
            let stored = try await policy.storeVerified(
                incoming, content: content, signals: signals, existing: mention, in: store, actor: actor)
            return .valid(stored.status)
        case _ where MentionLifecycle.statusAfterFailedReverification(outcome) == .deleted:
            if mention.status != .deleted {
                try await store.transition(id: mention.id, to: .deleted, actor: actor, reason: outcome.code)
            }
            return .deleted
        default:
            return .failed(outcome.code)
        }
    }
}

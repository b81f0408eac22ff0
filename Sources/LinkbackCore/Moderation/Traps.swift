import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// What a sprung trap does: a verified source that links to one of `policy.traps` (targets nothing
/// public links to) is a spam page, so its host is blocked (its other mentions not yet approved
/// become spam, as for any domain block). The door that verified it writes the rejection line
/// (`reason=trap`), which the shipped fail2ban filter matches and the built-in ban counts.
///
/// Only a verified link springs it: a request naming someone else's page as its source blocks
/// nothing, so a trap cannot be turned against an innocent domain.
public struct Traps: Sendable {
    let moderation: ModerationService
    let logger: Logger

    public init(store: any MentionRecords & BlockStore, logger: Logger) {
        moderation = ModerationService(store: store, actor: .server)
        self.logger = logger
    }

    /// Blocks the host of `mention`'s source (already stored as spam by the life-cycle).
    public func sprung(by mention: Mention) async {
        guard let host = URL(string: mention.source)?.host.flatMap(HostName.normalized) else { return }
        do {
            let result = try await moderation.block(kind: .domain, value: host, reason: "linked to the trap \(mention.target)")
            logger.notice(
                "trap sprung: \(host) blocked", metadata: ["id": "\(mention.id)", "target": "\(mention.target)", "marked_spam": "\(result.markedSpam)"])
        } catch {
            logger.error("trap sprung but \(host) not blocked", metadata: ["id": "\(mention.id)", "error": "\(error)"])
        }
    }
}

import Foundation
import LinkbackKit
import LinkbackStore

/// What one moderation action did to one mention.
public enum ModerationChange: Sendable, Equatable {
    /// The mention moved from `before.status` to `after.status`; `blocked` is the block that
    /// marking it spam added (its source domain, or its site's URL prefix for an address).
    case changed(before: Mention, after: Mention, blocked: Block?)
    /// Nothing changed, for the reason given (no such mention, a status the action cannot start
    /// from, or a status that changed between the read and the write).
    case refused(id: Int64, reason: String)
}

/// The moderator's use cases, once for every door (the CLI, the admin API): approve, reject,
/// spam, delete and restore, one by one or in bulk; block and unblock; allow and disallow.
///
/// Transitions are compare-and-set in the store: an action applies only if the mention is still
/// in a status it may start from when the write happens.
public struct ModerationService: Sendable {
    public let store: any MentionRecords & BlockStore
    public let actor: Actor

    public init(store: any MentionRecords & BlockStore, actor: Actor) {
        self.store = store
        self.actor = actor
    }

    /// Applies `action` to each mention in `ids`, in order. With `blockSource`, marking a mention
    /// spam also blocks its source domain.
    public func apply(_ action: Moderation, to ids: [Int64], reason: String?, blockSource: Bool = true) async throws
        -> [ModerationChange]
    {
        var changes: [ModerationChange] = []
        for id in ids {
            changes.append(try await act(action, on: id, reason: reason, blockSource: blockSource))
        }
        await learn()
        return changes
    }

    /// Mentions in a copy cluster, most found at once.
    public static let clusterLimit = 1000

    /// The copy cluster of mention `id`: its id, then those of the mentions whose source texts are
    /// at least `threshold` alike (``TextFingerprint/likeness(to:)``, `spam.copy_detection.threshold`),
    /// newest first, leaving out those a moderator approved. Empty when there is no such mention;
    /// only `id` when its text has no fingerprint.
    public func cluster(of id: Int64, threshold: Double) async throws -> [Int64] {
        guard let mention = try await store.mention(id: id) else { return [] }
        guard let fingerprint = mention.fingerprint else { return [id] }
        let alike = try await store.textsLike(fingerprint, since: .distantPast, excluding: id, limit: Self.clusterLimit)
        return [id] + CopyDetector.alike(alike, to: fingerprint, threshold: threshold).filter { $0.decision != .approved }.map(\.id)
    }

    /// Applies `action` to one mention.
    public func apply(_ action: Moderation, to id: Int64, reason: String?, blockSource: Bool = true) async throws
        -> ModerationChange
    {
        let change = try await act(action, on: id, reason: reason, blockSource: blockSource)
        await learn()
        return change
    }

    /// The spam score learns the decisions at once (and whatever else happened since it last
    /// learnt). A failure loses nothing: the next learner (the server's, on schedule) catches up.
    private func learn() async {
        _ = try? await store.learnScore()
    }

    private func act(_ action: Moderation, on id: Int64, reason: String?, blockSource: Bool) async throws -> ModerationChange {
        guard let before = try await store.mention(id: id) else { return .refused(id: id, reason: "no such mention") }
        if let refusal = MentionLifecycle.refusal(of: action, from: before.status, decision: before.decision) {
            return .refused(id: id, reason: "cannot \(action.rawValue): \(refusal)")
        }
        let after: Mention
        do {
            after = try await store.decide(
                id: id, to: action.target, allowedFrom: MentionLifecycle.allowedFrom(action), actor: actor, reason: reason)
        } catch StoreError.conflict(_, let status) {
            return .refused(id: id, reason: "cannot \(action.rawValue): it became \(status.rawValue) meanwhile")
        }
        var blocked: Block?
        if action == .spam, blockSource, let (kind, value) = Self.sourceBlock(for: after.source) {
            blocked = try await store.addBlock(kind: kind, value: value, reason: "spam (mention \(id))")
        }
        return .changed(before: before, after: after, blocked: blocked)
    }

    /// The block that keeps a source out: its domain, or for a source on an IP address (IPv4 or
    /// IPv6), its site's URL prefix. An address has no domain, and an `ip` block would refuse
    /// *clients* at that address instead, which is another thing (review F19).
    public static func sourceBlock(for source: String) -> (Block.Kind, String)? {
        guard case .success(let url) = MentionCheck.parse(source), let endpoint = HostPort(endpointOf: url) else { return nil }
        if IPAddress(endpoint.host) != nil {
            let host = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
            guard case .success(let site) = MentionCheck.parse("\(url.scheme ?? "http")://\(host)"
                + (url.port.map { ":\($0)" } ?? "") + "/")
            else { return nil }
            return (.url, site.absoluteString)
        }
        return HostName.normalized(endpoint.host).map { (.domain, $0) }
    }

    // MARK: Blocks

    /// Blocks a source domain, URL prefix or client range (``Block/normalized(_:kind:)`` first);
    /// blocking a domain also marks its mentions that are not approved as spam.
    public func block(kind: Block.Kind, value: String, reason: String?) async throws -> BlockResult {
        let block = try await store.addBlock(kind: kind, value: value, reason: reason)
        var marked = 0
        if kind == .domain {
            let candidates = try await store.list(
                MentionQuery(statuses: Array(MentionLifecycle.spamOnDomainBlock), sourceDomain: value, limit: 100_000))
            for mention in candidates {
                do {
                    try await store.decide(
                        id: mention.id, to: .spam, allowedFrom: MentionLifecycle.spamOnDomainBlock, actor: actor,
                        reason: "blocked domain \(value)")
                    marked += 1
                } catch StoreError.conflict {
                    continue  // approved (or already spam) meanwhile: left as it is
                }
            }
        }
        return BlockResult(block: block, markedSpam: marked)
    }

    /// What `forget` did (or, in a dry run, would do).
    public struct ForgetReport: Sendable, Encodable {
        public var subject: String
        public var kind: String
        public var dryRun: Bool
        /// The ids of their mentions, now `deleted` with reason `forgotten`.
        public var ids: [Int64]
        /// Of those, the ones readers saw: announced as deleted (webhooks, the changes feed).
        public var visible: Int
        /// In a dry run only: each mention's source, for the owner to check what would go.
        public var sources: [String]?

        enum CodingKeys: String, CodingKey {
            case subject, kind, ids, visible, sources
            case dryRun = "dry_run"
        }
    }

    /// Forgets everyone `text` names: a domain (its subdomains too) or an author's URL
    /// (``Forgotten``). Their mentions are erased but for a stub, their re-sends refused; with
    /// `avatars` (the proxy's directory), the photos no mention names any more go too.
    public func forget(_ text: String, dryRun: Bool, avatars: String? = nil) async throws -> ForgetReport {
        guard let subject = Forgotten.subject(text) else {
            throw ModerationError.invalid("\(text) is neither a domain nor an http(s) URL of an author")
        }
        let found = try await store.forget(subject, actor: actor, dryRun: dryRun)
        if let avatars, !dryRun { _ = try await AvatarProxy.sweep(directory: avatars, store: store) }
        let kind = if case .domain = subject { "domain" } else { "author" }
        return ForgetReport(
            subject: subject.description, kind: kind, dryRun: dryRun, ids: found.map(\.id),
            visible: found.filter { $0.status == .approved }.count, sources: dryRun ? found.map(\.source) : nil)
    }

    /// Removes a block; `false` when there was none.
    public func unblock(kind: Block.Kind, value: String) async throws -> Bool {
        try await store.removeBlock(kind: kind, value: value)
    }

    // MARK: Allowed domains

    /// Approves verified mentions from `domain` (normalised) automatically from now on; `false`
    /// when it was already allowed.
    public func allow(_ domain: String) async throws -> Bool {
        guard let normalized = HostName.normalized(domain) else {
            throw ModerationError.invalid("\(domain) is not a domain name")
        }
        return try await store.allowDomain(normalized)
    }

    /// Stops approving `domain` automatically; `false` when it was not allowed.
    public func disallow(_ domain: String) async throws -> Bool {
        try await store.disallowDomain(HostName.normalized(domain) ?? domain)
    }
}

/// A moderation request that cannot be carried out.
public enum ModerationError: Error, Equatable, CustomStringConvertible {
    /// The input is not acceptable (the message says why).
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): return message
        }
    }
}

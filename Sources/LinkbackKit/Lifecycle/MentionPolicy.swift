import Foundation

/// What the owner's `policy.rules` do with a mention of a matching target.
public enum PolicyAction: String, Sendable, CaseIterable {
    /// Approved once verified, without moderation (as from an allowed domain).
    case accept
    /// Held for a moderator once verified, even with `moderation.auto_approve` or from an allowed domain.
    case moderate
    /// Refused at the door with a clear answer, before anything is fetched or stored: a post
    /// closed to mentions.
    case close
    /// Verified and answered as usual, then nothing is kept: the mention's row and history go.
    case drop
    /// Verified and answered as usual, then only counted: one more of its type for its target
    /// (`/api/count`), once per source and target; who sent it and what it said are not kept.
    case aggregate
}

/// Which targets a rule or a trap names: a URL prefix (`https://blog.example/drafts/`) or a path
/// glob (`/drafts/*`: `*` stands for any run of characters, `/` included; without `*` the path
/// must be the same).
public struct TargetPattern: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    private enum Form: Sendable, Equatable {
        /// A canonical URL prefix.
        case prefix(String)
        /// A path split at its `*`s.
        case glob([Substring])
    }
    private let form: Form

    /// `nil` when `text` is neither an http(s) URL nor a path starting with `/`.
    public init?(_ text: String) {
        description = text
        if text.hasPrefix("/") {
            form = .glob(text.split(separator: "*", omittingEmptySubsequences: false))
        } else if let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
            let canonical = CanonicalURL.string(url)
        {
            // A prefix ends where the text does: a slash the canonical form adds is not part of it.
            let added = !text.hasSuffix("/") && canonical.hasSuffix("/") && !["", "/"].contains(url.path)
            form = .prefix(added ? String(canonical.dropLast()) : canonical)
        } else {
            return nil
        }
    }

    /// Whether the (canonical) target URL is named.
    public func matches(_ target: URL) -> Bool {
        switch form {
        case .prefix(let prefix): return target.absoluteString.hasPrefix(prefix)
        case .glob(let pieces): return Self.matches(Substring(target.path.isEmpty ? "/" : target.path), pieces)
        }
    }

    /// `text` against the pieces of a glob split at its `*`s.
    private static func matches(_ text: Substring, _ pieces: [Substring]) -> Bool {
        guard let first = pieces.first else { return text.isEmpty }
        guard text.hasPrefix(first) else { return false }
        if pieces.count == 1 { return text.count == first.count }
        var rest = text.dropFirst(first.count)
        let last = pieces[pieces.count - 1]
        for piece in pieces.dropFirst().dropLast() {
            guard let found = rest.range(of: piece) else { return false }
            rest = rest[found.upperBound...]
        }
        return rest.hasSuffix(last)
    }
}

/// One of the owner's `policy.rules`: which mentions it takes (every field optional: a rule
/// without any takes every mention) and what it does with them.
public struct PolicyRule: Sendable, Equatable {
    /// The target's host (`site`), normalised.
    public var site: String?
    public var target: TargetPattern?
    /// The mention types it takes; `nil`: every type. Known only once the source is verified.
    public var types: Set<MentionType>?
    public var action: PolicyAction

    public init(site: String? = nil, target: TargetPattern? = nil, types: Set<MentionType>? = nil, action: PolicyAction) {
        self.site = site.flatMap(HostName.normalized)
        self.target = target
        self.types = types
        self.action = action
    }

    /// Whether the rule takes a mention of `target` (whose normalised host is `host`) of `type`.
    func takes(_ target: URL, host: String?, type: MentionType) -> Bool {
        if let site, site != host { return false }
        if let pattern = self.target, !pattern.matches(target) { return false }
        return types?.contains(type) ?? true
    }
}

/// The owner's policy per site, target and type (`policy.rules`, first match wins) and the trap
/// targets (`policy.traps`), pure: the doors ask it before a fetch (``closes(_:)``,
/// ``isTrap(_:)``) and the ``MentionLifecycle`` takes its verdict once the type is known
/// (``action(for:type:)``).
public struct MentionPolicy: Sendable, Equatable {
    public var rules: [PolicyRule]
    /// Targets never linked publicly: whoever mentions one is a spammer.
    public var traps: [TargetPattern]

    public init(rules: [PolicyRule] = [], traps: [TargetPattern] = []) {
        self.rules = rules
        self.traps = traps
    }

    /// The first rule's action for a verified mention of `target` of `type`; `nil` when no rule takes it.
    public func action(for target: URL, type: MentionType) -> PolicyAction? {
        action(for: target, host: target.host.flatMap(HostName.normalized), type: type)
    }

    private func action(for target: URL, host: String?, type: MentionType) -> PolicyAction? {
        rules.first { $0.takes(target, host: host, type: type) }?.action
    }

    /// Whether a mention of `target` is refused at the door: whatever its type turns out to be,
    /// the first rule that takes it closes it (a rule for some types only, placed before, keeps
    /// those types open).
    public func closes(_ target: URL) -> Bool {
        guard rules.contains(where: { $0.action == .close }) else { return false }
        let host = target.host.flatMap(HostName.normalized)
        return MentionType.allCases.allSatisfy { action(for: target, host: host, type: $0) == .close }
    }

    /// Whether `target` is one of the trap targets.
    public func isTrap(_ target: URL) -> Bool {
        traps.contains { $0.matches(target) }
    }
}

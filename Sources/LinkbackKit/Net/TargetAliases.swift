import Foundation

/// Other spellings of a site's origin (`verification.target_aliases`): a target on an alias's
/// `from` origin (`https://www.blog.example`, `http://blog.example`) is the same page on its `to`
/// origin, where its mentions are stored and read. Pure: no fetch.
public struct TargetAliases: Sendable, Equatable {
    public struct Alias: Sendable, Equatable {
        /// Origins in canonical form (``TargetAliases/origin(_:)``).
        public let from: String
        public let to: String

        public init?(from: String, to: String) {
            guard let from = TargetAliases.origin(from), let to = TargetAliases.origin(to), from != to else { return nil }
            self.from = from
            self.to = to
        }
    }

    public let aliases: [Alias]

    public init(_ aliases: [Alias] = []) {
        self.aliases = aliases
    }

    /// `text` as an origin in canonical form: `scheme://host[:port]`, scheme and host lower-cased, a
    /// default port left out; `nil` unless it is an http(s) URL with nothing after the host but `/`.
    public static func origin(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false, url.user == nil, url.query == nil, url.fragment == nil, url.path.isEmpty || url.path == "/",
            let canonical = CanonicalURL.string(url)
        else { return nil }
        return canonical.hasSuffix("/") ? String(canonical.dropLast()) : canonical
    }

    /// A canonical URL on an alias's origin moved to its `to` origin; `nil` when no alias applies.
    public func rewrite(_ url: String) -> String? {
        for alias in aliases where url.hasPrefix(alias.from) {
            let rest = url.dropFirst(alias.from.count)
            guard rest.isEmpty || ["/", "?", "#"].contains(rest.first!) else { continue }
            return alias.to + rest
        }
        return nil
    }
}

import Crypto
import Foundation

/// Who the owner asked to forget (`linkback forget`): every mention from a domain (its
/// subdomains too) or by an author (their `author.url`). What remains of them is a tombstone, a
/// SHA-256 key of the domain or URL, never the name itself, by which a re-send is refused.
public enum Forgotten {
    public enum Subject: Sendable, Equatable, CustomStringConvertible {
        /// A domain, normalised (lower case, IDNA): its mentions are those whose source is on it.
        case domain(String)
        /// An author's URL, canonical: their mentions are those whose `author.url` it is.
        case author(String)

        public var description: String {
            switch self {
            case .domain(let domain): return domain
            case .author(let url): return url
            }
        }

        /// The tombstone's key.
        public var key: String {
            switch self {
            case .domain(let domain): return Forgotten.key("domain", domain)
            case .author(let url): return Forgotten.key("author", url)
            }
        }
    }

    /// The reason a refused re-send is logged and told with.
    public static let reason = "forgotten"

    /// `text` as a subject: an http(s) URL is an author, a host name a domain; `nil` for neither.
    public static func subject(_ text: String) -> Subject? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.contains("://") {
            guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                let author = authorKey(url.absoluteString)
            else { return nil }
            return .author(author)
        }
        guard !trimmed.contains("/"), let domain = HostName.normalized(trimmed), !domain.isEmpty else { return nil }
        return .domain(domain)
    }

    /// The form an author URL is compared in: canonical, without a trailing slash on an empty path.
    public static func authorKey(_ text: String) -> String? {
        guard let url = URL(string: text), let canonical = CanonicalURL.string(url) else { return nil }
        return canonical.hasSuffix("/") && URL(string: canonical)?.path == "/" ? String(canonical.dropLast()) : canonical
    }

    static func key(_ kind: String, _ value: String) -> String {
        SHA256.hash(data: Data((kind + "\n" + value).utf8)).hexString
    }
}

/// The tombstones a running server refuses re-sends by, reloaded from the store.
public final class ForgottenList: Sendable {
    private let keys = Locked<Set<String>>([])

    public init() {}

    public func replace(_ keys: some Sequence<String>) { self.keys.withLock { $0 = Set(keys) } }

    public var isEmpty: Bool { keys.withLock { $0.isEmpty } }

    /// Whether `source`'s host, or a domain it is on, was forgotten.
    public func contains(source: URL) -> Bool {
        guard !isEmpty, let host = source.host.flatMap(HostName.normalized) else { return false }
        let candidates = Self.domains(of: host).map { Forgotten.Subject.domain($0).key }
        return keys.withLock { known in candidates.contains(where: known.contains) }
    }

    /// Whether `author` (a mention's `author.url`) was forgotten.
    public func contains(author: String?) -> Bool {
        guard !isEmpty, let author, let key = Forgotten.authorKey(author) else { return false }
        let hashed = Forgotten.Subject.author(key).key
        return keys.withLock { $0.contains(hashed) }
    }

    /// `a.b.example`, `b.example`, `example`.
    static func domains(of host: String) -> [String] {
        var parts = host.split(separator: ".")
        var domains: [String] = []
        while !parts.isEmpty {
            domains.append(parts.joined(separator: "."))
            parts.removeFirst()
        }
        return domains
    }
}

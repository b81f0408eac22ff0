import Foundation

/// Decides whether a URL found in a source is the target.
///
/// Matching is exact after canonicalisation (``CanonicalURL``: scheme and host case, default
/// port, empty path as `/`, needless escapes, dot segments), ignoring fragments. With `lenient`, the http/https and
/// trailing-slash variants of the target match too. Never a substring match.
public struct TargetMatcher: Sendable {
    public let target: URL
    public let lenient: Bool
    private let accepted: Set<String>
    /// The host every accepted form names, as written in it (lenient variants change only the
    /// scheme and the slash): a link whose canonical text names another host is none of them.
    private let acceptedHost: [UInt8]?

    public init(target: URL, lenient: Bool = false) {
        self.target = target
        self.lenient = lenient
        let canonical = Self.canonical(target) ?? target.absoluteString
        var accepted: Set<String> = [canonical]
        if lenient {
            for variant in Array(accepted) {
                accepted.insert(Self.toggledScheme(variant))
            }
            for variant in Array(accepted) {
                accepted.insert(Self.toggledTrailingSlash(variant))
            }
        }
        self.accepted = accepted
        acceptedHost = Self.host(inCanonical: canonical)
    }

    /// The authority's host as written in a canonical URL text (`scheme://host[:port]/…`): the
    /// bytes after `://` up to a `:`, `/`, `?` or `#`. Read off the text, not parsed (a parse for
    /// every verification cost more than a small page's links save).
    private static func host(inCanonical text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes[colon...].starts(with: Array("://".utf8)) else {
            return nil
        }
        let start = colon + 3
        let end = bytes[start...].firstIndex { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
        return Array(bytes[start..<(end ?? bytes.count)])
    }

    public func matches(_ url: URL) -> Bool {
        guard let canonical = Self.canonical(url) else { return false }
        return accepted.contains(canonical)
    }

    /// Whether `reference` (an `href` or `src` value of `document`) resolves to the target: on
    /// bytes when it can (``WebAddress``), through Foundation otherwise.
    public func matches(reference: String, in document: HTMLDocument) -> Bool {
        if let base = document.baseAddress {
            // Most of a page's links name another host: known without building the path or the
            // canonical text, which holds the address's host as it is (so another host is no accepted form).
            switch base.resolve(reference, onHost: acceptedHost) {
            case .address(let address): return accepted.contains(address.canonical())
            case .otherScheme, .otherHost: return false
            case .unsure: break
            }
        }
        return document.resolve(reference).map(matches) ?? false
    }

    /// Matches a string that should be a complete URL (JSON values).
    public func matches(string: String) -> Bool {
        if let address = WebAddress(string) { return accepted.contains(address.canonical()) }
        guard let url = URL(string: string.trimmingCharacters(in: .whitespaces)) else { return false }
        return matches(url)
    }

    /// Whether plain text contains the target (or, when lenient, one of its variants).
    public func occurs(in text: String) -> Bool {
        var spellings: Set<String> = [Self.withoutFragment(target.absoluteString)]
        if lenient { spellings.formUnion(accepted) }
        return spellings.contains { text.contains($0) }
    }

    /// The form URLs are compared in: ``CanonicalURL``.
    public static func canonical(_ url: URL) -> String? {
        CanonicalURL.string(url)
    }

    private static func withoutFragment(_ text: String) -> String {
        text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
    }

    private static func toggledScheme(_ text: String) -> String {
        if text.hasPrefix("https://") { return "http://" + text.dropFirst(8) }
        if text.hasPrefix("http://") { return "https://" + text.dropFirst(7) }
        return text
    }

    private static func toggledTrailingSlash(_ text: String) -> String {
        // Only the path gets a slash added or removed; a query stays where it is.
        let parts = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var path = String(parts[0])
        let query = parts.count > 1 ? "?" + parts[1] : ""
        let afterScheme = path.range(of: "://").map { path[$0.upperBound...] } ?? Substring(path)
        guard afterScheme.contains("/") else { return text }
        if path.hasSuffix("/") {
            if afterScheme.firstIndex(of: "/") == afterScheme.index(before: afterScheme.endIndex) { return text }
            path.removeLast()
        } else {
            path += "/"
        }
        return path + query
    }
}

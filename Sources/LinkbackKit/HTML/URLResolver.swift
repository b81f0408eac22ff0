import Foundation

/// Resolving link references the way browsers do, for the cases that matter to link checks.
public enum URLResolver {
    /// Resolves `reference` (an href/src value, surrounding whitespace ignored) against `base`.
    /// Returns `nil` for references that cannot be URLs.
    public static func resolve(_ reference: String, against base: URL?) -> URL? {
        resolve(cleaned: cleaned(reference), against: base)
    }

    /// `resolve` of a reference already ``cleaned(_:)``.
    private static func resolve(cleaned trimmed: String, against base: URL?) -> URL? {
        // An empty reference is the document itself.
        if trimmed.isEmpty { return base }
        if let absolute = URL(string: trimmed), absolute.scheme != nil {
            return absolute
        }
        guard let base else { return nil }
        if let relative = URL(string: trimmed, relativeTo: base) { return relative.absoluteURL }
        // Foundation refuses some characters browsers percent-encode (spaces, non-ASCII).
        let encoded = trimmed.addingPercentEncoding(withAllowedCharacters: urlAllowed) ?? trimmed
        return URL(string: encoded, relativeTo: base)?.absoluteURL
    }

    /// `resolve(reference, against: base)?.absoluteString`, without Foundation for what most links
    /// in content are (``Resolution/asWritten(_:)``): Foundation's parse was 5 % of a 20 KB page's check.
    public static func resolvedString(_ reference: String, against base: URL?) -> String? {
        switch resolution(reference, against: base) {
        case .asWritten(let text): text
        case .url(let url): url.absoluteString
        case nil: nil
        }
    }

    /// What ``resolution(_:against:)`` found.
    package enum Resolution {
        /// The reference as `resolve` reads it, an absolute http(s) URL ``WebAddress`` takes whole
        /// (a host, nothing to encode): Foundation gives such a URL back as written.
        /// `WebAddressTests` compares the two on generated references.
        case asWritten(String)
        /// Anything else, resolved by Foundation.
        case url(URL)
    }

    /// `reference` resolved against `base`, Foundation asked only when the reference is not an
    /// absolute http(s) URL taken as written (cleaned once for both).
    package static func resolution(_ reference: String, against base: URL?) -> Resolution? {
        let trimmed = cleaned(reference)
        if WebAddress(trimmed) != nil { return .asWritten(trimmed) }
        return resolve(cleaned: trimmed, against: base).map(Resolution.url)
    }

    /// Surrounding HTML whitespace trimmed, tabs and newlines inside dropped, as browsers read a URL.
    private static func cleaned(_ reference: String) -> String {
        // By scalars: "\r\n" is one Character, which a Character filter keeps (found by fuzzing).
        var trimmed = reference.trimmingHTMLWhitespace()
        if trimmed.utf8.contains(where: { $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) {
            trimmed.unicodeScalars.removeAll { $0 == "\n" || $0 == "\t" || $0 == "\r" }
        }
        return trimmed
    }

    private static let urlAllowed: CharacterSet = {
        var set = CharacterSet.urlQueryAllowed
        set.insert(charactersIn: "#%")
        return set
    }()
}

import Foundation

/// Resolving link references the way browsers do, for the cases that matter to link checks.
public enum URLResolver {
    /// Resolves `reference` (an href/src value, surrounding whitespace ignored) against `base`.
    /// Returns `nil` for references that cannot be URLs.
    public static func resolve(_ reference: String, against base: URL?) -> URL? {
        let trimmed = cleaned(reference)
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
    /// in content are (``absoluteWebAddress(_:)``): Foundation's parse was 5 % of a 20 KB page's check.
    public static func resolvedString(_ reference: String, against base: URL?) -> String? {
        absoluteWebAddress(reference) ?? resolve(reference, against: base)?.absoluteString
    }

    /// The reference as `resolve` reads it, when that is an absolute http(s) URL ``WebAddress``
    /// takes whole (a host, nothing to encode): Foundation gives such a URL back as written.
    /// `WebAddressTests` compares the two on generated references.
    package static func absoluteWebAddress(_ reference: String) -> String? {
        let trimmed = cleaned(reference)
        return WebAddress(trimmed) != nil ? trimmed : nil
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

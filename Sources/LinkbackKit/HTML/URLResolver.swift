import Foundation

/// Resolving link references the way browsers do, for the cases that matter to link checks.
public enum URLResolver {
    /// Resolves `reference` (an href/src value, surrounding whitespace ignored) against `base`.
    /// Returns `nil` for references that cannot be URLs.
    public static func resolve(_ reference: String, against base: URL?) -> URL? {
        // By scalars: "\r\n" is one Character, which a Character filter keeps (found by fuzzing).
        var trimmed = reference.trimmingHTMLWhitespace()
        if trimmed.utf8.contains(where: { $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) {
            trimmed.unicodeScalars.removeAll { $0 == "\n" || $0 == "\t" || $0 == "\r" }
        }
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

    private static let urlAllowed: CharacterSet = {
        var set = CharacterSet.urlQueryAllowed
        set.insert(charactersIn: "#%")
        return set
    }()
}

/// The one escape for text that Linkback puts into HTML it writes: error pages, the status page,
/// excerpts cut to plain text. Safe in element text and in quoted attribute values alike, so no
/// caller has to know which context it writes into.
///
/// (``HTMLSerializer`` writes parsed trees back out with the HTML fragment serialisation
/// algorithm instead, which the microformats e-* `html` values must follow to the character.)
public enum HTMLEscaping {
    /// Escapes `&`, `<`, `>`, `"` and `'`.
    public static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            return text
        }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

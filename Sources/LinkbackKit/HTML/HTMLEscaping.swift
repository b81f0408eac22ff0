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
        // Over UTF-8 bytes: the five are ASCII, and no byte of a longer sequence is ASCII.
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case 0x26: result += "&amp;".utf8
            case 0x3C: result += "&lt;".utf8
            case 0x3E: result += "&gt;".utf8
            case 0x22: result += "&quot;".utf8
            case 0x27: result += "&#39;".utf8
            default: result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

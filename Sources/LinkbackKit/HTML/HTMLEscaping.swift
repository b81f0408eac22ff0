/// The one escape for text that Linkback puts into HTML it writes: error pages, the status page,
/// excerpts cut to plain text. Safe in element text and in quoted attribute values alike, so no
/// caller has to know which context it writes into.
///
/// (``HTMLSerializer`` writes parsed trees back out with the HTML fragment serialisation
/// algorithm instead, which the microformats e-* `html` values must follow to the character.)
public enum HTMLEscaping {
    /// Escapes `&`, `<`, `>`, `"` and `'`.
    public static func escape(_ text: String) -> String {
        var text = text
        // Over UTF-8 bytes: the five are ASCII, and no byte of a longer sequence is ASCII. The
        // text is copied a run at a time, and only once it holds one of them.
        return text.withUTF8 { bytes in
            var result: [UInt8] = []
            var run = 0
            for index in bytes.indices {
                let entity: StaticString
                switch bytes[index] {
                case 0x26: entity = "&amp;"
                case 0x3C: entity = "&lt;"
                case 0x3E: entity = "&gt;"
                case 0x22: entity = "&quot;"
                case 0x27: entity = "&#39;"
                default: continue
                }
                if result.isEmpty { result.reserveCapacity(bytes.count + 16) }
                result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                result.append(contentsOf: UnsafeBufferPointer(start: entity.utf8Start, count: entity.utf8CodeUnitCount))
                run = index + 1
            }
            guard run > 0 else { return nil }
            result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
            return String(decoding: result, as: UTF8.self)
        } ?? text
    }
}

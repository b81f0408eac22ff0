/// Strings read straight off their UTF-8, for the loops that run over every page: Swift's
/// `unicodeScalars` iterator and its Character walk cost more there than the work they feed.
extension String {
    /// Calls `body` with each Unicode scalar value in order until it returns `false`.
    @inline(__always)
    package func forEachScalarValue(_ body: (UInt32) -> Bool) {
        var text = self
        text.withUTF8 { bytes in
            // A String's bytes are valid UTF-8, so a lead byte says the length of its sequence.
            var index = 0
            while index < bytes.count {
                let lead = UInt32(bytes[index])
                let value: UInt32
                if lead < 0x80 {
                    value = lead
                    index += 1
                } else if lead < 0xE0 {
                    value = (lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F)
                    index += 2
                } else if lead < 0xF0 {
                    value = (lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
                    index += 3
                } else {
                    value = (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12 | UInt32(bytes[index + 2] & 0x3F) << 6
                        | UInt32(bytes[index + 3] & 0x3F)
                    index += 4
                }
                guard body(value) else { return }
            }
        }
    }

    /// `index(startIndex, offsetBy: distance, limitedBy: endIndex)`, counted on bytes while the
    /// text is ASCII (where a character is a byte, or CR LF): Swift's Character walk is taken only
    /// from the last ASCII character before the first other byte, as that character may combine
    /// with what follows.
    package func index(characterOffset distance: Int) -> Index? {
        var text = self
        let known: (bytes: Int, characters: Int) = text.withUTF8 { bytes in
            var index = 0
            var characters = 0
            // Where the last character counted starts, and how many came before it.
            var last = (bytes: 0, characters: 0)
            while characters < distance, index < bytes.count {
                guard bytes[index] < 0x80 else { return last }
                last = (index, characters)
                index += bytes[index] == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
                characters += 1
            }
            // The character just counted may take the next byte's combining mark with it.
            return index < bytes.count && bytes[index] >= 0x80 ? last : (index, characters)
        }
        let start = utf8.index(utf8.startIndex, offsetBy: known.bytes)
        return index(start, offsetBy: distance - known.characters, limitedBy: endIndex)
    }
}

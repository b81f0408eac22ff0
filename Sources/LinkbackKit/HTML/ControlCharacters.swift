/// libxml2 2.9 follows XML's character rules inside HTML: a C0 control character (raw, or as a
/// numeric reference such as `&#xC;`) truncates the attribute or text it appears in. HTML allows
/// them, so before parsing, form feed (HTML whitespace) becomes a space and the other controls
/// become U+FFFD, as a browser would display them.
package enum ControlCharacters {
    package static func neutralized(_ bytes: [UInt8]) -> [UInt8] {
        // One pass over the buffer (every page goes through here, and nearly every page holds an
        // `&`); the page is copied only once something in it changes.
        bytes.withUnsafeBufferPointer { buffer in
            var output: [UInt8] = []
            var index = 0
            // Ordinary bytes are copied a run at a time, not one by one.
            var run = 0
            while index < buffer.count {
                // Eight bytes at a time past those holding no control and no `&` (most of a page).
                while index + 8 <= buffer.count,
                    !mayNeedChange(UnsafeRawPointer(buffer.baseAddress! + index).loadUnaligned(as: UInt64.self))
                {
                    index += 8
                }
                guard index < buffer.count else { break }
                let byte = buffer[index]
                guard byte < 0x20 || byte == UInt8(ascii: "&") else {
                    index += 1
                    continue
                }
                let replaced: [UInt8]
                var length = 1
                if byte == 0x0C {
                    replaced = [0x20]
                } else if isControl(byte) {
                    replaced = replacement
                } else if byte == UInt8(ascii: "&"), let (value, referenceLength) = numericReference(buffer, at: index),
                    value == 0x0C || (value < 0x20 && isControl(UInt8(value)))
                {
                    replaced = value == 0x0C ? Array("&#x20;".utf8) : Array("&#xFFFD;".utf8)
                    length = referenceLength
                } else {
                    index += 1
                    continue
                }
                if output.isEmpty { output.reserveCapacity(buffer.count + 16) }
                output.append(contentsOf: buffer[run..<index])
                output.append(contentsOf: replaced)
                index += length
                run = index
            }
            guard run > 0 else { return bytes }
            output.append(contentsOf: buffer[run..<buffer.count])
            return output
        }
    }

    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Whether one of the eight bytes of `word` is below 0x20 or is `&` (exact: the byte tricks
    /// of "Bit Twiddling Hacks", `hasless(x, 0x20)` and `haszero(x ^ '&'…)`).
    @inline(__always)
    private static func mayNeedChange(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let below = (word &- ones &* 0x20) & ~word & highs
        let ampersands = word ^ (ones &* UInt64(UInt8(ascii: "&")))
        let isAmpersand = (ampersands &- ones) & ~ampersands & highs
        return below | isAmpersand != 0
    }

    /// C0 controls other than tab, line feed, carriage return and form feed (and NUL, which
    /// libxml2 handles itself).
    private static func isControl(_ byte: UInt8) -> Bool {
        byte != 0 && byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D && byte != 0x0C
    }

    /// Parses `&#NN;` or `&#xHH;` (semicolon optional) at `start`: its value and byte length.
    private static func numericReference(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (Int, Int)? {
        var index = start + 1
        guard index < bytes.count, bytes[index] == UInt8(ascii: "#") else { return nil }
        index += 1
        var radix = 10
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "x") {
            radix = 16
            index += 1
        }
        var value = 0
        var digits = 0
        while index < bytes.count, let digit = digitValue(bytes[index], radix: radix), digits < 8 {
            value = value * radix + digit
            digits += 1
            index += 1
        }
        guard digits > 0 else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: ";") { index += 1 }
        return (value, index - start)
    }

    private static func digitValue(_ byte: UInt8, radix: Int) -> Int? {
        radix == 16 ? byte.hexDigitValue.map(Int.init) : byte.isASCIIDigit ? Int(byte - UInt8(ascii: "0")) : nil
    }
}

/// HTML reads `<![CDATA[ … ` outside SVG and MathML as a bogus comment that ends at the first
/// `>`; libxml2 2.9 reads on and builds elements from what follows (a spammer's "link" hidden in
/// a CDATA section would count). Before parsing, each such run up to its first `>` becomes an
/// ordinary comment, as a browser sees it.
package enum BogusComments {
    package static func neutralized(_ bytes: [UInt8]) -> [UInt8] {
        guard var opener = nextOpener(in: bytes, from: 0) else { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 16)
        var copied = 0
        while true {
            output.append(contentsOf: bytes[copied..<opener])
            // Up to the first `>`, or the end of the page when there is none.
            let end = bytes[opener...].firstIndex(of: UInt8(ascii: ">")) ?? bytes.count
            output.append(contentsOf: "<!--".utf8)
            // The comment's text, without anything that could end it early.
            output.append(contentsOf: bytes[(opener + 3)..<end].lazy.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 })
            output.append(contentsOf: "-->".utf8)
            copied = min(end + 1, bytes.count)
            guard let next = nextOpener(in: bytes, from: copied) else { break }
            opener = next
        }
        output.append(contentsOf: bytes[copied...])
        return output
    }

    /// The index of the next `<![` at or after `start`. Every page is scanned for one before it is
    /// parsed: `memchr` from one `<` to the next (a byte-by-byte loop was 1 % of extraction).
    private static func nextOpener(in bytes: [UInt8], from start: Int) -> Int? {
        bytes.withUnsafeBufferPointer { $0.firstIndex(of: opener, from: start) }
    }

    private static let opener = Array("<![".utf8)
}

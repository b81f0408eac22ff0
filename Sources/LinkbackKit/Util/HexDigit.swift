extension UInt8 {
    /// The value of this byte as an ASCII hex digit (`0–9`, `a–f`, `A–F`), for percent-decoding.
    public var hexDigitValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return self - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Sequence<UInt8> {
    /// The bytes as lower-case hex, two digits each (a digest, a signature).
    package var hexString: String { map { String(format: "%02x", $0) }.joined() }
}

extension UInt8 {
    package var isASCIILetter: Bool { (self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "z") }
    package var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    /// ASCII whitespace as HTML defines it: space, tab, LF, FF, CR.
    package var isHTMLWhitespace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0C || self == 0x0D }
}

/// Whether `bytes` are an RFC 3986 scheme name: a letter, then letters, digits, `+`, `-` or `.`.
package func isSchemeName(_ bytes: some Collection<UInt8>) -> Bool {
    guard let first = bytes.first, first.isASCIILetter else { return false }
    return bytes.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
}

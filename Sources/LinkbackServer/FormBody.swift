import Foundation
import Hummingbird

/// Strict `application/x-www-form-urlencoded` parsing (request bodies and query strings): `+` is
/// a space, `%XX` must be valid, the result must be UTF-8, and a parameter Linkback reads may
/// appear only once unless it is meant to repeat.
struct FormBody {
    enum Problem: Error, Equatable {
        case malformed(String)
        case duplicate(String)
    }

    /// The first value of each name.
    let values: [String: String]
    /// Every pair, in order, repeats included.
    let pairs: [(name: String, value: String)]

    /// Parses `bytes`; `unique` names the parameters that must not repeat.
    init(_ bytes: [UInt8], unique: Set<String>) throws(Problem) {
        var values: [String: String] = [:]
        var pairs: [(name: String, value: String)] = []
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1]) : ""
            pairs.append((name, value))
            if values[name] != nil {
                if unique.contains(name) { throw .duplicate(name) }
                continue
            }
            values[name] = value
        }
        self.values = values
        self.pairs = pairs
    }

    subscript(name: String) -> String? { values[name] }

    private static func decode(_ raw: ArraySlice<UInt8>) throws(Problem) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < raw.endIndex, let high = raw[index + 1].hexDigitValue, let low = raw[index + 2].hexDigitValue
                else { throw .malformed("invalid percent-encoding") }
                bytes.append(high << 4 | low)
                index += 2
            } else {
                bytes.append(byte)
            }
            index += 1
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed("not valid UTF-8") }
        return text
    }
}

extension Request {
    /// The query string's parameters, in order, repeats included (``FormBody`` rules).
    func queryPairs() throws(FormBody.Problem) -> [(name: String, value: String)] {
        try FormBody(Array((uri.query ?? "").utf8), unique: []).pairs
    }
}

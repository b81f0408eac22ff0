import Foundation

/// A UTC date and time written as ASCII digits, without a `DateFormatter`: the rejection log
/// writes one per line and the SQLite store binds several per receipt, and ICU's formatting was a
/// visible share of both.
package enum UTCTimestamp {
    /// Appends `YYYY-MM-DD<separator>HH:MM:SS` for `seconds` since 1970 (UTC); `false`, with
    /// nothing appended, when the C library cannot take the date apart.
    @discardableResult
    package static func append(seconds: Int64, separator: UInt8, to bytes: inout [UInt8]) -> Bool {
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return false }
        appendDigits(Int(parts.tm_year) + 1900, count: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mon) + 1, count: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mday), count: 2, to: &bytes)
        bytes.append(separator)
        appendDigits(Int(parts.tm_hour), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_min), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_sec), count: 2, to: &bytes)
        return true
    }

    /// Appends the last `count` decimal digits of `value` (≥ 0), zero-padded.
    package static func appendDigits(_ value: Int, count: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value / divisor % 10))
            divisor /= 10
        }
    }
}

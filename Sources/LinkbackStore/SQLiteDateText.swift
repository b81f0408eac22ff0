import Foundation
import GRDB

/// A date as GRDB stores it in SQLite (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), written without GRDB's
/// `DateFormatter`: every receipt and verification binds several dates, and ICU's formatting was
/// 4 % of an accept. Dates outside 1970–9999 (`distantPast` in a query) go through GRDB as before.
enum SQLiteDateText {
    static func value(_ date: Date) -> any DatabaseValueConvertible {
        text(date) ?? date
    }

    static func text(_ date: Date) -> String? {
        let interval = date.timeIntervalSince1970
        guard interval >= 0, interval < 253_402_300_799 else { return nil }
        let milliseconds = Int64((interval * 1000).rounded())
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(23)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value / divisor % 10))
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        bytes.append(UInt8(ascii: " "))
        digits(Int(parts.tm_hour), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        bytes.append(UInt8(ascii: "."))
        digits(Int(milliseconds % 1000), 3)
        return String(decoding: bytes, as: UTF8.self)
    }
}

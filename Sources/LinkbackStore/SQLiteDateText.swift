import Foundation
import GRDB
import LinkbackKit

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
        var bytes: [UInt8] = []
        bytes.reserveCapacity(23)
        guard UTCTimestamp.append(seconds: milliseconds / 1000, separator: UInt8(ascii: " "), to: &bytes) else { return nil }
        bytes.append(UInt8(ascii: "."))
        UTCTimestamp.appendDigits(Int(milliseconds % 1000), count: 3, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Date and time handling of the value-class pattern for dt-* properties.
package enum MF2Dates {
    nonisolated(unsafe) private static let date = #/^(\d{4}-\d{2}-\d{2}|\d{4}-\d{3})$/#
    nonisolated(unsafe) private static let dateTime = #/^(\d{4}-\d{2}-\d{2}|\d{4}-\d{3})[Tt ](.+)$/#
    nonisolated(unsafe) private static let time =
        #/^(?<h>\d{1,2})(?::(?<m>\d{2}))?(?::(?<s>\d{2}))?\s*(?<ampm>[aApP]\.?[mM]\.?)?\s*(?<tz>[zZ]|[+-]\d{2}(?::?\d{2})?)?$/#
    nonisolated(unsafe) private static let zone = #/^([zZ]|[+-]\d{2}(?::?\d{2})?)$/#
    nonisolated(unsafe) private static let leadingDate = #/^(\d{4}-\d{2}-\d{2}|\d{4}-\d{3})/#

    /// The `YYYY-MM-DD` or `YYYY-DDD` at the start of `value`, if any.
    package static func datePart(of value: String) -> String? {
        // On bytes when the start is ASCII (a match of Swift's Regex cost ~180k instructions, 3 %
        // of a 20 KB page's verification); the Regex otherwise, as its \d takes any decimal digit
        // and its characters may hold combining marks.
        let head = Array(value.utf8.prefix(11))
        guard head.allSatisfy({ $0 < 0x80 }) else { return value.prefixMatch(of: leadingDate).map { String($0.output.1) } }
        func digits(_ range: Range<Int>) -> Bool { range.upperBound <= head.count && head[range].allSatisfy(\.isASCIIDigit) }
        func dash(_ index: Int) -> Bool { index < head.count && head[index] == UInt8(ascii: "-") }
        guard digits(0..<4), dash(4) else { return nil }
        if digits(5..<7), dash(7), digits(8..<10) { return String(decoding: head[0..<10], as: UTF8.self) }
        return digits(5..<8) ? String(decoding: head[0..<8], as: UTF8.self) : nil
    }

    package static func isTimeOnly(_ value: String) -> Bool {
        value.wholeMatch(of: time) != nil && value.wholeMatch(of: date) == nil
    }

    /// Combines value-class parts into `DATE TIME[ZONE]` text: the first date, the first time
    /// (24-hour) and the first time zone (without colon); `nil` when no part is a date or time.
    package static func combine(_ parts: [String], impliedDate: String?) -> String? {
        var foundDate: String?
        var foundTime: String?
        var foundZone: String?
        for raw in parts {
            let part = raw.trimmingHTMLWhitespace()
            if part.wholeMatch(of: dateTime) != nil {
                // A complete date and time in one value is kept as written.
                if foundDate == nil && foundTime == nil { return part }
            } else if part.wholeMatch(of: date) != nil {
                if foundDate == nil { foundDate = part }
            } else if let parsed = parseTime(part) {
                if foundTime == nil {
                    foundTime = parsed.time
                    if foundZone == nil { foundZone = parsed.zone }
                }
            } else if part.wholeMatch(of: zone) != nil {
                if foundZone == nil { foundZone = normalizedZone(part) }
            }
        }
        let datePart = foundDate ?? impliedDate
        guard let foundTime else { return foundDate }
        let timePart = foundTime + (foundZone ?? "")
        guard let datePart else { return timePart }
        return datePart + " " + timePart
    }

    /// A time as `HH:MM[:SS]` in 24-hour form, and its zone as `Z` or `±HHMM`.
    private static func parseTime(_ text: String) -> (time: String, zone: String?)? {
        guard let match = text.wholeMatch(of: time), var hour = Int(match.output.h) else { return nil }
        if let ampm = match.output.ampm {
            guard (1...12).contains(hour) else { return nil }
            let pm = ampm.first == "p" || ampm.first == "P"
            hour = hour % 12 + (pm ? 12 : 0)
        }
        var result = (hour < 10 ? "0" : "") + String(hour) + ":" + (match.output.m.map(String.init) ?? "00")
        if let seconds = match.output.s { result += ":" + seconds }
        return (result, match.output.tz.map { normalizedZone(String($0)) })
    }

    private static func normalizedZone(_ zone: String) -> String {
        zone.uppercased() == "Z" ? "Z" : zone.replacingOccurrences(of: ":", with: "")
    }
}

import Foundation
import GRDB
import Testing

@testable import LinkbackStore

/// Dates bound by Linkback's own writer must be the text GRDB writes, to the character: rows are
/// compared and ordered by it, and older rows were written by GRDB.
@Suite struct SQLiteDateTextTests {
    @Test func writesWhatGRDBWrites() {
        var generator = SystemRandomNumberGenerator()
        var dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 0.9995), Date(timeIntervalSince1970: 1_780_000_000.999_9),
            Date(timeIntervalSince1970: 253_402_300_798.9996), Date(timeIntervalSince1970: 253_402_300_799.9996), Date(), Date(timeIntervalSinceReferenceDate: 0), .distantFuture,
        ]
        // Now and around it at every scale, and exact milliseconds, where rounding could differ.
        for _ in 0..<20_000 {
            let seconds = Double.random(in: 0..<4_102_444_800, using: &generator)
            dates.append(Date(timeIntervalSince1970: seconds))
            dates.append(Date(timeIntervalSince1970: (seconds * 1000).rounded() / 1000))
            dates.append(Date().addingTimeInterval(Double.random(in: -1_000...1_000, using: &generator)))
        }
        for date in dates {
            let grdb = String.fromDatabaseValue(date.databaseValue)
            #expect(String.fromDatabaseValue(SQLiteDateText.value(date).databaseValue) == grdb, "\(date.timeIntervalSince1970)")
        }
    }

    @Test func leavesDatesOutsideItsRangeToGRDB() {
        #expect(SQLiteDateText.text(Date()) != nil)
        #expect(SQLiteDateText.text(.distantPast) == nil)
        #expect(SQLiteDateText.text(Date(timeIntervalSince1970: -0.001)) == nil)
        #expect(String.fromDatabaseValue(SQLiteDateText.value(.distantPast).databaseValue) == String.fromDatabaseValue(Date.distantPast.databaseValue))
    }
}

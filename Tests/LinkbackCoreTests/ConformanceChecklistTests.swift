import Foundation
import Testing

/// CONFORMANCE.md's Webmention and Pingback checklist names, for every requirement, the tests that
/// check it. Every name must be a test that exists (`@Suite struct Suite` with a test function of
/// that name), so the table cannot claim coverage that is not there; those tests run in `make test`.
@Suite struct ConformanceChecklistTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The rows between the checklist markers, as (requirement, tested-by names, result).
    static func rows(of document: String) -> [(requirement: String, tests: [String], result: String)] {
        guard let start = document.range(of: "<!-- checklist -->"), let end = document.range(of: "<!-- /checklist -->")
        else { return [] }
        return document[start.upperBound..<end.lowerBound].split(separator: "\n").dropFirst(2).compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count == 6 else { return nil }
            let tests = cells[3].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
            return (cells[1], tests, cells[4])
        }
    }

    /// Every Swift file under Tests/, concatenated per file.
    static func testSources() throws -> [String] {
        let tests = repository.appendingPathComponent("Tests")
        let files = FileManager.default.enumerator(atPath: tests.path)?.compactMap { $0 as? String } ?? []
        return try files.filter { $0.hasSuffix(".swift") }.map {
            try String(contentsOf: tests.appendingPathComponent($0), encoding: .utf8)
        }
    }

    /// Whether `Suite.test` is a test function of a suite in one of `sources`.
    static func exists(_ name: String, in sources: [String]) -> Bool {
        let parts = name.split(separator: ".")
        guard parts.count == 2 else { return false }
        return sources.contains {
            $0.contains("struct \(parts[0]) ") && $0.range(of: #"func \#(parts[1])\("#, options: .regularExpression) != nil
        }
    }

    @Test func everyRowNamesTestsThatExist() throws {
        let document = try String(contentsOf: Self.repository.appendingPathComponent("CONFORMANCE.md"), encoding: .utf8)
        let rows = Self.rows(of: document)
        #expect(rows.count >= 25)
        let sources = try Self.testSources()
        for row in rows {
            #expect(!row.tests.isEmpty, "\(row.requirement): no test named")
            #expect(row.result == "pass", "\(row.requirement): \(row.result)")
            for name in row.tests {
                #expect(Self.exists(name, in: sources), "\(row.requirement): no test \(name)")
            }
        }
    }

    @Test func aMissingTestIsNoticed() throws {
        let document = """
            <!-- checklist -->
            | requirement | level | tested by | result |
            |---|---|---|---|
            | a | MUST | `Nowhere.atAll`, `ConformanceChecklistTests.aMissingTestIsNoticed` | pass |
            <!-- /checklist -->
            """
        let rows = Self.rows(of: document)
        #expect(rows.count == 1)
        #expect(rows.first?.tests == ["Nowhere.atAll", "ConformanceChecklistTests.aMissingTestIsNoticed"])
        let sources = ["@Suite struct Real {\n    @Test func thing() {}\n}"]
        #expect(Self.exists("Real.thing", in: sources))
        #expect(!Self.exists("Real.other", in: sources))
        #expect(!Self.exists("Nowhere.thing", in: sources))
        #expect(!Self.exists("thing", in: sources))
    }
}

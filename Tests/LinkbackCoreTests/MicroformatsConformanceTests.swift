import Foundation
import Testing

@testable import LinkbackKit

/// Every case of the microformats test suite (`Fixtures/microformats`, CC0): parse the HTML with
/// the suite's base URL and compare with the expected JSON by value.
@Suite struct MicroformatsConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/microformats")

    /// Cases known to differ from the expected output; each is explained in CONFORMANCE.md. The test
    /// fails if one of them starts passing, so this list stays true.
    static let knownFailures: Set<String> = [
        "microformats-v2-unit/implied/implied-url",
        "microformats-v2-unit/nested/nested-microformat-mistyped",
        "microformats-v2-unit/value/value-dt",
    ]

    static var cases: [String] {
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        var names: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".json") { names.append(String(path.dropLast(5))) }
        }
        return names.sorted()
    }

    @Test func suiteIsPresent() {
        #expect(Self.cases.count == 97)
    }

    @Test(arguments: cases)
    func parsesLikeTheSuiteExpects(name: String) throws {
        let html = try String(contentsOf: Self.root.appendingPathComponent(name + ".html"), encoding: .utf8)
        let expectedData = try Data(contentsOf: Self.root.appendingPathComponent(name + ".json"))
        let expected = try JSONSerialization.jsonObject(with: expectedData) as? NSDictionary
        // The unit tests' README sets their base URL; the other sets use example.com.
        let base = name.hasPrefix("microformats-v2-unit/") ? "http://example.test" : "http://example.com/"
        let document = HTMLDocument(html: html, url: URL(string: base))
        let actual = MF2Parser.parse(document).jsonObject as NSDictionary
        let passes = actual == expected
        // MF2_DUMP=DIR writes the parser's output for every failing case, for diffing by hand.
        if !passes, let dump = ProcessInfo.processInfo.environment["MF2_DUMP"] {
            let file = URL(fileURLWithPath: dump).appendingPathComponent(name.replacingOccurrences(of: "/", with: "_") + ".json")
            try JSONSerialization.data(withJSONObject: actual, options: [.sortedKeys, .prettyPrinted]).write(to: file)
        }
        if Self.knownFailures.contains(name) {
            #expect(!passes, "\(name) now passes: remove it from knownFailures and CONFORMANCE.md")
        } else {
            #expect(passes, "\(name)\nexpected: \(Self.show(expected))\nactual:   \(Self.show(actual))")
        }
    }

    static func show(_ object: Any?) -> String {
        guard let object, let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return "nil"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The byte-level pre-check never hides a microformats class, and lets the rest pass unsplit.
    @Test func classesThatMayHoldMicroformats() {
        func holds(_ value: String) -> Bool { MF2Names.mayHold(HTMLElement(name: "div", attributes: [HTMLAttribute(name: "class", value: value)])) }
        for value in ["h-entry", "x  p-name", "dt-published", "wp-block\tu-url", "e-content\n", "foo h-x-test"] { #expect(holds(value), "\(value)") }
        for value in ["", "entry-content", "wp-block-paragraph", "ph-x", "dth-x", "d-t", "x-h-entry", "h", "pt-name"] { #expect(!holds(value), "\(value)") }
        #expect(!MF2Names.mayHold(HTMLElement(name: "div")))
    }
}

import Foundation
import Testing
import Yams

@testable import LinkbackKit

/// Every configuration key is documented in the reference's table (docs/configuration.md) and set in
/// the sample file, and the table names no key the code does not know, so neither can drift.
@Suite struct ConfigDocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theReferenceListsEveryKeyAndNothingElse() throws {
        let reference = try String(contentsOf: Self.root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        for key in ConfigKey.all {
            #expect(reference.contains("| `\(key.name)` | `\(key.environmentName)` |"), "docs/configuration.md lacks \(key.name)")
        }
        // Rows of the key table: "| `name` | `LINKBACK_…` | default |".
        let rows = reference.split(separator: "\n").filter { $0.hasPrefix("| `") && $0.contains("` | `LINKBACK_") }
        #expect(rows.count == ConfigKey.all.count, "one row per key")
        for row in rows {
            let name = row.dropFirst(3).prefix { $0 != "`" }
            #expect(ConfigKey.named(String(name)) != nil, "docs/configuration.md documents \(name), which no key is")
        }
    }

    /// The default as the reference's third column starts it: `empty`, or the value in backticks.
    static func documentedDefault(_ value: ConfigValue) -> String {
        switch value {
        case .string(let text): return text.isEmpty ? "empty" : "`\(text)`"
        case .double(let number) where number == number.rounded(): return "`\(Int(number))`"
        case .strings(let texts) where !texts.isEmpty:
            let encoder = JSONEncoder()
            encoder.outputFormatting = .withoutEscapingSlashes
            return "`" + String(decoding: try! encoder.encode(texts), as: UTF8.self) + "`"
        case .records: return "`[]`"
        default: return "`\(value)`"
        }
    }

    /// Each row's default is the key's: a default changed in the code without the reference
    /// (as the SQLite sync default once was) fails here.
    @Test func theReferenceGivesEveryKeysDefault() throws {
        let reference = try String(contentsOf: Self.root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let rows = reference.split(separator: "\n").filter { $0.hasPrefix("| `") && $0.contains("` | `LINKBACK_") }
        for key in ConfigKey.all {
            let row = try #require(rows.first { $0.hasPrefix("| `\(key.name)` |") }, "no row for \(key.name)")
            let cells = row.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let documented = cells.count > 3 ? cells[3] : ""
            let expected = Self.documentedDefault(key.defaultValue)
            #expect(documented.hasPrefix(expected), "\(key.name): the reference says \(documented), the default is \(expected)")
        }
        #expect(Self.documentedDefault(.strings(["^PHP/5\\.2$"])) == #"`["^PHP/5\\.2$"]`"#)
        #expect(Self.documentedDefault(.double(2.5)) == "`2.5`" && Self.documentedDefault(.string("")) == "empty")
    }

    @Test func sampleSetsEveryKey() throws {
        let sample = try String(contentsOf: Self.root.appendingPathComponent("config/linkback.yaml"), encoding: .utf8)
        var names: Set<String> = []
        func walk(_ node: Node, _ prefix: String) {
            guard let mapping = node.mapping else { return }
            for (key, value) in mapping {
                let name = prefix + (key.string ?? "")
                if ConfigKey.named(name) != nil { names.insert(name) } else { walk(value, name + ".") }
            }
        }
        walk(try #require(try Yams.compose(yaml: sample)), "")
        for key in ConfigKey.all {
            #expect(names.contains(key.name), "config/linkback.yaml lacks \(key.name)")
        }
    }
}

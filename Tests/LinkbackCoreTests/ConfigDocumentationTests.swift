import Foundation
import Testing
import Yams

@testable import LinkbackCore

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

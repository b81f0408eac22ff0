import Foundation
import Testing
import Yams

@testable import LinkbackCore

/// Every configuration key is documented in the README's table and set in the sample file, so
/// neither can drift from the code.
@Suite struct ConfigDocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func readmeListsEveryKeyAndVariable() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        for key in ConfigKey.all {
            #expect(readme.contains("| `\(key.name)` | `\(key.environmentName)` |"), "README lacks \(key.name)")
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

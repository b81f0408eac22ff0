import Foundation
import Testing

/// The README and the guides point at each other by relative links and section anchors; moving a
/// section must not leave a link pointing at nothing.
@Suite struct DocumentationLinkTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The Markdown files of the repository's top level and of `docs/`.
    static func documents() throws -> [String] {
        let manager = FileManager.default
        let top = try manager.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".md") }
        let docs = try manager.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        return (top + docs).sorted()
    }

    /// Text outside fenced code blocks.
    static func prose(_ text: String) -> String {
        var inFence = false
        return text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            if line.hasPrefix("```") { inFence.toggle(); return false }
            return !inFence
        }.joined(separator: "\n")
    }

    /// GitHub's anchors for a file's headings: lower case, punctuation dropped, spaces to hyphens,
    /// `-1`, `-2`… for repeats.
    static func anchors(_ text: String) -> Set<String> {
        var seen: [String: Int] = [:]
        var anchors: Set<String> = []
        for line in prose(text).split(separator: "\n") where line.hasPrefix("#") {
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
            let slug = String(title.unicodeScalars.filter {
                CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" || $0 == " "
            }.map(Character.init)).replacingOccurrences(of: " ", with: "-")
            if let count = seen[slug] {
                seen[slug] = count + 1
                anchors.insert("\(slug)-\(count + 1)")
            } else {
                seen[slug] = 0
                anchors.insert(slug)
            }
        }
        return anchors
    }

    /// Relative link targets in a text: `](path)`, `](path#anchor)`, `](#anchor)`.
    static func links(_ text: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"\]\(([^)\s]+)\)"#)
        let text = prose(text)
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }.filter { !$0.contains("://") && !$0.hasPrefix("mailto:") }
    }

    @Test func anchorsFollowGitHubsRules() {
        #expect(Self.anchors("# A b\n## Discovery: what (it) emits\n## Discovery: what (it) emits\n```\n# not\n```")
            == ["a-b", "discovery-what-it-emits", "discovery-what-it-emits-1"])
        #expect(Self.links("[a](docs/x.md#y) [b](https://e.example/) `[c](z)`\n```\n[d](q.md)\n```") == ["docs/x.md#y", "z"])
    }

    @Test func everyRelativeLinkAndAnchorExists() throws {
        let documents = try Self.documents()
        #expect(documents.contains("README.md") && documents.contains("docs/running.md"))
        for document in documents {
            let text = try String(contentsOf: Self.root.appendingPathComponent(document), encoding: .utf8)
            let directory = (document as NSString).deletingLastPathComponent
            for link in Self.links(text) {
                let parts = link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let path = parts[0].isEmpty ? document : ((directory as NSString).appendingPathComponent(parts[0]) as NSString).standardizingPath
                let file = Self.root.appendingPathComponent(path).path
                #expect(FileManager.default.fileExists(atPath: file), "\(document): \(link) points at no file")
                guard parts.count == 2, path.hasSuffix(".md"), FileManager.default.fileExists(atPath: file) else { continue }
                let target = try String(contentsOfFile: file, encoding: .utf8)
                #expect(Self.anchors(target).contains(parts[1]), "\(document): \(link) points at no heading")
            }
        }
    }

    /// The README is the front door: what it is, two commands, a first mention, where to go next.
    @Test func theReadmeStaysAFrontDoor() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.split(separator: "\n", omittingEmptySubsequences: false).count < 300)
        for guide in ["docs/running.md", "docs/integrating.md", "docs/configuration.md", "docs/protocols.md", "ARCHITECTURE.md"] {
            #expect(readme.contains("](\(guide))"), "the README does not point at \(guide)")
        }
    }
}

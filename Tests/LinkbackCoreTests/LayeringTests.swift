import Foundation
import Testing

/// The core's folders form layers (ARCHITECTURE.md): a folder names types of its own layer and
/// the layers below, never above. The compiler holds the three targets (LinkbackKit below
/// LinkbackStore below LinkbackCore); inside a target it cannot, so this test reads the sources:
/// the types each folder declares, and the capitalised names each file uses.
@Suite struct LayeringTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// Bottom first, with the name a target's top-level files go by (the store is one folder).
    static let targets: [(name: String, topLevel: String)] = [
        ("LinkbackKit", "(top level)"), ("LinkbackStore", "Store"), ("LinkbackCore", "(top level of LinkbackCore)"),
    ]

    /// Bottom first. Folders of one layer may use each other.
    static let layers: [[String]] = [
        ["(top level)", "Util", "Net", "HTML", "Microformats", "XML", "XMLRPC", "Media"],  // utilities and parsers
        ["Model", "Lifecycle"],  // the data and every status rule
        ["Config"],
        ["Log", "Metrics"],
        ["Fetch", "Spam"],  // the guarded fetch asks the spam guard for a host's allowance
        ["Verify"],
        ["Store"],
        // The use cases, and the representations (JF2, Atom, records) they speak.
        ["Receive", "Queue", "Pingback", "Moderation", "Send", "Webhooks", "Notify", "Transfer", "ReadAPI", "Represent", "Signals", "Avatars"],
    ]

    static func layer(of folder: String) -> Int? { layers.firstIndex { $0.contains(folder) } }

    /// Every Swift file of the three targets, by folder.
    static func files() throws -> [(folder: String, path: String)] {
        var files: [(String, String)] = []
        for target in targets {
            let root = sources.appendingPathComponent(target.name)
            let enumerator = FileManager.default.enumerator(atPath: root.path)
            while let relative = enumerator?.nextObject() as? String {
                guard relative.hasSuffix(".swift") else { continue }
                let parts = relative.split(separator: "/")
                files.append((parts.count > 1 ? String(parts[0]) : target.topLevel, root.appendingPathComponent(relative).path))
            }
        }
        return files
    }

    /// A file without comments and string literals (a type named in prose is no dependency).
    static func code(_ text: String) -> String {
        var text = text.replacingOccurrences(of: #""""[\s\S]*?""""#, with: "\"\"", options: .regularExpression)
        text = text.replacingOccurrences(of: #"//[^\n]*"#, with: "", options: .regularExpression)
        return text.replacingOccurrences(of: #""(?:[^"\\\n]|\\.)*""#, with: "\"\"", options: .regularExpression)
    }

    static func matches(_ pattern: String, in text: String, group: Int = 0) -> [String] {
        let expression = try! NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: group), in: text).map { String(text[$0]) }
        }
    }

    /// Uses of a folder above the user's layer: "Folder → Other: Type".
    static func upwardUses() throws -> [String] {
        let files = try files()
        var declared: [String: Set<String>] = [:]  // folder → type names, nested ones too
        var owners: [String: Set<String>] = [:]  // top-level type name → folders declaring it
        var sources: [(folder: String, code: String)] = []
        for (folder, path) in files {
            let code = Self.code(try String(contentsOfFile: path, encoding: .utf8))
            sources.append((folder, code))
            let declaration = #"(?:public |package |internal |fileprivate |private )?(?:final )?(?:indirect )?(?:class|struct|enum|protocol|actor|typealias)\s+([A-Z]\w*)"#
            // Top-level types belong to their folder; nested ones (a `Token` in `Config.API`) are
            // only names the folder uses for its own.
            for name in matches("^" + declaration, in: code, group: 1) { owners[name, default: []].insert(folder) }
            declared[folder, default: []].formUnion(matches(#"^\s*"# + declaration, in: code, group: 1))
        }
        var found: Set<String> = []
        for (folder, code) in sources {
            guard let own = layer(of: folder) else {
                found.insert("\(folder) is in no layer")
                continue
            }
            for name in Set(matches(#"\b[A-Z]\w*\b"#, in: code)) {
                // A name the folder declares itself (a nested `Token`, say) is its own.
                guard let folders = owners[name], !folders.contains(folder), declared[folder]?.contains(name) != true else {
                    continue
                }
                for other in folders where (layer(of: other) ?? .max) > own {
                    found.insert("\(folder) → \(other): \(name)")
                }
            }
        }
        return found.sorted()
    }

    @Test func everyFolderIsInALayerAndUsesOnlyItsOwnOrLower() throws {
        let folders = Set(try Self.files().map(\.folder))
        #expect(folders.count > 20)
        for folder in folders { #expect(Self.layer(of: folder) != nil, "\(folder) is in no layer") }
        let upward = try Self.upwardUses()
        #expect(upward.isEmpty, "\(upward.joined(separator: "; "))")
    }

    /// The targets cut the layers: every folder of a lower target is in a lower layer than every
    /// folder of a higher one, so what the compiler holds and what this test holds agree.
    @Test func theTargetsCutTheLayers() throws {
        let root = Self.sources.path + "/"
        var layersOf: [String: Set<Int>] = [:]  // target → the layers of its folders
        for (folder, path) in try Self.files() {
            let target = String(path.dropFirst(root.count).prefix { $0 != "/" })
            layersOf[target, default: []].insert(try #require(Self.layer(of: folder)))
        }
        #expect(Set(layersOf.keys) == Set(Self.targets.map(\.name)))
        for (lower, higher) in zip(Self.targets, Self.targets.dropFirst()) {
            let below = try #require(layersOf[lower.name]).max()!, above = try #require(layersOf[higher.name]).min()!
            #expect(below < above, "\(lower.name) reaches layer \(below), \(higher.name) starts at \(above)")
        }
    }

    /// The reader itself: a use in a string or a comment is none; a use in code is found.
    @Test func theReaderSeesCodeNotProse() {
        let code = Self.code(#"let a = "Store" // uses Store\nlet b = Verifier()"#.replacingOccurrences(of: "\\n", with: "\n"))
        #expect(Self.matches(#"\b[A-Z]\w*\b"#, in: code) == ["Verifier"])
    }
}

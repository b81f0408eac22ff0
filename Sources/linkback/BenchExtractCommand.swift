import ArgumentParser
import Foundation
import LinkbackKit

/// `linkback bench-extract`: how fast verification reads pages, against libxml2's bare parse of
/// the same bytes. `benchmarks/run.sh` runs it over a generated corpus; no network, no store.
struct BenchExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-extract",
        abstract: "Measure extraction speed (link check, microformats, sanitising) over local HTML files.",
        discussion: """
            Reads every .html file named (directories are searched), then for about SECONDS each runs \
            libxml2's parse alone and Linkback's whole check of a fetched page (parse, exact link \
            check, microformats, sanitising) over them, one thread, and prints MB/s for both and \
            their ratio. Used by benchmarks/run.sh; see BENCHMARKS.md.
            """,
        shouldDisplay: false
    )

    @Option(help: "The target URL the pages should link to.")
    var target = "https://blog.example/posts/1"

    @Option(help: "Seconds to spend on each measurement.")
    var seconds = 3.0

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Argument(help: "HTML files, or directories holding them.")
    var paths: [String]

    struct Result: Encodable {
        var files: Int
        var bytes: Int
        var linksFound: Int
        var parseMBPerSecond: Double
        var extractionMBPerSecond: Double
        var ratio: Double
    }

    func run() throws {
        let pages = try Self.pages(paths)
        guard !pages.isEmpty else { throw ValidationError("no .html files in \(paths.joined(separator: " "))") }
        guard let targetURL = URL(string: target) else { throw ValidationError("\(target): not a URL") }
        let bytes = pages.reduce(0) { $0 + $1.body.count }
        let verifier = Verifier(config: .defaults)
        let linksFound = pages.filter {
            if case .linkFound = verifier.check($0, target: targetURL) { return true } else { return false }
        }.count
        let parse = Self.throughput(pages, seconds: seconds) { _ = HTMLDocument.parseOnly($0.body) }
        let extraction = Self.throughput(pages, seconds: seconds) { _ = verifier.check($0, target: targetURL) }
        let result = Result(
            files: pages.count, bytes: bytes, linksFound: linksFound, parseMBPerSecond: parse,
            extractionMBPerSecond: extraction, ratio: parse > 0 ? extraction / parse : 0)
        if json {
            Output.json(result)
        } else {
            print("corpus: \(pages.count) files, \(bytes / 1024) KB, a link to the target in \(linksFound)")
            print(String(format: "libxml2 parse alone:                                  %8.1f MB/s", parse))
            print(String(format: "Linkback check (parse, link, microformats, sanitise): %8.1f MB/s (%.2f of the parse)", extraction, result.ratio))
        }
    }

    /// MB/s over the corpus, repeating it until `seconds` have passed (at least once).
    static func throughput(_ pages: [FetchedResource], seconds: Double, _ work: (FetchedResource) -> Void) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        var processed = 0
        repeat {
            for page in pages {
                work(page)
                processed += page.body.count
            }
        } while clock.now - start < .milliseconds(Int(seconds * 1000))
        let elapsed = clock.now - start
        let elapsedSeconds = elapsed.inSeconds
        return Double(processed) / 1_048_576 / elapsedSeconds
    }

    /// Every `.html` file under `paths`, in name order, as fetched pages of `https://source.example/`.
    static func pages(_ paths: [String]) throws -> [FetchedResource] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError("\(path): no such file or directory")
            }
            if isDirectory.boolValue {
                let names = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
                files += names.filter { $0.hasSuffix(".html") }.sorted().map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        return try files.map { file in
            let body = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            let name = URL(fileURLWithPath: file).lastPathComponent
            return FetchedResource(
                url: URL(string: "https://source.example/\(name)")!, status: 200, mediaType: "text/html", charset: nil,
                body: body)
        }
    }
}

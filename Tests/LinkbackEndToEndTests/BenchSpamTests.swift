import Foundation
import LinkbackTestSupport
import Testing

/// `make bench-spam`'s two parts on a small corpus: the generator and `linkback bench-spam` run,
/// and copies of posts are held while genuine mentions are not (the quality claim BENCHMARKS.md
/// measures at full size; no timing is asserted).
@Suite struct BenchSpamTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theCorpusIsMeasuredAndCopiesAreHeldWithoutGenuineMentions() async throws {
        let directory = try TemporaryDirectory("bench-spam")
        defer { directory.remove() }
        let generator = Self.repository.appendingPathComponent("benchmarks/spam_corpus.py").path
        let corpus = directory.file("corpus")
        let generated = try await Command.run("/usr/bin/python3", [generator, corpus, "--posts", "8", "--seed", "3"])
        #expect(generated.status == 0, "\(generated.stderr)")
        let measured = try await LinkbackProcess.run(["bench-spam", corpus, "--json"], timeout: 120)
        #expect(measured.status == 0, "\(measured.stderr)")
        let result = try #require(JSON.object(measured.stdout), "\(measured.stdout)")
        let classes = try #require(result["classes"] as? [[String: Any]])
        func held(_ name: String) -> (Int, Int)? {
            classes.first { $0["name"] as? String == name }.map { ($0["held"] as? Int ?? -1, $0["mentions"] as? Int ?? -1) }
        }
        let copies = try #require(held("scraper-copy"))
        #expect(copies.1 > 0 && copies.0 == copies.1, "every whole copy is held: \(copies)")
        for genuine in classes where genuine["spam"] as? Bool == false {
            #expect(genuine["held"] as? Int == 0, "\(genuine)")
        }
        #expect((result["mentions"] as? Int ?? 0) > 50)
    }
}

/// `make bench-instructions`' work: every path of `linkback bench-paths` does what it names (a
/// refusal, a fault, a rejection line, a found link) the number of times asked; callgrind counts it.
@Suite struct BenchPathsTests {
    @Test func everyPathRunsItsWorkTheTimesAsked() async throws {
        let page = BenchSpamTests.repository.appendingPathComponent("benchmarks/source.html").path
        // What each pass returns, summed: the answer's size (bytes of a fault or message) or 1 per link found.
        for (path, extra) in [("php", []), ("malformed", []), ("nonsense", []), ("accept", []), ("verify", ["--page", page]),
            ("score", ["--page", page])]
        {
            let run = try await LinkbackProcess.run(["bench-paths", path, "--passes", "3"] + extra, timeout: 60)
            #expect(run.status == 0, "\(path): \(run.stderr)")
            let summed = run.stdout.split(separator: "(").last.flatMap { Int($0.prefix { $0.isNumber }) }
            #expect(run.stdout.hasPrefix("\(path): 3 passes"), "\(run.stdout)")
            if path == "verify" { #expect(summed == 3, "\(run.stdout)") }
            if ["php", "malformed", "nonsense", "accept"].contains(path) { #expect((summed ?? 0) > 0, "\(path): \(run.stdout)") }
        }
        let refused = try await LinkbackProcess.run(["bench-paths", "verify", "--passes", "1"], timeout: 60)
        #expect(refused.status != 0 && refused.stderr.contains("needs --page"), "\(refused.stderr)")
    }
}

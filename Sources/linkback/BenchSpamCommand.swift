import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit
import LinkbackStore

/// `linkback bench-spam`: how well the content signals tell spam that links from genuine
/// mentions, over a labelled corpus (`benchmarks/spam_corpus.py`), and what they cost. Each
/// mention is checked as the queue would (link check and extraction, copy detection against the
/// post and the fingerprints stored so far, the spam score with its built-in prior and nothing
/// learnt, as on the first day, the write), in arrival order, into a throwaway SQLite
/// file; the posts are served from the corpus, nothing goes to the network.
struct BenchSpamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-spam",
        abstract: "Measure spam detection (held or not) over a labelled corpus.",
        discussion: "Used by `make bench-spam`; see BENCHMARKS.md.",
        shouldDisplay: false)

    @Argument(help: "The corpus directory (corpus.json, posts/, pages/).")
    var corpus: String

    @Flag(help: "Print the result as JSON.")
    var json = false

    struct Manifest: Decodable {
        struct Entry: Decodable {
            var `class`: String
            var spam: Bool
            var source: String
            var target: String
            var page: String
        }
        var posts: [String]
        var mentions: [Entry]
    }

    struct ClassResult: Encodable {
        var name: String
        var spam: Bool
        var mentions: Int
        var held: Int
    }

    struct Result: Encodable {
        var mentions: Int
        var classes: [ClassResult]
        /// Of the mentions held, the share that is spam.
        var precision: Double
        /// Of the spam, the share held.
        var recall: Double
        /// Of the genuine mentions, the share held.
        var falsePositiveRate: Double
        /// Microseconds per mention: the link check and extraction, the content signals, and the write.
        var checkMicroseconds: Double
        var signalsMicroseconds: Double
        /// Of the content signals, the spam score's share.
        var scoreMicroseconds: Double
        var writeMicroseconds: Double
    }

    /// Serves the corpus's posts, as the guarded fetcher would serve the blog's.
    struct CorpusFetcher: SourceFetching {
        let posts: [String: [UInt8]]
        func fetch(_ url: URL) async throws(FetchFailure) -> FetchedResource {
            guard let body = posts[url.absoluteString] else { throw .notFound(status: 404) }
            return FetchedResource(url: url, status: 200, mediaType: "text/html", charset: "utf-8", body: body)
        }
    }

    func run() async throws {
        let root = URL(fileURLWithPath: corpus)
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: root.appendingPathComponent("corpus.json")))
        var posts: [String: [UInt8]] = [:]
        for (index, url) in manifest.posts.enumerated() {
            posts[url] = try [UInt8](Data(contentsOf: root.appendingPathComponent("posts/\(index).html")))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("linkback-bench-spam-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteMentionStore(path: directory.appendingPathComponent("bench.sqlite").path, synchronous: .normal)
        let detector = CopyDetector(settings: Config.defaults.spam.copyDetection, store: store, fetcher: CorpusFetcher(posts: posts))
        // Day one: the score's built-in prior alone, nothing learnt from decisions.
        let scorer = SpamScorer(settings: Config.defaults.spam.score, store: store)
        let verifier = Verifier(config: .defaults)
        let clock = ContinuousClock()
        var checking = Duration.zero, signalling = Duration.zero, scoringTime = Duration.zero, writing = Duration.zero
        var counts: [String: (spam: Bool, mentions: Int, held: Int)] = [:]
        for entry in manifest.mentions {
            guard let source = URL(string: entry.source), let target = URL(string: entry.target) else { continue }
            let page = FetchedResource(
                url: source, status: 200, mediaType: "text/html", charset: "utf-8",
                body: try [UInt8](Data(contentsOf: root.appendingPathComponent("pages/\(entry.page)"))))
            let started = clock.now
            let outcome = verifier.check(page, target: target)
            checking += clock.now - started
            var held = false
            if case .linkFound(let content, let text) = outcome {
                let judging = clock.now
                let copies = await detector.signals(
                    source: entry.source, target: entry.target, text: text.shingles, type: content.type, mentionID: nil, now: Date())
                let scoring = clock.now
                let traits = text.traits + (await detector.languageTrait(source: text.traits, target: entry.target))
                let signals = await scorer.score(copies, source: entry.source, protocol: .webmention, content: content, traits: traits)
                let judged = clock.now
                scoringTime += judged - scoring
                held = !signals.reasons.isEmpty
                _ = try await store.storeVerified(
                    IncomingMention(source: entry.source, target: entry.target, site: "blog.example", protocol: .webmention),
                    status: signals.isSpam ? .spam : held ? .pending : .approved, content: content, signals: signals,
                    actor: .server)
                signalling += judged - judging
                writing += clock.now - judged
            }
            counts[entry.class, default: (entry.spam, 0, 0)].mentions += 1
            if held { counts[entry.class, default: (entry.spam, 0, 0)].held += 1 }
        }
        try await store.close()
        let classes = counts.map { ClassResult(name: $0.key, spam: $0.value.spam, mentions: $0.value.mentions, held: $0.value.held) }
            .sorted { ($0.spam ? 0 : 1, $0.name) < ($1.spam ? 0 : 1, $1.name) }
        let spam = classes.filter(\.spam), genuine = classes.filter { !$0.spam }
        let truePositives = spam.map(\.held).reduce(0, +), falsePositives = genuine.map(\.held).reduce(0, +)
        let spamTotal = spam.map(\.mentions).reduce(0, +), genuineTotal = genuine.map(\.mentions).reduce(0, +)
        func micros(_ duration: Duration) -> Double {
            duration.inSeconds * 1e6 / Double(max(1, manifest.mentions.count))
        }
        let result = Result(
            mentions: manifest.mentions.count, classes: classes,
            precision: truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives),
            recall: spamTotal == 0 ? 1 : Double(truePositives) / Double(spamTotal),
            falsePositiveRate: genuineTotal == 0 ? 0 : Double(falsePositives) / Double(genuineTotal),
            checkMicroseconds: micros(checking), signalsMicroseconds: micros(signalling), scoreMicroseconds: micros(scoringTime),
            writeMicroseconds: micros(writing))
        if json {
            Output.json(result)
            return
        }
        print("corpus: \(result.mentions) mentions (\(spamTotal) spam, \(genuineTotal) genuine)")
        for item in classes {
            print("  \(item.spam ? "spam   " : "genuine") \(Terminal.pad(item.name, 16)) \(item.held)/\(item.mentions) held")
        }
        print(String(format: "held or spam: precision %.3f, recall %.3f; genuine held: %.2f %%", result.precision, result.recall, result.falsePositiveRate * 100))
        print(String(
            format: "cost per mention: %.0f µs link check and extraction, %.0f µs content signals (of which %.0f µs the spam score), "
                + "%.0f µs the write (one transaction each)",
            result.checkMicroseconds, result.signalsMicroseconds, result.scoreMicroseconds, result.writeMicroseconds))
    }
}

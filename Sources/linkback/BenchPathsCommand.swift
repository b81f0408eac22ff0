import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit

/// `linkback bench-paths`: one request path's own work done a fixed number of times, in-process,
/// for `make bench-instructions` to count with callgrind (`--toggle-collect` on ``once(_:)``).
/// No sockets: valgrind 3.19 (Debian 12) stops at the server's start (see BENCHMARKS.md).
struct BenchPathsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-paths",
        abstract: "Run one request path's own work a fixed number of times (for an instruction counter).",
        discussion: """
            PATH is php (a pingback from PHP/5.2.10 refused and logged), malformed (a truncated \
            XML-RPC body: fault and log line), nonsense (a webmention with source=nonsense: refused and \
            logged), accept (a valid webmention's checks), verify (the check of PAGE, a fetched HTML \
            file), unlinked (the check of PAGE for a target it does not link to: the spam that carries \
            no link), score (the spam score of PAGE's mention) or fingerprint (copy detection's MinHash \
            of PAGE's text). Rejections are logged to a temporary file. Used by \
            benchmarks/instructions.sh; see BENCHMARKS.md.
            """,
        shouldDisplay: false
    )

    enum Path: String, ExpressibleByArgument, CaseIterable {
        case php, malformed, nonsense, accept, verify, unlinked, score, fingerprint
    }

    @Argument(help: "The path: php, malformed, nonsense, accept, verify, unlinked, score or fingerprint.")
    var path: Path

    @Option(help: "How many times.")
    var passes = 20

    @Option(help: "The page for verify, score and fingerprint (an HTML file linking to --target), or unlinked (one that does not).")
    var page: String?

    @Option(help: "The target URL.")
    var target = "https://blog.example/posts/1"

    /// What one pass does, set up once.
    struct Work {
        let run: (Int) -> Int
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("linkback-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let work = try prepare(logIn: directory)
        var check = 0
        for pass in 0..<passes { check &+= Self.once(work, pass) }
        print("\(path.rawValue): \(passes) passes (\(check))")
    }

    /// One pass: what callgrind counts.
    @inline(never)
    static func once(_ work: Work, _ pass: Int) -> Int { work.run(pass) }

    private func prepare(logIn directory: URL) throws -> Work {
        let recorder = RejectionRecorder(
            log: try RejectionLog(destination: directory.appendingPathComponent("rejections.log").path),
            bans: BanList(threshold: 0, windowMinutes: 10, banMinutes: 60))
        let client = IPAddress("203.0.113.5")!
        let truncated = Array(#"<?xml version="1.0"?><methodCall><methodName>pingback.ping</methodName><params>"#.utf8)
        let check = MentionCheck(sites: [HostPort(host: "blog.example", port: nil)])
        switch path {
        case .php:
            let spam = SpamGuard(config: Config.defaults.spam)
            return Work { _ in
                guard let refusal = spam.admit(client, userAgent: "PHP/5.2.10") else { return 0 }
                recorder.record(Rejection(protocol: .pingback, clientIP: client, reason: refusal.reason, userAgent: "PHP/5.2.10"))
                return XMLRPCEncoder.fault(XMLRPCFault(PingbackService.accessDenied, refusal.message)).utf8.count
            }
        case .malformed:
            return Work { _ in
                do throws(XMLRPCFault) {
                    _ = try XMLRPCDecoder.decode(truncated)
                    return 0
                } catch {
                    recorder.record(
                        Rejection(protocol: .pingback, clientIP: client, reason: .malformedXML, userAgent: "Mozilla/5.0 (benchmark)"))
                    return XMLRPCEncoder.fault(error).utf8.count
                }
            }
        case .nonsense:
            return Work { _ in
                guard case .failure(let failure) = check.check(source: "nonsense", target: target) else { return 0 }
                recorder.record(
                    Rejection(protocol: .webmention, clientIP: client, reason: failure.rejectionReason, source: "nonsense",
                        target: target))
                return failure.message.utf8.count
            }
        case .accept:
            return Work { pass in
                guard case .success(let pair) = check.check(source: "http://127.0.0.1:8090/src/\(pass)", target: target) else { return 0 }
                return pair.source.absoluteString.utf8.count
            }
        case .verify, .unlinked, .score, .fingerprint:
            guard let page else { throw ValidationError("\(path.rawValue) needs --page") }
            guard let targetURL = URL(string: target) else { throw ValidationError("\(target): not a URL") }
            let resource = FetchedResource(
                url: URL(string: "https://source.example/page")!, status: 200, mediaType: "text/html", charset: nil,
                body: try [UInt8](Data(contentsOf: URL(fileURLWithPath: page))))
            let verifier = Verifier(config: .defaults)
            if path == .unlinked {
                guard case .noLink = verifier.check(resource, target: targetURL) else {
                    throw ValidationError("\(page) is not a page without a link to \(target)")
                }
                return Work { _ in
                    if case .noLink = verifier.check(resource, target: targetURL) { return 1 }
                    return 0
                }
            }
            guard case .linkFound(let content, let text) = verifier.check(resource, target: targetURL) else {
                throw ValidationError("\(page) does not link to \(target)")
            }
            if path == .fingerprint {
                // The text's shingles are the verification's (counted there); this is the MinHash alone.
                return Work { _ in TextFingerprint(text.shingles, minimum: 1)?.shingles ?? 0 }
            }
            if path == .verify {
                return Work { _ in
                    if case .linkFound = verifier.check(resource, target: targetURL) { return 1 }
                    return 0
                }
            }
            return Work { _ in
                let tokens = SpamFeatures.tokens(source: "https://source.example/page", protocol: .webmention, content: content)
                return SpamModel.score(tokens: tokens, learned: [:], documents: SpamModel.Counts()).reasons.count
            }
        }
    }
}

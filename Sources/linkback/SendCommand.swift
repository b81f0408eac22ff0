import ArgumentParser
import Foundation
import LinkbackCore
import Logging

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send webmentions (or pingbacks) for one of your own posts.",
        discussion: """
            Fetches SOURCE, collects the links of its h-entry (else of the whole page), discovers each \
            target's endpoint as the Webmention Recommendation requires (falling back to pingback) and sends, \
            through the same guarded fetcher as verification (fetch.* limits; add your own site to \
            fetch.allow_hosts if it is on a private address). Run it again after editing the post: every \
            target it links to now, and every one it linked to before, is sent again, so receivers update or \
            delete. Sends that meet a 429, a 5xx or network trouble stay in the outbox in the database and \
            are retried by a running `linkback serve` (send.max_attempts, send.retry_base_seconds). Exits 1 \
            when a send failed for good.
            """
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: "The URL of your post.")
    var source: String

    @Flag(help: "Only print each link's endpoints; send nothing, store nothing.")
    var dryRun = false

    @Flag(help: "Only print how SOURCE's sends went so far (retries included); fetch and send nothing.")
    var status = false

    func run() async throws {
        let failed = try await Self.reportingFailures { () async throws -> Bool in
            let config = try store.loadConfig()
            let url: URL
            switch SendService.sourceURL(source) {
            case .success(let parsed): url = parsed
            case .failure(let error): throw Failure(error.description)
            }
            let mentions = try await store.openStore()
            // The results are printed; the service's log lines are for the server.
            var logger = Logger(label: "linkback.send")
            logger.logLevel = .warning
            let service = SendService(config: config, store: mentions, logger: logger)
            do {
                if dryRun {
                    let found = try await service.dryRun(source: url).map { DiscoveryRecord(target: $0.target, endpoints: $0.endpoints) }
                    if store.json {
                        Output.json(found)
                    } else if found.isEmpty {
                        print("\(url.absoluteString) links to nothing to send to.")
                    } else {
                        let width = min(60, found.map(\.target.count).max() ?? 0)
                        for record in found { print("\(Terminal.pad(record.target, width))  \(record.summary)") }
                    }
                    return false
                }
                if !status {
                    let planned = try await service.plan(source: url)
                    let progress = Progress(total: planned.count, label: "sending")
                    try await service.sendDue(source: url.absoluteString, progress: { _, _ in progress.step() })
                }
                let sends = try await mentions.sends(source: url.absoluteString, limit: 10_000).sorted { $0.target < $1.target }
                if store.json {
                    Output.json(sends.map(SendRecord.init))
                } else if sends.isEmpty {
                    print(status ? "Nothing was sent for \(url.absoluteString)." : "\(url.absoluteString) links to nothing to send to.")
                } else {
                    let width = min(60, sends.map(\.target.count).max() ?? 0)
                    for send in sends {
                        let removed = send.linked ? "" : "(link removed) "
                        print("\(Terminal.pad(send.target, width))  \(removed)\(send.result ?? send.state.rawValue)")
                    }
                    if sends.contains(where: { $0.state == .queued }) {
                        print("Sends marked 'will retry' stay in the outbox; a running `linkback serve` retries them.")
                    }
                }
                return sends.contains { $0.state == .failed }
            } catch let error as SendError {
                throw Failure(error.description)
            }
        }
        if failed { throw ExitCode.failure }
    }
}

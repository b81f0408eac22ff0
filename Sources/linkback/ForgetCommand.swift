import ArgumentParser
import Foundation
import LinkbackCore
import LinkbackKit

struct ForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erase everything of a domain or an author (their right to erasure).",
        discussion: """
            SUBJECT is a domain (its subdomains too: every mention whose source is on it) or an author's URL \
            (every mention whose author is that URL). Each mention keeps only a stub (its id, target and status \
            URL, as deleted with reason "forgotten"); its source, content, author, client address, fingerprint, \
            history reasons, webhook deliveries and notifications are erased, and those readers saw are announced \
            as deleted (webhooks, the changes feed). A SHA-256 key of the subject is kept, never the name, and \
            refuses their re-sends. SQLite's file is rewritten (VACUUM) so the names are no longer in it. \
            --dry-run lists what would go.
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: "A domain, or an author's http(s) URL.") var subject: String
    @Flag(name: .customLong("dry-run"), help: "Only list the mentions that would be erased.") var dryRun = false

    func run() async throws {
        try await Self.reportingFailures {
            let report: ModerationService.ForgetReport
            do {
                let avatars = try store.loadConfig().avatars
                report = try await ModerationService(store: store.openStore(), actor: .cli)
                    .forget(subject, dryRun: dryRun, avatars: avatars.proxy ? avatars.directory : nil)
            } catch let error as ModerationError {
                throw ValidationError(error.description)
            }
            if store.json {
                Output.json(report)
                return
            }
            let count = "\(report.ids.count) mention\(report.ids.count == 1 ? "" : "s")"
            let of = report.kind == "domain" ? "from \(report.subject)" : "by \(report.subject)"
            if report.dryRun {
                print(report.ids.isEmpty ? "no mentions \(of); forgetting would only refuse its re-sends" : "would forget \(count) \(of):")
                for (id, source) in zip(report.ids, report.sources ?? []) { print("  \(id)  \(source)") }
            } else {
                let shown = report.visible == 1 ? "1 was shown and is" : "\(report.visible) were shown and are"
                print("forgot \(count) \(of)" + (report.ids.isEmpty ? "" : " (ids \(report.ids.map(String.init).joined(separator: ", ")))")
                    + (report.visible > 0 ? "; \(shown) announced as deleted" : "") + "; re-sends are refused")
            }
        }
    }
}

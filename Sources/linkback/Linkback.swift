import ArgumentParser
import LinkbackCore

@main
struct Linkback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linkback",
        abstract: "A hardened pingback and webmention receiver.",
        discussion: """
            Receives pingbacks (XML-RPC) and webmentions, verifies that the source really links to the \
            target, stores mentions in SQLite and writes one fail2ban-parsable line per rejected request.
            """,
        version: LinkbackVersion.string,
        subcommands: [ServeCommand.self, CheckConfigCommand.self, VerifyCommand.self]
    )
}


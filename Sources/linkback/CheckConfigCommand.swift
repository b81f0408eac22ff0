import ArgumentParser

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and print the effective values (secrets masked).",
        discussion: """
            Reads the file, applies LINKBACK_* environment overrides and prints every key with its effective \
            value. Exits 1 with a message naming the file, the key and the problem when anything is wrong.
            """
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await Self.reportingFailures {
            let config = try options.load()
            print(config.describe())
        }
    }
}

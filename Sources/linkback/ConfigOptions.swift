import ArgumentParser
import Foundation
import LinkbackKit

/// `--config PATH`, shared by every subcommand that reads the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The YAML configuration file.",
            discussion: "Default: $LINKBACK_CONFIG, else config/linkback.yaml in the working directory, else /etc/linkback/linkback.yaml.",
            valueName: "path"))
    var config: String?

    /// The file the configuration is read from.
    var path: String { ConfigLoader.path(explicit: config, environment: ProcessInfo.processInfo.environment) }

    /// Loads the effective configuration, or prints one line to stderr and exits 1.
    func load() throws -> Config {
        let environment = ProcessInfo.processInfo.environment
        let path = self.path
        do {
            return try ConfigLoader.load(path: path, environment: environment)
        } catch {
            throw Failure("\(error)")
        }
    }
}

/// A refusal the user must read: printed as one `linkback: …` line on stderr, exit status 1.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ParsableCommand {
    /// Runs `body`, turning a ``Failure`` into its one line on stderr and exit status 1.
    static func reportingFailures<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let failure as Failure {
            FileHandle.standardError.write(Data("linkback: \(failure.description)\n".utf8))
            throw ExitCode.failure
        }
    }
}

import ArgumentParser
import Foundation
import LinkbackKit

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check an installation: configuration, database, log, fail2ban, the server and the proxy in front.",
        discussion: """
            Prints ✓, ✗ (with the fix) or – (not checked) per line; exits 1 if anything failed. Run it on the server, \
            as root or as the service user, after `systemctl start linkback`. Nothing is written or migrated.
            """)

    @OptionGroup var options: ConfigOptions
    @Option(help: ArgumentHelp("The fail2ban filter to try the log format with.", valueName: "path"))
    var fail2banFilter: String?
    @Option(help: ArgumentHelp("fail2ban-client's socket, for a fail2ban that is not the system's.", valueName: "path"))
    var fail2banSocket: String?
    @Option(help: ArgumentHelp("A blog page to check for the discovery headers (repeatable).", valueName: "url"))
    var page: [String] = []
    @Flag(help: "Print the checks as JSON.") var json = false

    func run() async throws {
        let path = ConfigLoader.path(explicit: options.config, environment: ProcessInfo.processInfo.environment)
        let checks: [DoctorCheck]
        do {
            let config = try options.load()
            let doctor = Doctor(
                config: config, configPath: path,
                options: Doctor.Options(
                    fail2banFilter: fail2banFilter, fail2banSocket: fail2banSocket, sharedFiles: InstalledFiles.shared,
                    pages: page))
            checks = await doctor.run()
        } catch {
            checks = [DoctorCheck(
                name: "configuration", state: .failed, message: "\(error)",
                fix: "correct it (linkback check-config shows the effective values)")]
        }
        if json {
            Output.json(checks)
        } else {
            for check in checks { print(Self.line(check)) }
        }
        if checks.contains(where: { $0.state == .failed }) { throw ExitCode.failure }
    }

    static func line(_ check: DoctorCheck) -> String {
        let (mark, colour) = switch check.state {
        case .ok: ("✓", "approved")
        case .failed: ("✗", "rejected")
        case .skipped: ("–", "deleted")
        }
        var text = Terminal.paint(mark, colour) + " \(check.name): \(check.message)"
        if let fix = check.fix { text += "\n    fix: \(fix)" }
        return text
    }
}

import Foundation

/// The real `linkback` executable, run as a child process with captured output.
public final class LinkbackProcess: @unchecked Sendable {
    /// The `linkback` binary built next to the test bundle.
    public static var binaryPath: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On macOS the tests run inside an .xctest bundle.
        while directory.path.contains(".xctest") { directory = directory.deletingLastPathComponent() }
        return directory.appendingPathComponent("linkback").path
    }

    /// Under `make sanitize` a child is instrumented too: the sanitizers' settings for it, so its
    /// reports go where the runner's do (empty otherwise). The runner does not check itself for
    /// leaks; the linkback processes are checked (`LINKBACK_CHILD_ASAN_OPTIONS`).
    public static var sanitizerEnvironment: [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        var env: [String: String] = [:]
        for key in ["TSAN_OPTIONS", "ASAN_OPTIONS", "LSAN_OPTIONS", "SWIFT_BACKTRACE"] {
            if let value = inherited[key] { env[key] = value }
        }
        if let options = inherited["LINKBACK_CHILD_ASAN_OPTIONS"] { env["ASAN_OPTIONS"] = options }
        return env
    }

    private let process: Process
    /// Where the child's stdout and stderr go: files, not pipes. A pipe's reader was not always
    /// handed the last of a large output before the test read it (a 300-mention export once
    /// arrived cut short on a loaded machine), and end of file never comes while a child another
    /// test spawned meanwhile holds a copy of the pipe. A file holds everything once the child exits.
    private let outputPath: String
    private let errorsPath: String

    /// Starts `linkback ARGUMENTS` with `environment` added to a minimal environment; through
    /// `launcher` (say `prlimit --nofile=200:200 --`) when given.
    public init(
        _ arguments: [String], environment: [String: String] = [:], directory: String? = nil, launcher: [String] = []
    ) throws {
        process = Process()
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [Self.binaryPath] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binaryPath)
            process.arguments = arguments
        }
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        env.merge(Self.sanitizerEnvironment) { _, new in new }
        env.merge(environment) { _, new in new }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let base = NSTemporaryDirectory() + "linkback-process-\(UUID().uuidString)"
        outputPath = base + ".stdout"
        errorsPath = base + ".stderr"
        for path in [outputPath, errorsPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let stdout = FileHandle(forWritingAtPath: outputPath)!
        let stderr = FileHandle(forWritingAtPath: errorsPath)!
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Runs `linkback ARGUMENTS` to completion.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: String? = nil, timeout: Double = 30
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try LinkbackProcess(arguments, environment: environment, directory: directory)
        let status = try await child.waitForExit(timeout: timeout)
        return (status, child.stdout, child.stderr)
    }

    public var stdout: String { Self.read(outputPath) }
    public var stderr: String { Self.read(errorsPath) }

    private static func read(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: outputPath)
        try? FileManager.default.removeItem(atPath: errorsPath)
    }
    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    /// Waits until stderr shows `listening on http://HOST:PORT` and returns the port.
    public func waitForListening(timeout: Double = 20) async throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let range = stderr.range(of: #"listening on http://[^ \n]*:(\d+)"#, options: .regularExpression) {
                let match = stderr[range]
                if let colon = match.lastIndex(of: ":"), let port = Int(match[match.index(after: colon)...]) {
                    return port
                }
            }
            if !process.isRunning { throw ProcessFailure("exited before listening:\n\(stderr)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProcessFailure("not listening after \(timeout) s:\n\(stderr)")
    }

    public func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the process to exit and returns its status; kills it after `timeout`.
    @discardableResult
    public func waitForExit(timeout: Double = 30) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                kill(process.processIdentifier, SIGKILL)
                throw ProcessFailure("did not exit within \(timeout) s:\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Returns at once now; without it Foundation's Process keeps itself alive (LeakSanitizer).
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Stops the process if it still runs (for test clean-up).
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

public struct ProcessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

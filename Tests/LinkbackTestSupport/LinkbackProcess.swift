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

    private let process: Process
    private let output = Locked(Data())
    private let errors = Locked(Data())

    /// Starts `linkback ARGUMENTS` with `environment` added to a minimal environment.
    public init(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        env.merge(environment) { _, new in new }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let output = self.output
        let errors = self.errors
        // At end of file the handler would be called again and again with no data (a busy loop
        // that starves everything else on two cores): it removes itself then.
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty { handle.readabilityHandler = nil }
            output.withLock { $0.append(chunk) }
        }
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty { handle.readabilityHandler = nil }
            errors.withLock { $0.append(chunk) }
        }
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

    public var stdout: String { output.withLock { String(decoding: $0, as: UTF8.self) } }
    public var stderr: String { errors.withLock { String(decoding: $0, as: UTF8.self) } }
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
        // Let the pipe handlers drain what is left.
        try await Task.sleep(for: .milliseconds(50))
        return process.terminationStatus
    }

    /// Stops the process if it still runs (for test clean-up).
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

public struct ProcessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

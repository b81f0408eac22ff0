import Foundation

/// Runs an external program (fail2ban, Apache, Python helpers) on a thread of its own, so the
/// cooperative pool that serves in-process fixture servers is never blocked.
public enum Command {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `executable ARGUMENTS` (looked up on PATH) with `input` on stdin.
    public static func run(_ executable: String, _ arguments: [String], input: String = "") async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(executable, arguments, input: input) })
            }
        }
    }

    /// Like ``run(_:_:input:)`` but throws unless the exit status is 0.
    @discardableResult
    public static func check(_ executable: String, _ arguments: [String], input: String = "") async throws -> Output {
        let output = try await run(executable, arguments, input: input)
        guard output.status == 0 else {
            throw FixtureFailure("\(executable) \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)\(output.stdout)")
        }
        return output
    }

    /// ``run(_:_:input:)`` on the calling thread (for clean-up in `defer`, where nothing can be awaited).
    public static func runBlocking(_ executable: String, _ arguments: [String], input: String = "") throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = (environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        process.environment = environment
        // Output goes to files, not pipes: a daemon the command starts (apache2 -k start) keeps
        // its inherited descriptors open, and a pipe would then never reach end of file.
        let outputs = try TemporaryDirectory("command")
        defer { outputs.remove() }
        let stdoutPath = try outputs.write("stdout", "")
        let stderrPath = try outputs.write("stderr", "")
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
    }
}

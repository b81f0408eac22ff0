import Foundation

/// Runs a Python helper script (real third-party clients such as `xmlrpc.client`).
public enum Python {
    /// Runs `python3 SCRIPT ARGUMENTS` with `input` on stdin; returns stdout, failing on a non-zero
    /// exit. The waiting happens on a thread of its own: blocking the (two-thread) cooperative pool
    /// would starve the in-process fixture servers the script talks to.
    public static func run(_ script: String, _ arguments: [String], input: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(script, arguments, input: input) })
            }
        }
    }

    private static func runBlocking(_ script: String, _ arguments: [String], input: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureFailure("python3 \(script) failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Runs a Python helper script (real third-party clients such as `xmlrpc.client`).
public enum Python {
    /// Runs `python3 SCRIPT ARGUMENTS` with `input` on stdin; returns stdout, failing on a non-zero exit.
    public static func run(_ script: String, _ arguments: [String], input: String) async throws -> String {
        try await Command.check("python3", [script] + arguments, input: input).stdout
    }
}

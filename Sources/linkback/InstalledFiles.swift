import Foundation

/// Where `make install` put the shared files: `PREFIX/share/linkback`, beside the running binary
/// (`PREFIX/bin/linkback`); `nil` when there is none (a checkout, a test build).
enum InstalledFiles {
    static var shared: String? {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let shared = executable.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/linkback").path
        return FileManager.default.fileExists(atPath: shared) ? shared : nil
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where rejection lines go: an appended file (reopened after log rotation) or syslog.
///
/// Each line is one `write(2)` on a file opened with `O_APPEND`, so concurrent writers (and
/// several processes) never interleave partial lines.
public final class RejectionLog: Sendable {
    private enum Target {
        case file(path: String)
        case syslog(SyslogFacility)
    }

    private let target: Target
    private let descriptor: Locked<Int32>
    private let pid = getpid()

    /// The absolute path of a `logging.fail2ban_log` destination that is a file; `nil` for syslog.
    public static func filePath(of destination: String) -> String? {
        guard destination != "syslog" else { return nil }
        if destination.hasPrefix("/") { return destination }
        return URL(fileURLWithPath: destination, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }

    /// Opens `destination`: a file path (created with mode 0640 if missing), or `syslog`.
    public init(destination: String, facility: SyslogFacility = .authpriv) throws(RejectionLogError) {
        if destination == "syslog" {
            target = .syslog(facility)
            descriptor = Locked(-1)
            openlog("linkback", LOG_PID | LOG_NDELAY, facility.code)
        } else {
            target = .file(path: destination)
            descriptor = Locked(try Self.open(destination))
        }
    }

    deinit {
        descriptor.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
        }
    }

    /// Writes one rejection.
    public func record(_ rejection: Rejection) {
        switch target {
        case .syslog:
            let message = rejection.message
            message.withCString { text in
                withVaList([text]) { vsyslog(LOG_WARNING, "%s", $0) }
            }
        case .file:
            let line = rejection.lineBytes(pid: pid)
            descriptor.withLock { fd in
                guard fd >= 0 else { return }
                _ = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            }
        }
    }

    /// Closes and reopens the file (after `logrotate` moved it); no-op for syslog.
    public func reopen() throws(RejectionLogError) {
        guard case .file(let path) = target else { return }
        let fresh = try Self.open(path)
        descriptor.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
            fd = fresh
        }
    }

    private static func open(_ path: String) throws(RejectionLogError) -> Int32 {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw RejectionLogError(path: path, reason: String(cString: strerror(errno)))
        }
        return fd
    }
}

/// The rejection log file could not be opened.
public struct RejectionLogError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): cannot open the rejection log: \(reason)" }
}

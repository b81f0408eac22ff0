import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program with `posix_spawn`, a clean signal mask and default signal handlers, stdio on
/// /dev/null, and waits for it. For daemons such as `apache2 -k start`: Foundation's Process
/// leaves signals blocked in the child (so a graceful-reload signal is never seen) and waits
/// for descriptors the daemon inherits.
public enum Spawn {
    @discardableResult
    public static func run(_ path: String, _ arguments: [String]) throws -> Int32 {
        let pid = try start(path, arguments)
        var exit: Int32 = 0
        waitpid(pid, &exit, 0)
        return (exit >> 8) & 0xFF
    }

    /// Starts a program the same way and returns at once with its process id; end it with
    /// ``stop(_:)``. (A child of Foundation's Process would ignore SIGTERM: its signals are blocked.)
    ///
    /// With `output`, stdout and stderr go to that file (appended); with `environment`, the child
    /// gets exactly it; with `newProcessGroup`, the child leads a process group of its own, so
    /// `kill(-pid, …)` reaches everything it started.
    public static func start(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil, output: String? = nil,
        newProcessGroup: Bool = false
    ) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let output {
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            for descriptor in Int32(1)...2 {
                posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0)
            }
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        var pid = pid_t()
        let status = envp.map { posix_spawn(&pid, path, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard status == 0 else { throw FixtureFailure("cannot start \(path): \(String(cString: strerror(status)))") }
        return pid
    }

    /// Sends SIGTERM, and SIGKILL if the process is still there after two seconds; reaps it.
    public static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var exit: Int32 = 0
        for _ in 0..<40 {
            if waitpid(pid, &exit, WNOHANG) == pid { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &exit, 0)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The syslog facilities `logging.syslog_facility` accepts.
public enum SyslogFacility: String, CaseIterable, Sendable {
    case auth, authpriv, daemon, user, local0, local1, local2, local3, local4, local5, local6, local7

    package static var names: [String] { allCases.map(\.rawValue) }

    package var code: Int32 {
        switch self {
        case .auth: return LOG_AUTH
        case .authpriv: return LOG_AUTHPRIV
        case .daemon: return LOG_DAEMON
        case .user: return LOG_USER
        case .local0: return LOG_LOCAL0
        case .local1: return LOG_LOCAL1
        case .local2: return LOG_LOCAL2
        case .local3: return LOG_LOCAL3
        case .local4: return LOG_LOCAL4
        case .local5: return LOG_LOCAL5
        case .local6: return LOG_LOCAL6
        case .local7: return LOG_LOCAL7
        }
    }
}

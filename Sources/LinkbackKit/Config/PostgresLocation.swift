import Foundation

/// Where a PostgreSQL database is: parsed from `database.url`
/// (`postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`).
///
/// The password comes from the URL, else from `database.password_file`, else from
/// `database.password` (usually `LINKBACK_DATABASE_PASSWORD` in the environment). It is never
/// part of ``description``.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// Parses `url`; a failure saying why when it is not a usable PostgreSQL URL.
    public static func parse(_ url: String) -> Result<PostgresLocation, ConfigProblem> {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else { return .failure(ConfigProblem("expected postgres://user@host/database, got \(redacted(url))")) }
        guard let host = components.host, !host.isEmpty else {
            return .failure(ConfigProblem("\(redacted(url)) names no host"))
        }
        guard let user = components.user, !user.isEmpty else {
            return .failure(ConfigProblem("\(redacted(url)) names no user (postgres://USER@host/database)"))
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            return .failure(ConfigProblem("\(redacted(url)) names no database (postgres://user@host/DATABASE)"))
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                return .failure(ConfigProblem("\(redacted(url)): unknown parameter \(item.name) (only sslmode)"))
            }
            guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                return .failure(ConfigProblem(
                    "\(redacted(url)): sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            tls = mode
        }
        return .success(PostgresLocation(
            host: host, port: components.port ?? 5432, user: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database, tls: tls))
    }

    /// `url` with any password replaced by `********`, for messages and `check-config`.
    public static func redacted(_ url: String) -> String {
        // By hand, not URLComponents: a password with `#` or `/` is no valid URL, and was printed whole.
        guard let userInfo = Secret.userInfo(in: url), let colon = url[userInfo].firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":********" + String(url[userInfo.upperBound...])
    }

    public var description: String {
        "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }
}

/// A configuration value that cannot be used, phrased for the operator.
public struct ConfigProblem: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

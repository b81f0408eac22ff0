/// Describes one configuration key: its dotted name, its type, its default and its rule.
///
/// ``ConfigKey/all`` is the single list of keys Linkback knows; the YAML reader, the environment
/// overrides and `linkback check-config` all work from it.
public struct ConfigKey: Sendable {
    public enum Kind: Sendable {
        case string
        case int(ClosedRange<Int>)
        case double(ClosedRange<Double>)
        case bool
        case strings
        /// A list of objects with these fields (YAML: a sequence of mappings; environment: the
        /// same as JSON, `[{"token": "…", "sites": ["…"]}]`).
        case records([RecordField])
    }

    /// One field of a ``Kind/records(_:)`` key.
    public struct RecordField: Sendable {
        public let name: String
        /// A list (`.strings`) rather than one value (`.string`).
        public let isList: Bool
        public let isRequired: Bool
        /// Masked in printed configurations.
        public let isSecret: Bool

        package init(_ name: String, list: Bool = false, required: Bool = false, secret: Bool = false) {
            self.name = name
            self.isList = list
            self.isRequired = required
            self.isSecret = secret
        }
    }

    /// A boolean as configuration writes it (`true`/`yes`/`on`/`1`, `false`/`no`/`off`/`0`).
    package static func flag(_ text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: ConfigValue
    /// Masked in printed configurations.
    public let isSecret: Bool
    /// Returns a message when a well-typed value is still not acceptable.
    package let check: @Sendable (ConfigValue) -> String?

    package init(
        _ name: String, _ kind: Kind, _ defaultValue: ConfigValue, secret: Bool = false,
        check: @escaping @Sendable (ConfigValue) -> String? = { _ in nil }
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.isSecret = secret
        self.check = check
    }

    /// The environment variable that overrides this key: `LINKBACK_` + the name in upper case
    /// with dots as underscores (`server.port` → `LINKBACK_SERVER_PORT`).
    public var environmentName: String {
        "LINKBACK_" + name.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// For a list of objects, its shape as JSON (`[{"token": "…", "sites": ["…"]}]`): what its
    /// environment variable must hold.
    package var jsonExample: String? {
        guard case .records(let fields) = kind else { return nil }
        let members = fields.map { "\"\($0.name)\": " + ($0.isList ? "[\"…\"]" : "\"…\"") }
        return "[{" + members.joined(separator: ", ") + "}]"
    }

    /// Converts a YAML scalar or an environment string; lists in the environment are comma-separated.
    package func parse(_ text: String) -> Result<ConfigValue, ValueProblem> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .string:
            return .success(.string(text))
        case .int(let range):
            guard let value = Int(trimmed) else { return .failure(ValueProblem("expected an integer, got \"\(text)\"")) }
            guard range.contains(value) else {
                return .failure(ValueProblem("expected an integer from \(range.lowerBound) to \(range.upperBound), got \(value)"))
            }
            return .success(.int(value))
        case .double(let range):
            guard let value = Double(trimmed), value.isFinite else {
                return .failure(ValueProblem("expected a number, got \"\(text)\""))
            }
            guard range.contains(value) else {
                return .failure(ValueProblem("expected a number from \(range.lowerBound) to \(range.upperBound), got \(value)"))
            }
            return .success(.double(value))
        case .bool:
            guard let flag = Self.flag(trimmed) else { return .failure(ValueProblem("expected true or false, got \"\(text)\"")) }
            return .success(.bool(flag))
        case .strings:
            let items = trimmed.isEmpty ? [] : trimmed.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            return .success(.strings(items))
        case .records:
            guard !trimmed.isEmpty else { return .success(.records([])) }
            let node: Node?
            do {
                node = try Yams.compose(yaml: trimmed)
            } catch {
                return .failure(ValueProblem("expected a JSON list of objects"))
            }
            guard let node else { return .success(.records([])) }
            return records(from: node)
        }
    }

    /// Reads a YAML (or JSON) sequence of mappings as this key's records.
    package func records(from node: Node) -> Result<ConfigValue, ValueProblem> {
        guard case .records(let fields) = kind else { return .failure(ValueProblem("not a list of objects")) }
        guard let sequence = node.sequence else { return .failure(ValueProblem("expected a list of objects")) }
        var records: [[String: ConfigValue]] = []
        for (index, item) in sequence.enumerated() {
            guard let mapping = item.mapping else {
                return .failure(ValueProblem("item \(index + 1): expected an object with \(fields.map(\.name).joined(separator: ", "))"))
            }
            var record: [String: ConfigValue] = [:]
            for (keyNode, valueNode) in mapping {
                let name = keyNode.string ?? ""
                guard let field = fields.first(where: { $0.name == name }) else {
                    return .failure(ValueProblem("item \(index + 1): unknown field \"\(name)\""))
                }
                if field.isList {
                    guard let list = valueNode.sequence, list.allSatisfy({ $0.scalar != nil }) else {
                        return .failure(ValueProblem("item \(index + 1): \(name) must be a list of plain values"))
                    }
                    record[name] = .strings(list.compactMap { $0.scalar?.string })
                } else {
                    guard let scalar = valueNode.scalar else {
                        return .failure(ValueProblem("item \(index + 1): \(name) must be a single value"))
                    }
                    record[name] = .string(scalar.string)
                }
            }
            for field in fields where field.isRequired && record[field.name] == nil {
                return .failure(ValueProblem("item \(index + 1): \(field.name) is required"))
            }
            records.append(record)
        }
        return .success(.records(records))
    }

    package func validate(_ value: ConfigValue) -> String? { check(value) }
}

import Yams

/// Why a text could not be read as a key's type.
package struct ValueProblem: Error {
    package let message: String
    package init(_ message: String) { self.message = message }
}

import Foundation

extension ConfigKey {
    /// Every key Linkback reads, in the order `check-config` prints them.
    public static let all: [ConfigKey] = [
        ConfigKey("server.host", .string, .string("127.0.0.1"), check: nonEmpty),
        ConfigKey("server.port", .int(0...65535), .int(8080)),
        ConfigKey("server.base_url", .string, .string("http://127.0.0.1:8080"), check: httpURL),
        ConfigKey("server.trusted_proxies", .strings, .strings([]), check: cidrs),
        ConfigKey(
            "server.forwarded_header", .string, .string(ForwardedHeader.xForwardedFor.rawValue),
            check: oneOf(ForwardedHeader.allCases.map(\.rawValue))),
        ConfigKey("server.public_dir", .string, .string("Public"), check: nonEmpty),
        ConfigKey("server.body_timeout_seconds", .double(0.1...600), .double(10)),
        ConfigKey("server.idle_timeout_seconds", .double(0.1...600), .double(10)),
        ConfigKey("server.max_connections", .int(1...1_000_000), .int(1024)),
        ConfigKey("server.max_in_flight", .int(0...1_000_000), .int(512)),
        ConfigKey("database.path", .string, .string("var/linkback.sqlite"), check: nonEmpty),
        ConfigKey("database.url", .string, .string(""), check: postgresURL),
        ConfigKey("database.password_file", .string, .string("")),
        ConfigKey("database.password", .string, .string(""), secret: true),
        ConfigKey(
            "database.sqlite_synchronous", .string, .string(SQLiteSynchronous.full.rawValue),
            check: oneOf(SQLiteSynchronous.allCases.map(\.rawValue))),
        ConfigKey("sites", .strings, .strings([]), check: hostPorts(requirePort: false)),
        ConfigKey("moderation.auto_approve", .bool, .bool(false)),
        ConfigKey("moderation.allow_domains", .strings, .strings([]), check: domains),
        ConfigKey("moderation.remoderate_updates", .bool, .bool(false)),
        ConfigKey("vouch.mode", .string, .string(VouchMode.off.rawValue), check: oneOf(VouchMode.allCases.map(\.rawValue))),
        ConfigKey("vouch.known_domains", .strings, .strings([]), check: domains),
        ConfigKey(
            "vouch.pingback_unknown", .string, .string(VouchPingbackPolicy.moderate.rawValue),
            check: oneOf(VouchPingbackPolicy.allCases.map(\.rawValue))),
        ConfigKey("fetch.timeout_seconds", .double(0.1...600), .double(10)),
        ConfigKey("fetch.max_bytes", .int(1024...(1 << 30)), .int(1_048_576)),
        ConfigKey("fetch.max_redirects", .int(0...50), .int(8)),
        ConfigKey("fetch.allow_hosts", .strings, .strings([]), check: hostPorts(requirePort: true)),
        ConfigKey("verification.lenient_match", .bool, .bool(false)),
        ConfigKey("verification.max_content_length", .int(100...100_000), .int(2000)),
        ConfigKey("verification.check_target_exists", .bool, .bool(false)),
        ConfigKey("verification.target_check_timeout_seconds", .double(0.1...60), .double(3)),
        ConfigKey("verification.canonical_targets", .bool, .bool(false)),
        ConfigKey(
            "verification.target_aliases", .records([.init("from", required: true), .init("to", required: true)]), .records([]),
            check: targetAliases),
        ConfigKey("verification.concurrency", .int(1...256), .int(16)),
        ConfigKey("verification.extraction_budget", .int(10_000...1_000_000_000), .int(5_000_000)),
        ConfigKey("verification.parse_threads", .int(1...64), .int(1)),
        ConfigKey("verification.max_pending_bytes", .int((1 << 20)...(1 << 40)), .int(64 << 20)),
        ConfigKey("verification.shutdown_grace_seconds", .double(0...60), .double(3)),
        ConfigKey("verification.recheck_days", .double(0...3650), .double(0)),
        ConfigKey("verification.claim_lease_seconds", .double(1...86_400), .double(60)),
        ConfigKey("verification.max_attempts", .int(1...100), .int(5)),
        ConfigKey("verification.retry_base_seconds", .double(0.01...86_400), .double(60)),
        ConfigKey("send.max_attempts", .int(1...100), .int(5)),
        ConfigKey("send.retry_base_seconds", .double(0.01...86_400), .double(60)),
        ConfigKey("send.per_host_per_minute", .int(0...10_000), .int(30)),
        ConfigKey("webmention.max_body_bytes", .int(256...1_048_576), .int(16_384)),
        ConfigKey("webmention.max_concurrent_checks", .int(1...10_000), .int(16)),
        ConfigKey("webmention.check_timeout_seconds", .double(0.1...600), .double(20)),
        ConfigKey("pingback.enabled", .bool, .bool(true)),
        ConfigKey("pingback.collapse_faults", .bool, .bool(false)),
        ConfigKey("pingback.max_body_bytes", .int(256...10_485_760), .int(65_536)),
        ConfigKey("pingback.verify_timeout_seconds", .double(0.1...600), .double(10)),
        ConfigKey("pingback.max_concurrent_verifications", .int(1...10_000), .int(32)),
        ConfigKey("spam.block_user_agents", .strings, .strings(["^PHP/5\\.2\\.10$"]), check: regexes),
        ConfigKey("spam.block_domains", .strings, .strings([]), check: domains),
        ConfigKey("spam.block_ips", .strings, .strings([]), check: cidrs),
        ConfigKey("spam.rate_limit_per_minute", .int(0...100_000), .int(30)),
        ConfigKey("spam.rate_limit_burst", .int(1...100_000), .int(10)),
        ConfigKey("spam.pair_interval_seconds", .double(0...86_400), .double(30)),
        ConfigKey("spam.fetches_per_source_host_per_minute", .int(0...100_000), .int(30)),
        ConfigKey("spam.ban_after_rejections", .int(0...100_000), .int(0)),
        ConfigKey("spam.ban_window_minutes", .double(0.01...10_080), .double(10)),
        ConfigKey("spam.ban_minutes", .double(0.01...525_600), .double(60)),
        ConfigKey("spam.ipv6_prefix", .int(32...128), .int(64)),
        ConfigKey(
            "spam.blocklists", .records([.init("url", required: true), .init("format"), .init("refresh_hours")]),
            .records([]), check: blocklists),
        ConfigKey("spam.publish_blocklist", .bool, .bool(false)),
        ConfigKey("spam.copy_detection.enabled", .bool, .bool(true)),
        ConfigKey("spam.copy_detection.threshold", .double(0.05...1), .double(0.5)),
        ConfigKey("spam.copy_detection.min_words", .int(8...100_000), .int(40)),
        ConfigKey("spam.copy_detection.cluster_size", .int(2...10_000), .int(3)),
        ConfigKey("spam.copy_detection.cluster_window_hours", .double(0.01...8_760), .double(24)),
        ConfigKey("spam.score.enabled", .bool, .bool(true)),
        ConfigKey("spam.score.hold_at", .string, .string("0.5"), check: threshold),
        ConfigKey("spam.score.spam_at", .string, .string("0.95"), check: threshold),
        ConfigKey(
            "policy.rules",
            .records([.init("site"), .init("target"), .init("types", list: true), .init("action", required: true)]),
            .records([]), check: policyRules),
        ConfigKey("policy.traps", .strings, .strings([]), check: targetPatterns),
        ConfigKey(
            "storage.keep", .records([.init("types", list: true, required: true), .init("fields", list: true, required: true)]),
            .records([]), check: Config.Storage.check),
        ConfigKey("storage.forget_client_after_days", .double(0...36_500), .double(0)),
        ConfigKey("logging.level", .string, .string("info"), check: oneOf(LogLevelName.all)),
        ConfigKey("logging.fail2ban_log", .string, .string("var/fail2ban.log"), check: nonEmpty),
        ConfigKey("logging.syslog_facility", .string, .string("authpriv"), check: oneOf(SyslogFacility.names)),
        ConfigKey("admin.token", .string, .string(""), secret: true),
        ConfigKey("metrics.enabled", .bool, .bool(true)),
        ConfigKey("metrics.address", .string, .string(""), check: optionalHostPortWithPort),
        ConfigKey(
            "api.tokens",
            .records([
                .init("token", required: true, secret: true), .init("sites", list: true, required: true), .init("private"),
            ]),
            .records([]), check: apiTokens),
        ConfigKey("api.max_age", .int(0...86_400), .int(60)),
        ConfigKey("api.max_targets", .int(1...400), .int(100)),
        ConfigKey("api.max_per_page", .int(1...10_000), .int(100)),
        ConfigKey("api.reads_per_minute", .int(0...1_000_000), .int(300)),
        ConfigKey("api.avatars", .string, .string("off"), check: oneOf(["off", "proxy"])),
        ConfigKey("avatars.max_bytes", .int(1024...(64 << 20)), .int(1_048_576)),
        ConfigKey("avatars.max_pixels", .int(1...(1 << 28)), .int(16_777_216)),
        ConfigKey("avatars.directory", .string, .string("var/avatars"), check: nonEmpty),
        ConfigKey(
            "webhooks",
            .records([
                .init("url", required: true), .init("secret", required: true, secret: true), .init("events", list: true),
            ]),
            .records([]), check: webhooks),
        ConfigKey("webhook_delivery.timeout_seconds", .double(0.1...600), .double(10)),
        ConfigKey("webhook_delivery.retry_base_seconds", .double(0.1...86_400), .double(5)),
        ConfigKey("webhook_delivery.max_retry_seconds", .double(1...604_800), .double(3600)),
        ConfigKey("webhook_delivery.give_up_hours", .double(0.01...8760), .double(72)),
        ConfigKey("notifications.smtp.host", .string, .string("")),
        ConfigKey("notifications.smtp.port", .int(1...65_535), .int(25)),
        ConfigKey("notifications.smtp.from", .string, .string("")),
        ConfigKey("notifications.smtp.username", .string, .string("")),
        ConfigKey("notifications.smtp.password_file", .string, .string("")),
        ConfigKey(
            "notifications.smtp.starttls", .string, .string("auto"),
            check: oneOf(Config.Notifications.SMTP.StartTLS.allCases.map(\.rawValue))),
        ConfigKey("notifications.smtp.ca_file", .string, .string("")),
        ConfigKey("notifications.smtp.timeout_seconds", .double(1...600), .double(30)),
        ConfigKey(
            "notifications.channels",
            .records([
                // A push topic in the URL is a shared secret: printed masked, logged without its path.
                .init("to", required: true, secret: true), .init("events", list: true), .init("types", list: true),
                .init("sites", list: true),
                .init("digest"), .init("first_per_target"),
            ]),
            .records([]), check: Config.Notifications.check),
        ConfigKey("notifications.link_expiry_hours", .double(0.01...8760), .double(168)),
        ConfigKey("notifications.daily_hour", .int(0...23), .int(8)),
    ]

    /// Looks a key up by its dotted name.
    public static func named(_ name: String) -> ConfigKey? { byName[name] }

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}

// MARK: - Value rules

private let nonEmpty: @Sendable (ConfigValue) -> String? = { value in
    if case .string(let text) = value, text.trimmingCharacters(in: .whitespaces).isEmpty {
        return "must not be empty"
    }
    return nil
}

/// A score threshold: a number from 0 to 1, or `off`.
private let threshold: @Sendable (ConfigValue) -> String? = { value in
    guard case .string(let text) = value else { return nil }
    if ConfigKey.flag(text) == false || Config.Score.threshold(text) != nil { return nil }
    return "must be a number from 0 to 1, or off"
}

private let postgresURL: @Sendable (ConfigValue) -> String? = { value in
    guard case .string(let text) = value, !text.isEmpty else { return nil }
    if case .failure(let problem) = PostgresLocation.parse(text) { return problem.description }
    return nil
}

private let httpURL: @Sendable (ConfigValue) -> String? = { value in
    guard case .string(let text) = value else { return nil }
    guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
        scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
    else { return "expected an absolute http or https URL, got \"\(text)\"" }
    if text.hasSuffix("/") { return "must not end with a slash, got \"\(text)\"" }
    return nil
}

private let cidrs: @Sendable (ConfigValue) -> String? = { value in
    guard case .strings(let items) = value else { return nil }
    for item in items where CIDR(item) == nil {
        return "expected IP addresses or CIDR ranges, \"\(item)\" is neither"
    }
    return nil
}

private let domains: @Sendable (ConfigValue) -> String? = { value in
    guard case .strings(let items) = value else { return nil }
    for item in items where HostName.normalized(item) == nil {
        return "expected domain names, \"\(item)\" is not one"
    }
    return nil
}

private let regexes: @Sendable (ConfigValue) -> String? = { value in
    guard case .strings(let items) = value else { return nil }
    for item in items where (try? NSRegularExpression(pattern: item)) == nil {
        return "expected regular expressions, \"\(item)\" is not one"
    }
    return nil
}

private func hostPorts(requirePort: Bool) -> @Sendable (ConfigValue) -> String? {
    { value in
        guard case .strings(let items) = value else { return nil }
        for item in items {
            guard let parsed = HostPort(item) else {
                return "expected \(requirePort ? "host:port" : "host or host:port") values, \"\(item)\" is not one"
            }
            if requirePort && parsed.port == nil {
                return "expected host:port values, \"\(item)\" has no port"
            }
        }
        return nil
    }
}

private let optionalHostPortWithPort: @Sendable (ConfigValue) -> String? = { value in
    guard case .string(let text) = value, !text.isEmpty else { return nil }
    guard let parsed = HostPort(text), parsed.port != nil else { return "expected host:port, \"\(text)\" is not one" }
    return nil
}

private let targetAliases: @Sendable (ConfigValue) -> String? = { value in
    guard case .records(let records) = value else { return nil }
    for (index, record) in records.enumerated() {
        for field in ["from", "to"] {
            guard case .string(let text)? = record[field], TargetAliases.origin(text) != nil else {
                return "item \(index + 1): \(field) must be an origin such as https://www.blog.example (no path)"
            }
        }
        if case .string(let from)? = record["from"], case .string(let to)? = record["to"], TargetAliases.Alias(from: from, to: to) == nil {
            return "item \(index + 1): from and to are the same origin"
        }
    }
    return nil
}

private let apiTokens: @Sendable (ConfigValue) -> String? = { value in
    guard case .records(let records) = value else { return nil }
    for (index, record) in records.enumerated() {
        guard case .string(let token)? = record["token"], token.count >= 16 else {
            return "item \(index + 1): a token must be at least 16 characters"
        }
        guard case .strings(let sites)? = record["sites"], !sites.isEmpty else {
            return "item \(index + 1): sites must name at least one site"
        }
        for site in sites where HostPort(site) == nil {
            return "item \(index + 1): \"\(site)\" is not a host or host:port"
        }
        if case .string(let flag)? = record["private"], ConfigKey.flag(flag) == nil {
            return "item \(index + 1): private must be true or false"
        }
    }
    return nil
}

private let policyRules: @Sendable (ConfigValue) -> String? = { value in
    guard case .records(let records) = value else { return nil }
    for (index, record) in records.enumerated() {
        guard case .string(let action)? = record["action"], PolicyAction(rawValue: action) != nil else {
            return "item \(index + 1): action is one of \(PolicyAction.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        if case .string(let site)? = record["site"], HostName.normalized(site) == nil {
            return "item \(index + 1): \"\(site)\" is not a host name"
        }
        if case .string(let target)? = record["target"], TargetPattern(target) == nil {
            return "item \(index + 1): target \"\(target)\" is neither an http(s) URL prefix nor a path starting with /"
        }
        if case .strings(let types)? = record["types"] {
            for type in types where MentionType(rawValue: type) == nil {
                return "item \(index + 1): types are \(MentionType.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(type)\""
            }
        }
    }
    return nil
}

private let blocklists: @Sendable (ConfigValue) -> String? = { value in
    guard case .records(let records) = value else { return nil }
    for (index, record) in records.enumerated() {
        guard case .string(let url)? = record["url"], let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""),
            parsed.host != nil
        else {
            return "item \(index + 1): url is an http(s) URL"
        }
        if case .string(let format)? = record["format"], BlocklistFormat(rawValue: format) == nil {
            return "item \(index + 1): format is one of \(BlocklistFormat.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        if case .string(let hours)? = record["refresh_hours"], (Double(hours) ?? 0) < 0.1 {
            return "item \(index + 1): refresh_hours is a number of hours, at least 0.1"
        }
    }
    return nil
}

private let targetPatterns: @Sendable (ConfigValue) -> String? = { value in
    guard case .strings(let patterns) = value else { return nil }
    for pattern in patterns where TargetPattern(pattern) == nil {
        return "\"\(pattern)\" is neither an http(s) URL prefix nor a path starting with /"
    }
    return nil
}

private let webhooks: @Sendable (ConfigValue) -> String? = { value in
    guard case .records(let records) = value else { return nil }
    for (index, record) in records.enumerated() {
        guard case .string(let text)? = record["url"], let url = URL(string: text),
            ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false
        else { return "item \(index + 1): url must be an absolute http or https URL" }
        guard case .string(let secret)? = record["secret"], secret.count >= 16 else {
            return "item \(index + 1): a secret must be at least 16 characters"
        }
        if case .strings(let events)? = record["events"] {
            for event in events where WebhookEvent(rawValue: event) == nil {
                return "item \(index + 1): events are \(WebhookEvent.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(event)\""
            }
        }
    }
    return nil
}

private func oneOf(_ allowed: [String]) -> @Sendable (ConfigValue) -> String? {
    { value in
        guard case .string(let text) = value, !allowed.contains(text) else { return nil }
        return "expected one of \(allowed.joined(separator: ", ")), got \"\(text)\""
    }
}

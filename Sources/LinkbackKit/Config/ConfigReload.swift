/// What a running server takes from its configuration file again on SIGHUP (`systemctl reload`),
/// and how it says what changed. Everything else is read once, at start: changing it needs a
/// restart, and a reload says so and keeps the value the server started with.
public enum ConfigReload {
    /// Keys a reload applies at once.
    public static let reloadableKeys: Set<String> = [
        "sites", "api.tokens", "spam.block_domains", "spam.block_ips", "spam.block_user_agents",
        "moderation.allow_domains", "vouch.known_domains", "webhooks", "policy.rules", "policy.traps",
    ]

    /// Keys whose effective value differs between `old` and `new`, in ``ConfigKey/all`` order.
    public static func changedKeys(from old: Config, to new: Config) -> [String] {
        ConfigKey.all.map(\.name).filter { old.values[$0] != new.values[$0] }
    }

    /// `old` with the values of `keys` taken from `new`: what a server runs with after a reload.
    public static func applying(_ keys: [String], of new: Config, to old: Config) -> Config {
        var values = old.values
        for key in keys { values[key] = new.values[key] }
        return Config(values: values)
    }

    /// One line for the log: what changed (secrets as counts only), and what needs a restart.
    public static func summary(from old: Config, to new: Config, applied: [String], needRestart: [String]) -> String {
        guard !applied.isEmpty || !needRestart.isEmpty else { return "configuration reloaded: nothing changed" }
        var parts = applied.map { key in "\(key): \(describe(old.values[key], key: key)) → \(describe(new.values[key], key: key))" }
        if !needRestart.isEmpty {
            parts.append("\(needRestart.joined(separator: ", ")) changed but need a restart (kept as they were)")
        }
        return "configuration reloaded: " + parts.joined(separator: "; ")
    }

    /// A value as the log may show it: lists of records (tokens, webhooks) only as a count.
    package static func describe(_ value: ConfigValue?, key: String) -> String {
        switch value {
        case .records(let records)?: return "\(records.count)"
        case .strings(let items)?: return items.isEmpty ? "none" : items.joined(separator: ", ")
        case let other?: return other.description
        case nil: return "none"
        }
    }
}

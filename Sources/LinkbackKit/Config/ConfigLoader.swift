import Foundation
import Yams

/// Reads the YAML configuration file and applies `LINKBACK_*` environment overrides.
public enum ConfigLoader {
    /// The environment variable naming the configuration file when `--config` is not given.
    public static let pathVariable = "LINKBACK_CONFIG"
    /// The file used when neither `--config` nor `LINKBACK_CONFIG` is given, relative to the
    /// working directory (a checkout, `make run`).
    public static let defaultPath = "config/linkback.yaml"
    /// The file `make install` writes, used when there is no ``defaultPath`` in the working directory.
    public static let installedPath = "/etc/linkback/linkback.yaml"

    /// `--config PATH`, else `$LINKBACK_CONFIG`, else ``defaultPath`` when it exists, else
    /// ``installedPath`` when it exists, else ``defaultPath`` (which then is reported missing).
    public static func path(
        explicit: String?, environment: [String: String],
        exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[pathVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        if !exists(defaultPath) && exists(installedPath) { return installedPath }
        return defaultPath
    }

    /// Loads the file at `path`, then applies overrides from `environment`.
    public static func load(path: String, environment: [String: String]) throws(ConfigError) -> Config {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            // What the system says: a file in a directory the user cannot enter is "permission
            // denied", though FileManager would call it missing.
            let opened = open(path, O_RDONLY)
            let code = opened < 0 ? errno : 0
            if opened >= 0 { close(opened) }
            let reason: String
            switch code {
            case ENOENT, ENOTDIR:
                reason = "no such file; name the configuration with --config PATH or \(pathVariable)=PATH"
                    + " (without them: \(defaultPath) in the working directory, else \(installedPath))"
            case EACCES, EPERM:
                reason = "cannot read the file (permission denied: the file, or a directory on its path, is not open to this user)"
            case 0:
                reason = "cannot read the file as UTF-8 text"
            default:
                reason = "cannot read the file (\(String(cString: strerror(code))))"
            }
            throw ConfigError(origin: path, message: reason)
        }
        return try parse(yaml: text, origin: path, environment: environment)
    }

    /// Parses YAML text; `origin` names it in error messages.
    public static func parse(yaml: String, origin: String, environment: [String: String] = [:]) throws(ConfigError)
        -> Config
    {
        var values = Dictionary(uniqueKeysWithValues: ConfigKey.all.map { ($0.name, $0.defaultValue) })
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(origin: origin, message: "not valid YAML: \(Self.yamlProblem(error))")
        }
        if let root {
            guard root.mapping != nil || root.null != nil else {
                throw ConfigError(origin: origin, message: "expected a mapping of keys at the top level")
            }
            try collect(root, prefix: "", origin: origin, into: &values)
        }
        for key in ConfigKey.all {
            guard let text = environment[key.environmentName] else { continue }
            let origin = "environment variable \(key.environmentName)"
            switch key.parse(text) {
            case .success(let value): values[key.name] = try checked(value, key: key, origin: origin)
            case .failure(let problem):
                var message = problem.message
                if let example = key.jsonExample { message += "; in the environment as JSON: \(example)" }
                throw ConfigError(origin: origin, key: key.name, message: message)
            }
        }
        // A misspelt variable (a typo in a systemd Environment= line) is refused like an unknown
        // key in the file, not silently ignored.
        let known = Set(ConfigKey.all.map(\.environmentName) + [pathVariable])
        for name in environment.keys.sorted() where name.hasPrefix("LINKBACK_") && !known.contains(name) {
            throw ConfigError(
                origin: "environment variable \(name)",
                message: "unknown variable" + suggestion(for: name, among: known.sorted()))
        }
        let config = Config(values: values)
        if let problem = config.notifications.problem {
            throw ConfigError(origin: origin, key: "notifications.channels", message: problem)
        }
        return config
    }

    /// `; did you mean X?` for the closest of `candidates` when it is close enough, else nothing.
    package static func suggestion(for name: String, among candidates: [String]) -> String {
        let scored = candidates.map { ($0, EditDistance.between(name.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 4) else { return "" }
        return "; did you mean \(best.0)?"
    }

    /// A YAML syntax error as its place and problem, without the text around it (which may be the
    /// line that holds a secret).
    package static func yamlProblem(_ error: any Error) -> String {
        guard let error = error as? YamlError else { return "cannot parse it" }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)" + (context.map { " (\($0.text))" } ?? "")
        case .reader(let problem, _, _, _):
            return problem
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "line \(context.mark.line): the key \(duplicates.sorted().joined(separator: ", ")) appears twice"
        default:
            return "cannot parse it"
        }
    }

    private static func collect(
        _ node: Node, prefix: String, origin: String, into values: inout [String: ConfigValue]
    ) throws(ConfigError) {
        guard let mapping = node.mapping else { return }
        for (keyNode, valueNode) in mapping {
            let name = prefix + (keyNode.string ?? "")
            let place = keyNode.mark.map { "\(origin):\($0.line)" } ?? origin
            if let key = ConfigKey.named(name) {
                values[name] = try value(of: valueNode, key: key, origin: place)
            } else if valueNode.mapping != nil, ConfigKey.all.contains(where: { $0.name.hasPrefix(name + ".") }) {
                try collect(valueNode, prefix: name + ".", origin: origin, into: &values)
            } else {
                let siblings = ConfigKey.all.map(\.name)
                throw ConfigError(origin: place, key: name, message: "unknown key" + suggestion(for: name, among: siblings))
            }
        }
    }

    private static func value(of node: Node, key: ConfigKey, origin: String) throws(ConfigError) -> ConfigValue {
        if node.null != nil {
            switch key.kind {
            case .string: return try checked(.string(""), key: key, origin: origin)
            case .strings: return .strings([])
            case .records: return .records([])
            default: throw ConfigError(origin: origin, key: key.name, message: "missing value")
            }
        }
        if case .records = key.kind {
            switch key.records(from: node) {
            case .success(let value): return try checked(value, key: key, origin: origin)
            case .failure(let problem): throw ConfigError(origin: origin, key: key.name, message: problem.message)
            }
        }
        if case .strings = key.kind {
            guard let sequence = node.sequence else {
                throw ConfigError(origin: origin, key: key.name, message: "expected a list")
            }
            var items: [String] = []
            for item in sequence {
                guard let text = item.scalar?.string else {
                    throw ConfigError(origin: origin, key: key.name, message: "expected a list of plain values")
                }
                items.append(text)
            }
            return try checked(.strings(items), key: key, origin: origin)
        }
        guard let scalar = node.scalar else {
            throw ConfigError(origin: origin, key: key.name, message: "expected a single value, not a list or mapping")
        }
        switch key.parse(scalar.string) {
        case .success(let value): return try checked(value, key: key, origin: origin)
        case .failure(let problem): throw ConfigError(origin: origin, key: key.name, message: problem.message)
        }
    }

    private static func checked(_ value: ConfigValue, key: ConfigKey, origin: String) throws(ConfigError)
        -> ConfigValue
    {
        if let problem = key.validate(value) {
            throw ConfigError(origin: origin, key: key.name, message: problem)
        }
        return value
    }

}

import ArgumentParser
import Foundation
import LinkbackCore

/// `--config` and `--database`, for the commands that work on the mention store.
struct StoreOptions: ParsableArguments {
    @OptionGroup var config: ConfigOptions

    @Option(help: ArgumentHelp("The SQLite database (default: database.path from the configuration).", valueName: "path"))
    var database: String?

    @Flag(help: "Print JSON instead of text (a stable shape for scripts).")
    var json = false

    /// The configuration; with `--database` and no configuration file at all, the defaults.
    func loadConfig() throws -> Config {
        let environment = ProcessInfo.processInfo.environment
        let path = ConfigLoader.path(explicit: config.config, environment: environment)
        if database != nil, config.config == nil, !FileManager.default.fileExists(atPath: path) {
            return Config.defaults
        }
        return try config.load()
    }

    /// Opens the store, or fails with one line.
    func openStore() throws -> SQLiteMentionStore {
        let path = try database ?? loadConfig().database.path
        if database != nil, !FileManager.default.fileExists(atPath: path) {
            throw Failure("\(path): no such database")
        }
        do {
            return try SQLiteMentionStore(path: path)
        } catch {
            throw Failure("\(error)")
        }
    }
}

/// The documented JSON shape of a mention in CLI output.
struct MentionJSON: Encodable {
    var id: Int64
    var status: String
    var `protocol`: String
    var source: String
    var target: String
    var site: String
    var reason: String?
    var clientIP: String?
    var userAgent: String?
    var received: String
    var updated: String
    var verified: String?
    var attempts: Int
    var statusURLToken: String
    var content: MentionContent?
    var events: [EventJSON]?

    enum CodingKeys: String, CodingKey {
        case id, status, `protocol`, source, target, site, reason, received, updated, verified, attempts, content, events
        case clientIP = "client_ip"
        case userAgent = "user_agent"
        case statusURLToken = "token"
    }

    init(_ mention: Mention, events: [MentionEvent]? = nil) {
        id = mention.id
        status = mention.status.rawValue
        `protocol` = mention.protocol.rawValue
        source = mention.source
        target = mention.target
        site = mention.site
        reason = mention.reason
        clientIP = mention.clientIP
        userAgent = mention.userAgent
        received = ISO.string(mention.received)
        updated = ISO.string(mention.updated)
        verified = mention.verified.map(ISO.string)
        attempts = mention.attempts
        statusURLToken = mention.token
        content = mention.content
        self.events = events?.map(EventJSON.init)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(`protocol`, forKey: .protocol)
        try container.encode(source, forKey: .source)
        try container.encode(target, forKey: .target)
        try container.encode(site, forKey: .site)
        try container.encode(reason, forKey: .reason)
        try container.encode(clientIP, forKey: .clientIP)
        try container.encode(userAgent, forKey: .userAgent)
        try container.encode(received, forKey: .received)
        try container.encode(updated, forKey: .updated)
        try container.encode(verified, forKey: .verified)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(statusURLToken, forKey: .statusURLToken)
        try container.encode(content, forKey: .content)
        try container.encodeIfPresent(events, forKey: .events)
    }
}

struct EventJSON: Encodable {
    var at: String
    var actor: String
    var from: String?
    var to: String
    var reason: String?

    init(_ event: MentionEvent) {
        at = ISO.string(event.at)
        actor = event.actor.rawValue
        from = event.from?.rawValue
        to = event.to.rawValue
        reason = event.reason
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(at, forKey: .at)
        try container.encode(actor, forKey: .actor)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(reason, forKey: .reason)
    }

    enum CodingKeys: String, CodingKey { case at, actor, from, to, reason }
}

enum ISO {
    static func string(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}

enum Output {
    /// Prints `value` as one line of JSON (sorted keys).
    static func json(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self))
    }
}

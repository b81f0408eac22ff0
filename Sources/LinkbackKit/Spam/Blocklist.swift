import Foundation

/// What one list blocks: domains (their subdomains too) and words.
public struct BlocklistEntries: Sendable, Equatable {
    public var domains: [String]
    public var words: [String]

    public init(domains: [String] = [], words: [String] = []) {
        self.domains = domains
        self.words = words
    }

    public var count: Int { domains.count + words.count }

    /// Entries kept from one list at most: a list is data from elsewhere, and what it costs is bounded.
    public static let maxEntries = 100_000
    /// Words shorter than this are left out: they would match innocent URLs.
    public static let minWordLength = 4

    /// The entries of a list's text in `format`; unreadable lines are skipped, duplicates kept once.
    public static func parse(_ text: String, format: BlocklistFormat) -> BlocklistEntries {
        var domains: [String] = [], words: [String] = []
        var seen = Set<String>()
        func add(domain: Substring) {
            var value = domain.trimmingCharacters(in: .whitespaces)[...]
            if value.hasPrefix("||") { value = value.dropFirst(2) }
            if value.hasSuffix("^") { value = value.dropLast() }
            while value.hasPrefix("*.") || value.hasPrefix(".") { value = value.drop { $0 == "*" || $0 == "." } }
            guard let host = HostName.normalized(value), host.contains("."), IPAddress(host) == nil,
                seen.insert("d " + host).inserted
            else { return }
            domains.append(host)
        }
        var header: [String]?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            guard domains.count + words.count < maxEntries else { break }
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            switch format {
            case .domains:
                let content = line.prefix { $0 != "#" }
                let fields = content.split(whereSeparator: \.isWhitespace)
                // A hosts file's `0.0.0.0 domain`: the name is the last field.
                if let last = fields.last { add(domain: last) }
            case .mastodonCSV:
                let fields = csvFields(line)
                if header == nil, let first = fields.first, first.hasPrefix("#") || first == "domain" {
                    header = fields.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "#")) }
                    continue
                }
                let domainColumn = header?.firstIndex(of: "domain") ?? 0
                let severityColumn = header?.firstIndex(of: "severity")
                guard fields.count > domainColumn, !fields[domainColumn].contains("*") else { continue }
                if let severityColumn {
                    let severity = fields.count > severityColumn ? fields[severityColumn].lowercased() : "suspend"
                    guard severity == "suspend" || severity == "silence" else { continue }
                }
                add(domain: fields[domainColumn][...])
            case .wordpress:
                let value = line.lowercased()
                guard !value.isEmpty, !value.hasPrefix("#"), !value.contains("@"), !value.contains(where: \.isWhitespace) else {
                    continue
                }
                if value.contains(".") {
                    add(domain: value[...])
                } else if value.count >= minWordLength, value.allSatisfy({ $0.isLetter || $0.isNumber }),
                    seen.insert("w " + value).inserted
                {
                    words.append(value)
                }
            }
        }
        return BlocklistEntries(domains: domains, words: words)
    }

    /// The fields of one CSV line (quoted fields may hold commas and doubled quotes).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            switch character {
            case "\"" where quoted:
                quoted = false
            case "\"" where field.isEmpty:
                quoted = true
            case "," where !quoted:
                fields.append(field.trimmingCharacters(in: .whitespaces))
                field = ""
            default:
                field.append(character)
            }
        }
        fields.append(field.trimmingCharacters(in: .whitespaces))
        return fields
    }

    /// The stored form: one `d DOMAIN` or `w WORD` per line.
    public var stored: String {
        (domains.map { "d " + $0 } + words.map { "w " + $0 }).joined(separator: "\n")
    }

    public init(stored: String) {
        self.init()
        for line in stored.split(separator: "\n") where line.count > 2 {
            let value = String(line.dropFirst(2))
            if line.hasPrefix("d ") { domains.append(value) } else if line.hasPrefix("w ") { words.append(value) }
        }
    }
}

/// Every subscribed list's entries, indexed so a source is checked in time that does not grow
/// with the lists: its host and each parent domain are looked up, and its URL's words.
public struct SubscribedBlocklists: Sendable, Equatable {
    /// Domain → the list that blocks it.
    private var domains: [String: String] = [:]
    /// Word → the list that blocks it.
    private var words: [String: String] = [:]

    public init(_ lists: [(url: String, entries: BlocklistEntries)] = []) {
        for (url, entries) in lists {
            for domain in entries.domains where domains[domain] == nil { domains[domain] = url }
            for word in entries.words where words[word] == nil { words[word] = url }
        }
    }

    /// What `copies` block together.
    public init(copies: [BlocklistCopy]) {
        self.init(copies.map { ($0.url, $0.entries) })
    }

    public var isEmpty: Bool { domains.isEmpty && words.isEmpty }
    public var count: Int { domains.count + words.count }

    /// What blocks `source` (`domain` or `word`, the entry, the list's URL), or `nil`.
    public func match(_ source: URL) -> (kind: String, value: String, list: String)? {
        guard !isEmpty, let host = source.host.flatMap(HostName.normalized) else { return nil }
        var name = host[...]
        while true {
            if let list = domains[String(name)] { return ("domain", String(name), list) }
            guard let dot = name.firstIndex(of: ".") else { break }
            name = name[name.index(after: dot)...]
        }
        guard !words.isEmpty else { return nil }
        let text = (host + source.path).lowercased()
        for token in text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
            if let list = words[String(token)] { return ("word", String(token), list) }
        }
        return nil
    }
}

/// The last good copy of a subscribed list, as the store keeps it: what blocks while the list
/// cannot be fetched, and across restarts.
public struct BlocklistCopy: Sendable, Equatable {
    public var url: String
    public var entries: BlocklistEntries
    /// When the copy was fetched; `nil` when it never was (only failures so far).
    public var fetched: Date?
    /// The last fetch's failure, when the last fetch failed (the copy is older).
    public var error: String?

    public init(url: String, entries: BlocklistEntries, fetched: Date?, error: String? = nil) {
        self.url = url
        self.entries = entries
        self.fetched = fetched
        self.error = error
    }
}

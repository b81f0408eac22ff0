import Foundation

/// The features the spam score reads from a verified mention, as tokens: the words of its title
/// and text, and its structure (no author, a generic author name, no date, a pingback, the source's
/// top-level domain, a domain never approved before), with the page's traits (``PageTraits``: a
/// WordPress generator, dense links, its language) added by the scorer. The tokens are stored with
/// the mention; those read from its stored content alone let a mention verified before they were
/// kept be learnt too.
public enum SpamFeatures {
    /// Distinct words read from one mention, at most.
    public static let maxWords = 200
    /// The feature of a source whose domain has no approved mention yet.
    public static let newDomain = "domain:new"
    /// The feature of a source whose declared language is not the post's.
    public static let otherLanguage = "lang:other"

    /// The tokens of a mention of `source` sent by `protocol` with `content`; `newDomain` when its
    /// source's host has no approved mention yet.
    public static func tokens(source: String, protocol: MentionProtocol, content: MentionContent, newDomain: Bool = false)
        -> [String]
    {
        var tokens: [String] = []
        var seen: Set<String> = []
        for text in [content.title, content.contentText ?? content.excerpt] {
            guard let text else { continue }
            for word in words(text) where seen.count < maxWords && seen.insert(word).inserted { tokens.append(word) }
        }
        let author = content.authorName?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() ?? ""
        if author.isEmpty {
            tokens.append("author:none")
        } else if genericAuthors.contains(author) || author.contains("admin") {
            tokens.append("author:generic")
        }
        if content.published == nil { tokens.append("date:none") }
        if `protocol` == .pingback { tokens.append("via:pingback") }
        tokens.append("type:" + content.type.rawValue)
        if let host = URL(string: source)?.host.flatMap(HostName.normalized), IPAddress(host) == nil {
            if let tld = host.split(separator: ".").last { tokens.append("tld:" + tld) }
            if host.contains(where: \.isNumber) { tokens.append("host:digits") }
        }
        if newDomain { tokens.append(Self.newDomain) }
        return tokens
    }

    /// The tokens a stored mention was scored with, or for one verified before they were kept,
    /// those of its stored content; empty for one never verified.
    public static func tokens(of mention: Mention) -> [String] {
        if !mention.scoreTokens.isEmpty { return mention.scoreTokens }
        return mention.content.map { tokens(source: mention.source, protocol: mention.protocol, content: $0) } ?? []
    }

    /// How a token reads in a reason.
    public static func describe(_ token: String) -> String {
        switch token {
        case "author:none": return "no author"
        case "author:generic": return "a generic author name"
        case "date:none": return "no date"
        case "via:pingback": return "a pingback"
        case "host:digits": return "digits in the domain"
        case "domain:new": return "a domain never approved before"
        case "generator:wordpress": return "a WordPress site"
        case "links:dense": return "crowded with links"
        case "lang:other": return "another language than the post's"
        case _ where token.hasPrefix("lang:"): return "in language " + token.dropFirst(5)
        case _ where token.hasPrefix("tld:"): return "a ." + token.dropFirst(4) + " domain"
        case _ where token.hasPrefix("type:"): return "a " + token.dropFirst(5)
        default: return "\"\(token)\""
        }
    }

    /// Lower-cased words of 3 to 24 letters, common words left out. Read by Unicode scalar (a
    /// `Character` walk costs several times more) into UTF-8 bytes (appending to a scalar view
    /// was 70 % of a 20 KB page's score), an apostrophe kept inside a word.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        current.reserveCapacity(96)
        var letters = 0
        func end() {
            if (3...24).contains(letters) {
                let word = String(decoding: current, as: UTF8.self)
                if !stopwords.contains(word) { words.append(word) }
            }
            current.removeAll(keepingCapacity: true)
            letters = 0
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value >= 0x61 && value <= 0x7a {
                current.append(UInt8(value))
                letters += 1
            } else if value >= 0x41 && value <= 0x5a {
                current.append(UInt8(value + 0x20))
                letters += 1
            } else if value >= 0x80 && scalar.properties.isAlphabetic {
                if scalar.properties.changesWhenLowercased {
                    current.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
                } else {
                    current.append(contentsOf: UTF8.encode(scalar)!)
                }
                letters += 1
            } else if value != 0x27 && value != 0x2019 {
                end()
            }
        }
        end()
        return words
    }

    static let genericAuthors: Set<String> = [
        "admin", "administrator", "user", "guest", "editor", "author", "webmaster", "root", "staff", "team", "support",
    ]

    /// Words too common to say anything.
    static let stopwords: Set<String> = Set(
        """
        the and for are but not you all any can had her was one our out has him his how its may new now old see two who
        did get let put say she too use that with have this will your from they know want been good much some time very
        when come here just like long make many more only over such take than them well were what into also back after
        most these those then there their which while would could should about other being because through where does
        doesn don didn isn wasn aren won can't i'm it's yes thanks thank really think post blog article read
        """.split(whereSeparator: \.isWhitespace).map(String.init))
}

/// The spam score's model: naive Bayes over ``SpamFeatures`` tokens, learnt from the owner's own
/// decisions (mentions approved are good, mentions a moderator rejected or marked spam are bad),
/// with a small built-in prior so it works on the first day. Each token's spam probability is
/// smoothed towards neutral (Robinson's estimate: a token seen once says little), and the
/// strongest ``strongest`` tokens are combined with a base of 0.2 (a mention about which nothing
/// is known scores 0.2). Pure: the counts come from the store.
public enum SpamModel {
    /// How many mentions (or pseudo-mentions of the prior) of each kind a token was seen in.
    public struct Counts: Sendable, Equatable {
        public var good: Int
        public var bad: Int

        public init(good: Int = 0, bad: Int = 0) {
            self.good = good
            self.bad = bad
        }
    }

    /// The key under which the store keeps how many mentions of each kind were learnt.
    public static let documentsKey = ""
    /// Tokens combined: the most telling ones, either way.
    public static let strongest = 15
    /// How strongly an estimate is pulled towards neutral (in mentions).
    static let smoothing = 3.0
    static let base = log(0.2 / 0.8)

    /// The built-in prior: pseudo-mentions, as if the owner had already judged some.
    public static let priorDocuments = Counts(good: 10, bad: 10)
    public static let prior: [String: Counts] = {
        var prior: [String: Counts] = [:]
        for word in """
            casino casinos slots jackpot roulette blackjack poker betting bettor wager sportsbook viagra cialis levitra
            pharmacy pills prescription payday loans escort escorts replica backlinks backlink seo essays
            """.split(whereSeparator: \.isWhitespace)
        {
            prior[String(word)] = Counts(bad: 3)
        }
        for word in ["bonus", "cheap", "discount", "crypto", "forex", "bitcoin", "lottery", "diet", "weight"] {
            prior[word] = Counts(good: 1, bad: 3)
        }
        for token in ["author:none", "date:none", "via:pingback", "author:generic", "host:digits", "generator:wordpress"] {
            prior[token] = Counts(good: 2, bad: 3)
        }
        prior["links:dense"] = Counts(good: 1, bad: 3)
        prior["lang:other"] = Counts(good: 1, bad: 3)
        prior["type:reply"] = Counts(good: 3, bad: 1)
        return prior
    }()

    /// The score of a mention with `tokens`, given what was learnt: each token's counts
    /// (missing: never seen) and the number of mentions learnt of each kind.
    public static func score(tokens: [String], learned: [String: Counts], documents: Counts) -> SpamScore {
        let good = Double(documents.good + priorDocuments.good)
        let bad = Double(documents.bad + priorDocuments.bad)
        var weights: [(token: String, weight: Double)] = []
        for token in Set(tokens) {
            let seen = learned[token] ?? Counts()
            let prior = self.prior[token] ?? Counts()
            let (g, b) = (Double(seen.good + prior.good), Double(seen.bad + prior.bad))
            guard g + b > 0 else { continue }
            let (badRate, goodRate) = (b / bad, g / good)
            let p = badRate / (badRate + goodRate)
            let f = min(max((smoothing * 0.5 + (g + b) * p) / (smoothing + g + b), 0.01), 0.99)
            weights.append((token, log(f / (1 - f))))
        }
        weights.sort { abs($0.weight) != abs($1.weight) ? abs($0.weight) > abs($1.weight) : $0.token < $1.token }
        let used = weights.prefix(strongest)
        let logit = used.reduce(base) { $0 + $1.weight }
        let value = 1 / (1 + exp(-logit))
        // The reasons say what spoke for spam.
        let telling = used.filter { $0.weight > 0.3 }
        return SpamScore(value: value, reasons: telling.prefix(4).map { SpamFeatures.describe($0.token) })
    }

    /// What a stored mention teaches the model: `good` when it is approved, `bad` when a moderator
    /// rejected it or marked it spam, `nil` otherwise (waiting, or a verdict of the server's own,
    /// which the model must not learn from itself).
    public static func label(status: MentionStatus, decision: MentionStatus?) -> Label? {
        if decision == .spam || decision == .rejected { return .bad }
        if status == .approved { return .good }
        return nil
    }

    public enum Label: String, Sendable {
        case good, bad
    }

    /// What the model holds of one mention: the tokens it was learnt with, under a label.
    public struct Learnt: Sendable, Equatable {
        public var tokens: [String]
        public var label: Label?

        public init(tokens: [String], label: Label?) {
            self.tokens = tokens
            self.label = label
        }
    }

    /// The changes to the token counts (``documentsKey`` counting mentions) when mentions learnt
    /// as `from` are to be learnt as `to` (a moderator's decision, or tokens changed by a new
    /// verification): the old tokens leave their label, the new ones join theirs.
    public static func deltas(_ changes: [(from: Learnt, to: Learnt)]) -> [String: Counts] {
        var deltas: [String: Counts] = [:]
        func add(_ learnt: Learnt, _ sign: Int) {
            guard let label = learnt.label else { return }
            for token in Set(learnt.tokens + [documentsKey]) {
                var delta = deltas[token] ?? Counts()
                if label == .good { delta.good += sign } else { delta.bad += sign }
                deltas[token] = delta
            }
        }
        for change in changes where change.from != change.to {
            add(change.from, -1)
            add(change.to, 1)
        }
        return deltas.filter { $0.value != Counts() }
    }
}

/// The formats of the blocklists an owner can subscribe to (`spam.blocklists`).
public enum BlocklistFormat: String, Sendable, CaseIterable, Codable {
    /// One domain per line, `#` comments (swyxio/domainblocklist and most hand-kept lists; hosts
    /// files and `||domain^` lines are read too).
    case domains
    /// Mastodon's domain-block export: `#domain,#severity,…`; `suspend` and `silence` rows count.
    case mastodonCSV = "mastodon-csv"
    /// WordPress's comment blocklist: words matched against the source's host and URL, as whole
    /// words (letters and digits); lines that are domains block those domains.
    case wordpress
}

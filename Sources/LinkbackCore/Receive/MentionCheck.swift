import Foundation
import LinkbackKit

/// A (source, target) pair that passed the synchronous checks.
public struct CheckedPair: Sendable, Equatable {
    /// Absolute http(s) URLs in canonical form: the source without fragment (the document that is
    /// fetched), the target with the fragment it was sent with (a mention of that part of the page).
    public var source: URL
    public var target: URL
    /// The `sites` entry the target belongs to.
    public var site: HostPort
    /// The target as sent, when ``target`` is another spelling of it (an alias's origin moved to
    /// its site's, or its canonical URL).
    public var targetAsSent: URL?

    public init(source: URL, target: URL, site: HostPort, targetAsSent: URL? = nil) {
        self.source = source
        self.target = target
        self.site = site
        self.targetAsSent = targetAsSent
    }

    /// A mention of this pair to store, as a door received it.
    public func incoming(
        protocol: MentionProtocol, clientIP: IPAddress?, userAgent: String?, pairInterval: TimeInterval = 0, vouch: String? = nil,
        isPrivate: Bool = false
    ) -> IncomingMention {
        var incoming = IncomingMention(
            source: source.absoluteString, target: target.absoluteString, site: site.description, protocol: `protocol`,
            clientIP: clientIP?.unmapped.description, userAgent: userAgent, pairInterval: pairInterval, vouch: vouch,
            isPrivate: isPrivate)
        incoming.targetAsSent = targetAsSent?.absoluteString
        return incoming
    }
}

/// The synchronous checks both endpoints share (Webmention §3.2.1): two absolute http/https URLs
/// of sane length, different from each other, the target on one of our `sites` and not closed to
/// mentions by the owner's policy.
public struct MentionCheck: Sendable {
    public static let maxURLBytes = 2048
    /// `sites`, replaced by a configuration reload.
    public let siteList: Shared<[HostPort]>
    public var sites: [HostPort] { siteList.current }
    /// `policy.rules` and `policy.traps` (shared with the ``VerificationPolicy``), replaced by a reload.
    public let policy: Shared<MentionPolicy>
    /// `verification.target_aliases`: a target on an alias's origin is checked and stored on its site's.
    public let aliases: TargetAliases

    public init(sites: [HostPort], policy: Shared<MentionPolicy> = Shared(MentionPolicy()), aliases: TargetAliases = TargetAliases()) {
        siteList = Shared(sites)
        self.policy = policy
        self.aliases = aliases
    }

    public func check(source: String?, target: String?) -> Result<CheckedPair, MentionCheckFailure> {
        guard let source, !source.isEmpty else { return .failure(.missingParameter("source")) }
        guard let target, !target.isEmpty else { return .failure(.missingParameter("target")) }
        let sourceURL: URL
        let targetURL: URL
        switch Self.parse(source) {
        case .success(let url): sourceURL = url
        case .failure(let why): return .failure(.invalidSource(why.message))
        }
        switch Self.parse(target, keepingFragment: true) {
        case .success(let url): targetURL = url
        case .failure(let why): return .failure(.invalidTarget(why.message))
        }
        // Both are canonical: the target without its fragment is its text up to the `#`.
        let targetText = targetURL.absoluteString
        if sourceURL.absoluteString == targetText.prefix(while: { $0 != "#" }) { return .failure(.sameURL) }
        guard let (onSite, site) = onSite(targetURL) else {
            return .failure(.targetNotSupported(HostPort(host: targetURL.host ?? "", port: targetURL.port).description))
        }
        // Before any fetch: a closed post costs its senders (and us) nothing more.
        if policy.current.closes(onSite) { return .failure(.targetClosed) }
        return .success(CheckedPair(source: sourceURL, target: onSite, site: site, targetAsSent: onSite == targetURL ? nil : targetURL))
    }

    /// A canonical URL as one of the sites knows it: moved from an alias's origin to its site's
    /// (`verification.target_aliases`), with the `sites` entry it is on; `nil` when it is on none.
    public func onSite(_ url: URL) -> (url: URL, site: HostPort)? {
        let moved = aliases.rewrite(url.absoluteString).flatMap { URL(string: $0) } ?? url
        return site(of: moved).map { (moved, $0) }
    }

    /// The `sites` entry for `url`: a host-only entry matches any port, a host:port entry that port.
    public func site(of url: URL) -> HostPort? {
        guard let endpoint = HostPort(endpointOf: url) else { return nil }
        return sites.first { $0.host == endpoint.host && ($0.port == nil || $0.port == endpoint.port) }
    }

    /// The `sites` entry whose host differs from `host` only by a leading `www.` (either way): a
    /// refused target on such a host most likely means a `sites` list missing it.
    public func wwwTwin(of host: String) -> HostPort? {
        let bare = host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
        let twin = host.hasPrefix("www.") ? bare : "www." + host
        return sites.first { $0.host == twin }
    }

    /// Why a text is not an acceptable mention URL.
    public struct Problem: Error {
        public let message: String
    }

    /// An absolute http(s) URL with a host, no user info, a valid port, at most 2048 bytes;
    /// returned in its canonical form (``CanonicalURL``), which is what is stored, compared and
    /// blocked. The fragment is dropped unless `keepingFragment` (a mention's target).
    public static func parse(_ text: String, keepingFragment: Bool = false) -> Result<URL, Problem> {
        // Trimmed through Foundation only when an end could be whitespace (that call was a third of the check).
        let ends = (text.utf8.first, text.utf8.last)
        let plainEnds = [ends.0, ends.1].allSatisfy { $0.map { $0 > 0x20 && $0 < 0x7F } ?? true }
        let trimmed = plainEnds ? text : text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count <= maxURLBytes else { return .failure(Problem(message: "is longer than \(maxURLBytes) bytes")) }
        guard !hasControlCharacters(trimmed) else { return .failure(Problem(message: "contains control characters")) }
        // A plain http(s) URL is put in canonical form on its bytes, parsed by Foundation once.
        if let address = WebAddress(trimmed), let url = URL(string: address.canonical(keepingFragment: keepingFragment)) {
            return .success(url)
        }
        // Without a scheme Foundation's parse would find none either: say so without parsing.
        guard hasScheme(trimmed), let url = URL(string: trimmed), let scheme = url.scheme?.lowercased() else {
            return .failure(Problem(message: "is not an absolute URL"))
        }
        guard scheme == "http" || scheme == "https" else { return .failure(Problem(message: "is not an http or https URL")) }
        guard let host = url.host, !host.isEmpty else { return .failure(Problem(message: "has no host")) }
        guard url.user == nil, url.password == nil else { return .failure(Problem(message: "must not contain user info")) }
        if let port = url.port, !(1...65535).contains(port) { return .failure(Problem(message: "has an invalid port")) }
        guard let canonical = CanonicalURL.url(url, keepingFragment: keepingFragment) else {
            return .failure(Problem(message: "is not a valid URL"))
        }
        return .success(canonical)
    }

    /// Whether `text` holds a control character (Unicode's Cc: C0, DEL, C1); ASCII text on its bytes.
    static func hasControlCharacters(_ text: String) -> Bool {
        var ascii = true
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x7F { return true }
            if byte >= 0x80 { ascii = false }
        }
        return !ascii && text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// Whether `text` starts with an RFC 3986 scheme and its colon: a letter, then letters,
    /// digits, `+`, `-` or `.`.
    static func hasScheme(_ text: String) -> Bool {
        guard let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")) else { return false }
        return isSchemeName(text.utf8[..<colon])
    }
}

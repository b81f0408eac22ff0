import Foundation

/// What verification extracted from the source page.
public struct MentionContent: Sendable, Equatable, Codable {
    public var type: MentionType
    /// The RSVP value (`yes`, `no`, `maybe`, `interested`) when ``type`` is `.rsvp`.
    public var rsvp: String?
    public var title: String?
    public var excerpt: String?
    /// Sanitised HTML.
    public var contentHTML: String?
    public var contentText: String?
    public var authorName: String?
    public var authorURL: String?
    public var authorPhoto: String?
    /// The source's own publication date, as written there (ISO 8601 when well-formed).
    public var published: String?
    /// Comments on the source entry (its `comment` property's h-cite and h-entry items), kept
    /// when a reply is verified (again): comments of comments, Salmention style.
    public var children: [MentionChild]?
    /// What else a reply answers (its `in-reply-to` URLs other than the target, canonical, at most
    /// ``maxURLs``): a reply to another mention of the post is drawn in its thread.
    public var inReplyTo: [String]?
    /// The other URLs of the same post (its `u-url`, `u-syndication` and `rel=syndication` links,
    /// canonical, at most ``maxURLs``): a like sent from the post and from its syndicated copy
    /// (or through Bridgy) is one interaction.
    public var sameAs: [String]?

    /// The most URLs ``inReplyTo`` and ``sameAs`` keep each.
    public static let maxURLs = 10

    /// The JSON field names (snake case), part of the CLI's documented output.
    package enum CodingKeys: String, CodingKey {
        case type, rsvp, title, excerpt, published, children
        case inReplyTo = "in_reply_to"
        case sameAs = "same_as"
        case contentHTML = "content_html"
        case contentText = "content_text"
        case authorName = "author_name"
        case authorURL = "author_url"
        case authorPhoto = "author_photo"
    }

    public init(
        type: MentionType = .mention, rsvp: String? = nil, title: String? = nil, excerpt: String? = nil,
        contentHTML: String? = nil, contentText: String? = nil, authorName: String? = nil,
        authorURL: String? = nil, authorPhoto: String? = nil, published: String? = nil, children: [MentionChild]? = nil,
        inReplyTo: [String]? = nil, sameAs: [String]? = nil
    ) {
        self.inReplyTo = inReplyTo
        self.sameAs = sameAs
        self.type = type
        self.rsvp = rsvp
        self.title = title
        self.excerpt = excerpt
        self.contentHTML = contentHTML
        self.contentText = contentText
        self.authorName = authorName
        self.authorURL = authorURL
        self.authorPhoto = authorPhoto
        self.published = published
        self.children = children
    }
}

extension MentionContent {
    /// A list of URLs (``inReplyTo``, ``sameAs``) as its column holds it (a JSON array), `nil` for none.
    package static func storedURLs(_ urls: [String]?) -> String? {
        guard let urls, !urls.isEmpty, let data = try? JSONEncoder().encode(urls) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// A list of URLs read back from its column.
    package static func urls(stored text: String?) -> [String]? {
        guard let text, let urls = try? JSONDecoder().decode([String].self, from: Data(text.utf8)), !urls.isEmpty else { return nil }
        return urls
    }
}

/// A comment nested in a mention's source entry (see ``MentionContent/children``).
public struct MentionChild: Sendable, Equatable, Codable {
    public var url: String?
    public var name: String?
    /// Sanitised HTML.
    public var contentHTML: String?
    public var contentText: String?
    public var authorName: String?
    public var authorURL: String?
    public var authorPhoto: String?
    public var published: String?

    package enum CodingKeys: String, CodingKey {
        case url, name, published
        case contentHTML = "content_html"
        case contentText = "content_text"
        case authorName = "author_name"
        case authorURL = "author_url"
        case authorPhoto = "author_photo"
    }

    public init(
        url: String? = nil, name: String? = nil, contentHTML: String? = nil, contentText: String? = nil,
        authorName: String? = nil, authorURL: String? = nil, authorPhoto: String? = nil, published: String? = nil
    ) {
        self.url = url
        self.name = name
        self.contentHTML = contentHTML
        self.contentText = contentText
        self.authorName = authorName
        self.authorURL = authorURL
        self.authorPhoto = authorPhoto
        self.published = published
    }

    /// Children as stored (a JSON array in one column); `nil` for none.
    package static func stored(_ children: [MentionChild]?) -> String? {
        guard let children, !children.isEmpty, let data = try? JSONEncoder().encode(children) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Children read back from their column.
    package static func fromStored(_ text: String?) -> [MentionChild]? {
        guard let text, let children = try? JSONDecoder().decode([MentionChild].self, from: Data(text.utf8)),
            !children.isEmpty
        else { return nil }
        return children
    }
}

/// A stored mention: one (source, target) pair and everything known about it.
public struct Mention: Sendable, Equatable, Identifiable {
    public var id: Int64
    /// Random, unguessable; names the public status resource.
    public var token: String
    public var source: String
    public var target: String
    /// The `sites` entry the target belongs to.
    public var site: String
    public var `protocol`: MentionProtocol
    public var status: MentionStatus
    /// Why it was rejected or deleted.
    public var reason: String?
    public var clientIP: String?
    public var userAgent: String?
    public var received: Date
    public var updated: Date
    public var verified: Date?
    public var attempts: Int
    /// Present once verification found the link.
    public var content: MentionContent?
    /// The status before the last re-send re-queued it (`nil` for a new mention): an update of a
    /// verified mention keeps its moderation status.
    public var previousStatus: MentionStatus?
    /// Incremented by every re-send; a verification result for an older revision is discarded.
    public var revision: Int
    /// When a queued mention is next due for verification (retries back off).
    public var nextAttemptAt: Date?
    /// An approved mention whose source was re-sent: it stays approved, and visible, while the
    /// queue verifies it again; only a final outcome that changes it (source gone, link removed)
    /// takes it down. Transient failures never hide it.
    public var reverifying: Bool = false
    /// When its pair was last received (sent, or re-sent): what `spam.pair_interval_seconds`
    /// counts from, across every instance that shares the store.
    public var lastReceived: Date
    /// The vouch URL the sender gave (Vouch, an extension to Webmention), once checked: a page on
    /// a domain this server knows that links to the source's domain.
    public var vouch: String?
    /// The older approved mention this one is another copy of (the same like sent from a post and
    /// from its syndicated copy, or through Bridgy): listed and counted with it, not on its own.
    public var aliasOf: Int64?
    /// The target as its sender spelt it, when ``target`` is its canonical URL and differs
    /// (`verification.canonical_targets`, `verification.target_aliases`): what the source links to.
    public var targetAsSent: String?
    /// A Private Webmention: verified with a token its source's server gave for it. Never in the
    /// public read API or the widget; a read token with `private: true` may see it.
    public var isPrivate: Bool
    /// The status a moderator last moved it to (`nil`: no moderator has acted on it). A
    /// moderator's `rejected`, `spam` and `deleted` stick: no re-send, verification or re-check
    /// lifts them, only a moderator does (see ``MentionStatus/isStickyDecision``).
    public var decision: MentionStatus?
    /// Why the content signals speak against it (``SpamSignals/reasons``), from its last verification.
    public var spamReasons: [String] = []
    /// The fingerprint of its source's text (``SpamSignals/fingerprint``), from its last verification.
    public var fingerprint: TextFingerprint?
    /// Its spam score (``SpamSignals/score``), from its last verification; `nil` when none was computed.
    public var spamScore: SpamScore?
    /// The features its score read (``SpamSignals/scoreTokens``), which decisions on it teach the model.
    public var scoreTokens: [String] = []

    /// Whether the verification queue has work for this mention. The stores state the same rule in
    /// SQL where they claim and complete (`status = 'queued' OR reverify`): keep them alike.
    public var awaitsVerification: Bool { status == .queued || reverifying }

    public init(
        id: Int64, token: String, source: String, target: String, site: String, protocol: MentionProtocol,
        status: MentionStatus, reason: String? = nil, clientIP: String? = nil, userAgent: String? = nil, received: Date,
        updated: Date, verified: Date? = nil, attempts: Int = 0, content: MentionContent? = nil,
        previousStatus: MentionStatus? = nil, revision: Int = 0, nextAttemptAt: Date? = nil, reverifying: Bool = false,
        lastReceived: Date? = nil, vouch: String? = nil, isPrivate: Bool = false, decision: MentionStatus? = nil,
        spamReasons: [String] = [], fingerprint: TextFingerprint? = nil, spamScore: SpamScore? = nil,
        scoreTokens: [String] = [], targetAsSent: String? = nil, aliasOf: Int64? = nil
    ) {
        self.aliasOf = aliasOf
        self.targetAsSent = targetAsSent
        self.spamScore = spamScore
        self.scoreTokens = scoreTokens
        self.id = id
        self.token = token
        self.source = source
        self.target = target
        self.site = site
        self.protocol = `protocol`
        self.status = status
        self.reason = reason
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.received = received
        self.updated = updated
        self.verified = verified
        self.attempts = attempts
        self.content = content
        self.previousStatus = previousStatus
        self.revision = revision
        self.nextAttemptAt = nextAttemptAt
        self.reverifying = reverifying
        self.lastReceived = lastReceived ?? received
        self.vouch = vouch
        self.isPrivate = isPrivate
        self.decision = decision
        self.spamReasons = spamReasons
        self.fingerprint = fingerprint
    }

    /// With a minimum `interval` between two receipts of a pair, the seconds left to wait at
    /// `now`, or `nil` when it may be received again.
    public func pairWait(interval: TimeInterval, now: Date) -> Int? {
        // Not below zero: SQLite keeps milliseconds, rounded, so a date read back may lie a
        // fraction after the `now` it was written at.
        let since = max(0, now.timeIntervalSince(lastReceived))
        guard interval > 0, since < interval else { return nil }
        return max(1, Int((interval - since).rounded(.up)))
    }
}

/// A request to store a mention that has passed the synchronous checks.
public struct IncomingMention: Sendable, Equatable {
    public var source: String
    public var target: String
    public var site: String
    public var `protocol`: MentionProtocol
    public var clientIP: String?
    public var userAgent: String?
    /// The minimum interval since the pair was last received (`spam.pair_interval_seconds`):
    /// sooner, the store refuses it with ``StoreError/tooSoon(id:seconds:)`` and writes nothing.
    public var pairInterval: TimeInterval
    /// A checked vouch URL (see ``Mention/vouch``); a re-send without one keeps the stored one.
    public var vouch: String?
    /// The target as sent, when ``target`` is its canonical URL (see ``Mention/targetAsSent``).
    public var targetAsSent: String?
    /// A Private Webmention (see ``Mention/isPrivate``).
    public var isPrivate: Bool
    /// The id an import wants a new row to have (webmention.io's `wm-id`, so a build's `since_id`
    /// goes on working): kept when no row has it, else the row is numbered as usual.
    public var importedID: Int64?

    public init(
        source: String, target: String, site: String, protocol: MentionProtocol, clientIP: String? = nil,
        userAgent: String? = nil, pairInterval: TimeInterval = 0, vouch: String? = nil, isPrivate: Bool = false,
        importedID: Int64? = nil
    ) {
        self.source = source
        self.target = target
        self.site = site
        self.protocol = `protocol`
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.pairInterval = pairInterval
        self.vouch = vouch
        self.isPrivate = isPrivate
        self.importedID = importedID
    }
}

/// One recorded status change.
public struct MentionEvent: Sendable, Equatable {
    public var id: Int64
    public var mentionID: Int64
    public var at: Date
    public var actor: Actor
    /// `nil` for the event that created the mention.
    public var from: MentionStatus?
    public var to: MentionStatus
    public var reason: String?

    /// The reason recorded when a sender re-sends a stored pair.
    public static let resendReason = "update"

    /// A re-send: it asks for verification and is nothing a webhook reports by itself.
    public var isResend: Bool { reason == Self.resendReason }

    /// The reason recorded when a verification finds a mention as it was (same status, same
    /// content): a periodic re-check, or a re-send of an unchanged page.
    public static let unchangedReason = "verified, unchanged"

    /// The reason of a verification that found the link (with new content, or a new status).
    public static let verifiedReason = "verified"

    /// How the reason of a verification that a spam signal held begins (`held: copy-of, spam-score`).
    public static let heldPrefix = "held: "

    /// A hold by a spam signal (the mention waits for the owner, suspected).
    public var isHold: Bool { to == .pending && reason?.hasPrefix(Self.heldPrefix) == true }

    /// Whether webhooks report it: not a re-send, and not a verification that left the mention
    /// as it was (unchanged content, or trouble such as a timeout that keeps its status).
    public var isAnnounced: Bool { !isResend && !(from == to && reason != Self.verifiedReason) }

    public init(
        id: Int64, mentionID: Int64, at: Date, actor: Actor, from: MentionStatus?, to: MentionStatus, reason: String? = nil
    ) {
        self.id = id
        self.mentionID = mentionID
        self.at = at
        self.actor = actor
        self.from = from
        self.to = to
        self.reason = reason
    }
}

/// A moderator's block on a source domain, a URL prefix or a client address range.
public struct Block: Sendable, Equatable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case domain
        case url
        case ip
    }

    public var id: Int64
    public var kind: Kind
    /// A lower-case domain, a URL prefix, or an IP/CIDR in canonical form.
    public var value: String
    public var reason: String?
    public var created: Date

    public init(id: Int64, kind: Kind, value: String, reason: String? = nil, created: Date) {
        self.id = id
        self.kind = kind
        self.value = value
        self.reason = reason
        self.created = created
    }
}

/// An address the built-in ban (`spam.ban_after_rejections`) refuses until `until`, kept in the
/// store so every instance sharing it refuses the address too, and a restart forgets nothing.
public struct Ban: Sendable, Equatable {
    /// The client address in canonical form.
    public var address: String
    public var until: Date

    public init(address: String, until: Date) {
        self.address = address
        self.until = until
    }
}

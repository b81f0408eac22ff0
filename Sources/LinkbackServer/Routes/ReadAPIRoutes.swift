import Foundation
import Hummingbird
import LinkbackCore
import LinkbackKit
import LinkbackStore

/// The package read API, webmention.io-compatible: `GET /api/mentions.jf2` (JF2 feed),
/// `/api/mentions` and `/api/mentions.json` (the older `{"links": […]}` shape),
/// `/api/mentions.atom` (Atom), `/api/mentions.html` (an HTML fragment to include at build time),
/// `/api/count` and `/api/count.json` (the JSON ones as JSONP with `jsonp=NAME`): approved
/// mentions only; and `/api/changes.json`, what became visible or stopped being so.
/// Answers carry `Access-Control-Allow-Origin: *`, `Cache-Control` and an `ETag` (304 on a
/// matching `If-None-Match`).
struct ReadAPIRoutes {
    let store: any MentionRecords
    let parser: ReadQueryParser
    let maxAge: Int
    let baseURL: String
    let server: Config.Server
    /// `api.reads_per_minute` per address, for reads without a token (site builds carry one).
    let limiter: TokenBuckets<IPAddress>
    let ipv6Prefix: Int
    /// Rendering runs here, off the threads that answer HTTP.
    let pool: WorkPool?
    let clock: any WallClock
    /// `verification.canonical_targets`: a target is also read under the canonical URL recorded for it.
    let canonicalTargets: Bool

    init(store: any MentionRecords, config: Config, parser: ReadQueryParser, pool: WorkPool?, clock: any WallClock = SystemClock()) {
        self.clock = clock
        self.store = store
        self.parser = parser
        maxAge = config.api.maxAge
        baseURL = config.server.baseURL
        server = config.server
        let rate = config.api.readsPerMinute
        limiter = TokenBuckets(ratePerMinute: rate, burst: max(10, rate / 6))
        ipv6Prefix = config.spam.ipv6Prefix
        self.pool = pool
        canonicalTargets = config.verification.canonicalTargets
    }

    /// `query` with, for each target, the canonical URL recorded for its spelling (the mentions
    /// of `/old-post` are stored under `/post`): one indexed lookup, at most `api.max_targets` keys.
    private func withCanonicalTargets(_ query: MentionQuery) async throws -> MentionQuery {
        guard canonicalTargets, let targets = query.targets, !targets.isEmpty else { return query }
        let pages = targets.map { String($0.prefix { $0 != "#" }) }
        let found = try await store.canonicalTargets(Array(Set(pages)))
        guard !found.isEmpty else { return query }
        var expanded = query
        for (target, page) in zip(targets, pages) {
            guard let canonical = found[page] else { continue }
            let moved = canonical + target.dropFirst(page.count)
            if !(expanded.targets ?? []).contains(moved) { expanded.targets?.append(moved) }
        }
        return expanded
    }

    func register(on router: Router<LinkbackRequestContext>) {
        router.get("api/mentions.jf2") { request, context in
            try await answer(request, context, format: "jf2", related: [.parents, .aliases]) { mentions, _, related in
                Encoded.json(JF2Feed(name: "Webmentions", children: mentions.map {
                    JF2Entry($0, parent: related.parents[$0.id], aliases: related.aliases[$0.id])
                }))
            }
        }
        // `/api/links` is webmention.io's older name of the same listing.
        for path in ["api/mentions", "api/mentions.json", "api/links", "api/links.json"] {
            router.get(RouterPath(path)) { request, context in
                try await answer(request, context, format: "links") { mentions, _, _ in
                    Encoded.json(LegacyLinks(links: mentions.map(LegacyLink.init)))
                }
            }
        }
        router.get("api/mentions.atom") { request, context in
            let url = baseURL + request.uri.description
            return try await answer(request, context, format: "atom " + url) { mentions, _, _ in
                Encoded(
                    body: Data(AtomFeed.render(mentions, title: "Webmentions", selfURL: url).utf8),
                    type: "application/atom+xml; charset=utf-8")
            }
        }
        router.get("api/mentions.html") { request, context in
            try await respond(request, context, format: "html") { query, parameters in try await mentionsView(query, parameters) }
        }
        router.get("api/changes.json") { request, _ in try await changes(request) }
        for path in ["api/count", "api/count.json"] {
            router.get(RouterPath(path)) { request, context in
                try await answer(request, context, format: "count", list: false) { _, counts, _ in Encoded.json(counts) }
            }
        }
    }

    /// What a listing's mentions say of each other: the reply each answers (``Threads``) and the
    /// sources of each one's other copies (`wm-aliases`).
    struct Related: Sendable {
        /// What a format shows, so only that is looked up.
        struct Kinds: OptionSet, Sendable {
            let rawValue: Int
            static let parents = Kinds(rawValue: 1)
            static let aliases = Kinds(rawValue: 2)
        }

        var parents: [Int64: Int64] = [:]
        var aliases: [Int64: [String]] = [:]
    }

    /// What `kinds` a listing's answer shows of its mentions' relations: each reply's parent
    /// (one lookup, only when a listed reply names another URL) and each mention's copies.
    private func related(_ kinds: Related.Kinds, of mentions: [Mention], includePrivate: Bool) async throws -> Related {
        var related = Related()
        if kinds.contains(.parents) {
            let answered = Threads.answered(by: mentions)
            let candidates = answered.isEmpty ? [] : try await store.approvedMentions(fromSources: answered, includePrivate: includePrivate)
            related.parents = Threads.parents(of: mentions, candidates: candidates)
        }
        if kinds.contains(.aliases) {
            for copy in try await store.approvedAliases(of: mentions.map(\.id), includePrivate: includePrivate) {
                if let primary = copy.aliasOf { related.aliases[primary, default: []].append(copy.source) }
            }
        }
        return related
    }

    /// A body and its media type.
    struct Encoded: Sendable {
        var body: Data
        var type: String

        static func json(_ value: some Encodable) -> Encoded {
            Encoded(body: JSONResponse.encode(value), type: "application/json; charset=utf-8")
        }
    }

    /// An answer that ends a read before the store is read.
    struct Refusal: Error {
        var response: Response
    }

    /// The query's parameters and what they ask for, or the 400/401/403 that says what is wrong.
    private func parse(
        _ request: Request, headers: HTTPFields
    ) -> Result<([(name: String, value: String)], MentionQuery), Refusal> {
        let parameters: [(name: String, value: String)]
        do {
            parameters = try request.queryPairs()
        } catch {
            return .failure(Refusal(response: ErrorAnswer(error: "invalid_input", errorDescription: "the query string is not valid")
                .json(.badRequest, headers: headers)))
        }
        switch parser.parse(parameters) {
        case .success(let query): return .success((parameters, query))
        case .failure(let failure):
            return .failure(Refusal(response: ErrorAnswer(error: failure.error, errorDescription: failure.description)
                .json(HTTPResponse.Status(code: failure.status), headers: headers)))
        }
    }

    /// `GET /api/changes.json?token=…&since_id=N`: what changed for the token's sites (narrowed by
    /// `domain`, `target`, `wm-property`) after the history event `since_id` (0: from the start),
    /// oldest first (``ChangeFeed``). A token is required; a read looks at most
    /// ``ChangeFeed/scan`` events, and `has_more` tells the reader to go on from `last_id`.
    private func changes(_ request: Request) async throws -> Response {
        var headers: HTTPFields = [.accessControlAllowOrigin: "*", .cacheControl: "private, no-cache"]
        let pairs: [(name: String, value: String)]
        let query: MentionQuery
        switch parse(request, headers: headers) {
        case .success(let parsed): (pairs, query) = parsed
        case .failure(let refusal): return refusal.response
        }
        guard query.sites != nil else {
            return ErrorAnswer(error: "invalid_input", errorDescription: "the changes feed needs a read token (api.tokens)")
                .json(.badRequest, headers: headers)
        }
        let perPage = pairs.contains { $0.name == "per-page" || $0.name == "perPage" } ? query.limit : 100
        guard perPage <= ChangeFeed.maxPerPage else {
            return ErrorAnswer(error: "invalid_input", errorDescription: "per-page is at most \(ChangeFeed.maxPerPage) for changes")
                .json(.badRequest, headers: headers)
        }
        if query.includePrivate {
            headers[.accessControlAllowOrigin] = nil
            headers[.vary] = "Origin"
        }
        let window = try await store.changes(after: query.sinceID ?? 0, scope: try await withCanonicalTargets(query), scan: ChangeFeed.scan)
        let (changes, lastID, more) = ChangeFeed.changes(in: window, includePrivate: query.includePrivate, limit: perPage)
        // A created or updated entry says what the listings say of it: the reply it answers, its copies.
        let shown = changes.filter { $0.kind != .deleted }.map(\.mention)
        let related = try await related([.parents, .aliases], of: shown, includePrivate: query.includePrivate)
        let body = await WorkPool.run(on: pool) {
            JSONResponse.encode(JF2ChangeFeed(changes: changes, lastID: lastID, more: more, parents: related.parents, aliases: related.aliases))
        }
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Parses the query, reads the store (the listing, or the counts by type), and answers with
    /// the cache and CORS headers (``respond(_:_:format:read:)``).
    private func answer(
        _ request: Request, _ context: LinkbackRequestContext, format: String, list: Bool = true, related kinds: Related.Kinds = [],
        _ render: @escaping @Sendable ([Mention], MentionCount, Related) -> Encoded
    ) async throws -> Response {
        try await respond(request, context, format: format) { read, parameters in
            let mentions = list ? try await store.list(read) : []
            let related = try await self.related(kinds, of: mentions, includePrivate: read.includePrivate)
            let counts = list ? [:] : try await store.countByType(read)
            let aggregated = list ? [:] : try await store.aggregatedByType(read)
            return Read(shape: Self.shape(of: related), mentions: mentions, counts: counts, aggregated: aggregated) {
                render(mentions, MentionCount(counts, aggregated: aggregated), related)
            }
        }
    }

    /// `/api/mentions.html`: what a post's page shows (``MentionsFragment``), the widget's answer
    /// too. Page 0 reads the counts by type, the newest faces of each pile and the first comments
    /// (oldest first, `per-page` 50 unless asked); a later page, its comments only. `lang` picks
    /// the words and dates (``MentionsWording``). At most seven bounded reads.
    private func mentionsView(
        _ query: MentionQuery, _ parameters: [(name: String, value: String)]
    ) async throws -> Read {
        let lang = parameters.last { $0.name == "lang" }?.value
        if let lang, !MentionsWording.isLanguageTag(lang) {
            throw Refusal(response: ErrorAnswer(error: "invalid_input", errorDescription: "lang must be a language tag such as en or de-AT")
                .json(.badRequest, headers: [.accessControlAllowOrigin: "*"]))
        }
        let wording = MentionsWording(language: lang)
        let given = Set(parameters.map(\.name))
        let page = query.offset / query.limit
        var comments = query
        if given.isDisjoint(with: ["per-page", "perPage"]) {
            comments.limit = query.sites == nil ? min(MentionsFragment.commentsPerPage, parser.maxAnonymousPerPage) : MentionsFragment.commentsPerPage
        }
        comments.offset = page * comments.limit
        if !given.contains("sort-dir") { comments.ascending = true }
        let asked = query.types ?? MentionType.allCases
        comments.types = MentionsFragment.conversation.filter(asked.contains)
        // One more than shown says whether there is a next page.
        comments.limit += 1
        var listed = comments.types?.isEmpty == false ? try await store.list(comments) : []
        let more = listed.count >= comments.limit
        if more { listed.removeLast() }
        var piles: [MentionsFragment.View.Pile] = []
        var counts: [MentionType: Int] = [:]
        var aggregated: [MentionType: Int] = [:]
        if page == 0 {
            var all = query
            all.types = nil
            counts = try await store.countByType(all)
            aggregated = try await store.aggregatedByType(all)
            for type in MentionsFragment.faceTypes where asked.contains(type) {
                let total = counts[type] ?? 0
                var faces = query
                (faces.types, faces.limit, faces.offset, faces.sort, faces.ascending) = ([type], MentionsFragment.facesPerPile, 0, .received, false)
                // Counted-only mentions (`aggregate`) are in the count but have no face.
                let listed = total - (aggregated[type] ?? 0) > 0 ? try await store.list(faces) : []
                piles.append(.init(type: type, total: total, faces: listed))
            }
        }
        let related = try await self.related([.parents], of: listed, includePrivate: query.includePrivate)
        // "Show more" is a public link: never with the read token (a build's page would publish
        // it), so only for a post's own mentions, which need none.
        let next = more && query.targets != nil
            ? baseURL + "/api/mentions.html?" + Self.query(parameters.filter { $0.name != "token" }, page: page + 1) : nil
        let view = MentionsFragment.View(
            first: page == 0, piles: piles, comments: listed, parents: related.parents, more: next, wording: wording)
        return Read(
            shape: "\(wording.language) \(page) \(next ?? "") " + Self.shape(of: related), mentions: piles.flatMap(\.faces) + listed,
            counts: counts, aggregated: aggregated
        ) { Encoded(body: Data(MentionsFragment.render(view).utf8), type: "text/html; charset=utf-8") }
    }

    /// What a read found: what its entity tag is made of (``ETag/of(format:mentions:counts:aggregated:)``,
    /// `shape` being anything else that shapes the body) and how to render it.
    struct Read {
        var shape: String
        var mentions: [Mention]
        var counts: [MentionType: Int]
        var aggregated: [MentionType: Int]
        var render: @Sendable () -> Encoded
    }

    /// What the relations add to an answer's entity tag.
    private static func shape(of related: Related) -> String {
        related.parents.sorted { $0.key < $1.key }.map { "\($0.key)>\($0.value)" }.joined(separator: ",")
            + "|" + related.aliases.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.joined(separator: " "))" }.joined(separator: ",")
    }

    /// `parameters` as a query string, with `page` set to `page`.
    private static func query(_ parameters: [(name: String, value: String)], page: Int) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        return (parameters.filter { $0.name != "page" } + [("page", String(page))])
            .map { encode($0.name) + "=" + encode($0.value) }.joined(separator: "&")
    }

    /// Parses the query (a 400/401/403 for a bad one), limits reads without a token, runs `read`
    /// (the store reads and the entity tag of what it read: `If-None-Match` then answers 304
    /// without rendering) and answers with the cache and CORS headers; rendering runs on the work
    /// pool. `read` may throw a ``Refusal``.
    private func respond(
        _ request: Request, _ context: LinkbackRequestContext, format: String,
        read: (MentionQuery, [(name: String, value: String)]) async throws -> Read
    ) async throws -> Response {
        var headers: HTTPFields = [.accessControlAllowOrigin: "*"]
        let parameters: [(name: String, value: String)]
        let query: MentionQuery
        switch parse(request, headers: headers) {
        case .success(let parsed): (parameters, query) = parsed
        case .failure(let refusal): return refusal.response
        }
        // JSONP (the parser checked the name): JSON formats only, never an answer for a token that
        // sees Private Webmentions (a script tag reads across origins what CORS would not share).
        let callback = parameters.last { $0.name == "jsonp" }?.value
        if callback != nil, !["jf2", "links", "count"].contains(format) || query.includePrivate {
            return ErrorAnswer(error: "invalid_input", errorDescription: "jsonp is for the public JSON answers only")
                .json(.badRequest, headers: headers)
        }
        let withToken = query.sites != nil
        if !withToken, let ip = ClientInfo(request, context: context, server: server).ip,
            let wait = limiter.take(ip.client(ipv6Prefix: ipv6Prefix), now: clock.now())
        {
            headers[.retryAfter] = String(wait)
            return ErrorAnswer(error: "rate_limited", errorDescription: "too many reads; a read token (api.tokens) is not limited")
                .json(.tooManyRequests, headers: headers)
        }
        let found: Read
        do {
            found = try await read(try await withCanonicalTargets(query), parameters)
        } catch let refusal as Refusal {
            return refusal.response
        }
        let shape = (callback.map { format + " jsonp " + $0 } ?? format) + " " + found.shape
        let tag = "\"" + ETag.of(format: shape, mentions: found.mentions, counts: found.counts, aggregated: found.aggregated) + "\""
        headers[.eTag] = tag
        // A private answer (a token that sees Private Webmentions) is for its holder alone.
        if query.includePrivate {
            headers[.cacheControl] = "private, max-age=\(maxAge)"
            headers[.accessControlAllowOrigin] = nil
            headers[.vary] = "Origin"
        } else {
            headers[.cacheControl] = "public, max-age=\(maxAge)"
        }
        if let match = request.headers[.ifNoneMatch], ETag.matches(match, tag) {
            return Response(status: .notModified, headers: headers)
        }
        var encoded = await WorkPool.run(on: pool) { found.render() }
        if let callback {
            // `/**/` first: a body that starts with a comment is never read as anything but script.
            encoded = Encoded(
                body: Data("/**/\(callback)(".utf8) + encoded.body + Data(");".utf8), type: "application/javascript; charset=utf-8")
            headers[.init("X-Content-Type-Options")!] = "nosniff"
        }
        headers[.contentType] = encoded.type
        if encoded.type.hasPrefix("text/html") {
            // The fragment is for inclusion elsewhere; opened on this origin it runs nothing.
            headers[.contentSecurityPolicy] = "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; sandbox"
            headers[.init("X-Content-Type-Options")!] = "nosniff"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: encoded.body)))
    }
}

/// Strong entity tags from a body's bytes (64-bit FNV-1a: a cache key, not a security measure).
enum ETag {
    static func of(_ body: Data) -> String {
        var hash = FNV()
        hash.add(body)
        return String(hash.value, radix: 16) + "-" + String(body.count, radix: 16)
    }

    /// A tag for what a read API answer is made of, before it is rendered: the format (and
    /// anything else that shapes the body), the version of Linkback that renders it, each
    /// mention's id, update time and visibility, and the counts.
    static func of(
        format: String, mentions: [Mention], counts: [MentionType: Int], aggregated: [MentionType: Int] = [:]
    ) -> String {
        var hash = FNV()
        hash.add(Data((format + "|" + LinkbackVersion.string).utf8))
        for mention in mentions {
            hash.add(mention.id)
            hash.add(Int64(mention.updated.timeIntervalSince1970 * 1000))
            hash.add(Int64(mention.verified.map { $0.timeIntervalSince1970 * 1000 } ?? 0))
            hash.add(mention.isPrivate ? 1 : 0)
        }
        for (kind, byType) in [("", counts), ("aggregated ", aggregated)] {
            for (type, count) in byType.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                hash.add(Data((kind + type.rawValue).utf8))
                hash.add(Int64(count))
            }
        }
        return String(hash.value, radix: 16) + "-" + String(mentions.count, radix: 16)
    }

    /// 64-bit FNV-1a.
    struct FNV {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325

        mutating func add(_ bytes: Data) {
            for byte in bytes {
                value ^= UInt64(byte)
                value = value &* 0x100_0000_01b3
            }
        }

        mutating func add(_ number: Int64) {
            withUnsafeBytes(of: number.littleEndian) { add(Data($0)) }
        }
    }

    /// Whether an `If-None-Match` value names `tag` (or is `*`).
    static func matches(_ header: String, _ tag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let value = candidate.trimmingCharacters(in: .whitespaces)
            return value == "*" || value == tag || value == "W/" + tag
        }
    }
}

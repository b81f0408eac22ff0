import Foundation
import Hummingbird
import LinkbackCore

/// The public read API, webmention.io-compatible: `GET /api/mentions.jf2` (JF2 feed),
/// `/api/mentions` and `/api/mentions.json` (the older `{"links": […]}` shape),
/// `/api/mentions.atom` (Atom), `/api/mentions.html` (an HTML fragment to include at build time),
/// `/api/count` and `/api/count.json`. Approved mentions only.
/// Answers carry `Access-Control-Allow-Origin: *`, `Cache-Control` and an `ETag` (304 on a
/// matching `If-None-Match`).
struct ReadAPIRoutes {
    let store: any MentionStore
    let parser: ReadQueryParser
    let maxAge: Int
    let baseURL: String

    func register(on router: Router<LinkbackRequestContext>) {
        router.get("api/mentions.jf2") { request, _ in
            try await answer(request) { mentions, _ in
                Encoded.json(JF2Feed(name: "Webmentions", children: mentions.map { JF2Entry($0) }))
            }
        }
        for path in ["api/mentions", "api/mentions.json"] {
            router.get(RouterPath(path)) { request, _ in
                try await answer(request) { mentions, _ in Encoded.json(LegacyLinks(links: mentions.map(LegacyLink.init))) }
            }
        }
        router.get("api/mentions.atom") { request, _ in
            try await answer(request) { mentions, _ in
                let url = baseURL + request.uri.description
                return Encoded(
                    body: Data(AtomFeed.render(mentions, title: "Webmentions", selfURL: url).utf8),
                    type: "application/atom+xml; charset=utf-8")
            }
        }
        router.get("api/mentions.html") { request, _ in
            try await answer(request) { mentions, _ in
                Encoded(body: Data(MentionsFragment.render(mentions).utf8), type: "text/html; charset=utf-8")
            }
        }
        for path in ["api/count", "api/count.json"] {
            router.get(RouterPath(path)) { request, _ in
                try await answer(request, list: false) { _, counts in Encoded.json(MentionCount(counts)) }
            }
        }
    }

    /// A body and its media type.
    struct Encoded {
        var body: Data
        var type: String

        static func json(_ value: some Encodable) -> Encoded {
            Encoded(body: JSONResponse.encode(value), type: "application/json; charset=utf-8")
        }
    }

    /// Parses the query, reads the store (the listing, or the counts by type), and answers with
    /// the cache and CORS headers.
    private func answer(
        _ request: Request, list: Bool = true, _ render: ([Mention], [MentionType: Int]) -> Encoded
    ) async throws -> Response {
        var headers: HTTPFields = [.accessControlAllowOrigin: "*"]
        let parameters: [(name: String, value: String)]
        do {
            parameters = try request.queryPairs()
        } catch {
            return ErrorAnswer(error: "invalid_input", errorDescription: "the query string is not valid")
                .json(.badRequest, headers: headers)
        }
        let query: MentionQuery
        switch parser.parse(parameters) {
        case .success(let parsed): query = parsed
        case .failure(let failure):
            return ErrorAnswer(error: failure.error, errorDescription: failure.description)
                .json(HTTPResponse.Status(code: failure.status), headers: headers)
        }
        let encoded = list ? render(try await store.list(query), [:]) : render([], try await store.countByType(query))
        let tag = "\"" + ETag.of(encoded.body) + "\""
        headers[.eTag] = tag
        headers[.cacheControl] = "public, max-age=\(maxAge)"
        if let match = request.headers[.ifNoneMatch], ETag.matches(match, tag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = encoded.type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: encoded.body)))
    }
}

/// Strong entity tags from a body's bytes (64-bit FNV-1a: a cache key, not a security measure).
enum ETag {
    static func of(_ body: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in body {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16) + "-" + String(body.count, radix: 16)
    }

    /// Whether an `If-None-Match` value names `tag` (or is `*`).
    static func matches(_ header: String, _ tag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let value = candidate.trimmingCharacters(in: .whitespaces)
            return value == "*" || value == tag || value == "W/" + tag
        }
    }
}

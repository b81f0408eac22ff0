import Foundation
import Hummingbird
import LinkbackCore
import LinkbackKit
import LinkbackStore

/// The admin API under `/admin/api/`, for tools and the dashboard: the same moderation use cases
/// as the CLI (``ModerationService``), JSON in and out, authorised by `Authorization: Bearer
/// <admin.token>` (compared in constant time). No cookies, so no CSRF surface; state changes only
/// by POST and DELETE. A failed authentication writes one rejection-log line
/// (`admin rejected from ADDR reason=bad-admin-token`) and counts toward the built-in ban.
/// Registered only when `admin.token` is set.
struct AdminAPIRoutes {
    let token: String
    let store: any MentionStore
    let server: Config.Server
    let recorder: RejectionRecorder
    let spam: SpamGuard
    /// `logging.fail2ban_log`, read back for the stats.
    /// The send outbox `POST send` plans into.
    let sends: SendOutbox
    /// `spam.copy_detection.threshold`: how alike a copy cluster's texts are.
    let copyThreshold: Double
    /// The avatar proxy's directory (`api.avatars: proxy`): a forgotten author's photo goes at once.
    let avatars: String?

    static let maxBodyBytes = 65_536

    func register(on router: Router<LinkbackRequestContext>) {
        let api = router.group("admin/api")
        api.get("mentions") { request, context in
            try await authorized(request, context) { _ in
                switch ModeratorQuery.parse(try queryPairs(request)) {
                case .failure(let failure): return failed(failure)
                case .success(let query):
                    return JSONResponse.make(.ok, try await store.list(query).map { MentionRecord($0) })
                }
            }
        }
        api.get("mentions/:id") { request, context in
            try await authorized(request, context) { _ in
                guard let id = context.parameters.get("id", as: Int64.self), let mention = try await store.mention(id: id) else {
                    return notFound("no such mention")
                }
                return JSONResponse.make(.ok, MentionRecord(mention, events: try await store.events(mentionID: id)))
            }
        }
        api.get("mentions/:id/cluster") { request, context in
            try await authorized(request, context) { service in
                guard let id = context.parameters.get("id", as: Int64.self) else { return notFound("no such mention") }
                let ids = try await service.cluster(of: id, threshold: copyThreshold)
                guard !ids.isEmpty else { return notFound("no such mention") }
                var members: [MentionRecord] = []
                for member in ids { if let mention = try await store.mention(id: member) { members.append(MentionRecord(mention)) } }
                return JSONResponse.make(.ok, members)
            }
        }
        api.post("mentions/bulk") { request, context in
            try await authorized(request, context) { service in
                struct Bulk: Decodable {
                    var action: String
                    var ids: [Int64]
                    var reason: String?
                    var blockSource: Bool?
                    enum CodingKeys: String, CodingKey {
                        case action, ids, reason
                        case blockSource = "block_source"
                    }
                }
                let bulk = try await decode(Bulk.self, request)
                guard let action = Moderation(rawValue: bulk.action) else { return invalid("unknown action \(bulk.action)") }
                guard bulk.ids.count <= 10_000 else { return invalid("at most 10000 ids at once") }
                let changes = try await service.apply(action, to: bulk.ids, reason: bulk.reason, blockSource: bulk.blockSource ?? true)
                return JSONResponse.make(.ok, BulkAnswer(changes))
            }
        }
        api.post("mentions/:id/:action") { request, context in
            try await authorized(request, context) { service in
                guard let id = context.parameters.get("id", as: Int64.self) else { return notFound("no such mention") }
                guard let action = context.parameters.get("action").flatMap(Moderation.init(rawValue:)) else {
                    return notFound("no such action; use approve, reject, spam, delete or restore")
                }
                struct Body: Decodable {
                    var reason: String?
                    var blockSource: Bool?
                    enum CodingKeys: String, CodingKey {
                        case reason
                        case blockSource = "block_source"
                    }
                }
                let body = try await decode(Body.self, request, emptyAs: Body())
                switch try await service.apply(action, to: id, reason: body.reason, blockSource: body.blockSource ?? true) {
                case .refused(_, let reason) where reason == "no such mention":
                    return notFound(reason)
                case .refused(_, let reason):
                    return ErrorAnswer(error: "conflict", errorDescription: reason).json(.conflict)
                case .changed(_, let after, _):
                    return JSONResponse.make(.ok, MentionRecord(after))
                }
            }
        }
        api.get("blocks") { request, context in
            try await authorized(request, context) { _ in
                JSONResponse.make(.ok, try await store.blocks().map(BlockRecord.init))
            }
        }
        api.post("blocks") { request, context in
            try await authorized(request, context) { service in
                struct Body: Decodable {
                    var value: String?
                    var kind: String?
                    /// A mention's source: blocked as marking it spam would (its domain, or its
                    /// site's URL prefix for an address), never as a client address.
                    var source: String?
                    var reason: String?
                }
                let body = try await decode(Body.self, request)
                if let source = body.source {
                    guard body.value == nil, body.kind == nil else { return invalid("send either source or value (and kind)") }
                    guard let (kind, value) = ModerationService.sourceBlock(for: source) else {
                        return invalid("source must be an http or https URL")
                    }
                    let result = try await service.block(kind: kind, value: value, reason: body.reason)
                    var record = BlockRecord(result.block)
                    record.markedSpam = result.markedSpam
                    return JSONResponse.make(.created, record)
                }
                guard let text = body.value else { return invalid("send value (a domain, URL prefix or IP range) or source") }
                let forced: Block.Kind?
                if let kind = body.kind {
                    guard let parsed = Block.Kind(rawValue: kind) else { return invalid("kind must be domain, url or ip") }
                    forced = parsed
                } else {
                    forced = nil
                }
                let kind: Block.Kind
                let value: String
                do {
                    (kind, value) = try Block.normalized(text, kind: forced)
                } catch {
                    return invalid("\(error)")
                }
                let result = try await service.block(kind: kind, value: value, reason: body.reason)
                var record = BlockRecord(result.block)
                record.markedSpam = result.markedSpam
                return JSONResponse.make(.created, record)
            }
        }
        api.delete("blocks/:value") { request, context in
            try await authorized(request, context) { service in
                let raw = context.parameters.get("value").flatMap { $0.removingPercentEncoding } ?? ""
                let forced = try queryPairs(request).first { $0.name == "kind" }.flatMap { Block.Kind(rawValue: $0.value) }
                guard let (kind, value) = try? Block.normalized(raw, kind: forced) else { return invalid("\(raw) is not a block value") }
                guard try await service.unblock(kind: kind, value: value) else { return notFound("\(kind.rawValue) \(value) is not blocked") }
                return Response(status: .noContent)
            }
        }
        // The right to erasure: a domain's or an author's mentions erased but for a stub, their
        // re-sends refused (``ModerationService/forget(_:dryRun:)``).
        api.post("forget") { request, context in
            try await authorized(request, context) { service in
                struct Body: Decodable {
                    var subject: String
                    var dryRun: Bool?
                    enum CodingKeys: String, CodingKey {
                        case subject
                        case dryRun = "dry_run"
                    }
                }
                let body = try await decode(Body.self, request)
                do {
                    return JSONResponse.make(.ok, try await service.forget(body.subject, dryRun: body.dryRun ?? false, avatars: avatars))
                } catch let error as ModerationError {
                    return invalid(error.description)
                }
            }
        }
        api.get("allow") { request, context in
            try await authorized(request, context) { _ in JSONResponse.make(.ok, try await store.allowedDomains()) }
        }
        api.post("allow") { request, context in
            try await authorized(request, context) { service in
                struct Body: Decodable { var domain: String }
                let body = try await decode(Body.self, request)
                do {
                    let added = try await service.allow(body.domain)
                    return JSONResponse.make(added ? .created : .ok, ["domain": HostName.normalized(body.domain) ?? body.domain])
                } catch let error as ModerationError {
                    return invalid(error.description)
                }
            }
        }
        api.delete("allow/:domain") { request, context in
            try await authorized(request, context) { service in
                let domain = context.parameters.get("domain").flatMap { $0.removingPercentEncoding } ?? ""
                guard try await service.disallow(domain) else { return notFound("\(domain) is not allowed") }
                return Response(status: .noContent)
            }
        }
        // A blog backend's publish hook: the post's sends are planned (the post fetched, its links
        // collected), answered 202 with the plan, and sent by the outbox at once; `GET send`
        // shows how they went.
        api.post("send") { request, context in
            try await authorized(request, context) { _ in
                struct Body: Decodable { var source: String }
                let body = try await decode(Body.self, request)
                let source: URL
                switch SendService.sourceURL(body.source) {
                case .success(let url): source = url
                case .failure(let error): return invalid(error.description)
                }
                do {
                    let planned = try await sends.service.plan(source: source)
                    sends.notify()
                    return JSONResponse.make(.accepted, SendsAnswer(source: source.absoluteString, sends: planned.map(SendRecord.init)))
                } catch let error as SendError {
                    return ErrorAnswer(error: "source_unavailable", errorDescription: error.description).json(.badGateway)
                }
            }
        }
        api.get("send") { request, context in
            try await authorized(request, context) { _ in
                let source = try queryPairs(request).first { $0.name == "source" }?.value
                let canonical = source.flatMap { try? SendService.sourceURL($0).get().absoluteString } ?? source
                let found = try await store.sends(source: canonical, limit: 1000)
                return JSONResponse.make(.ok, found.map(SendRecord.init))
            }
        }
        api.get("stats") { request, context in
            try await authorized(request, context) { _ in
                JSONResponse.make(.ok, try await StatsReport.read(store: store, rejections: recorder.lastDay()))
            }
        }
    }

    // MARK: Authorisation

    /// Runs `body` with a ``ModerationService`` when the request carries the admin token;
    /// otherwise 401 and a rejection-log line (a banned address gets 403 before anything else).
    private func authorized(
        _ request: Request, _ context: LinkbackRequestContext, _ body: (ModerationService) async throws -> Response
    ) async throws -> Response {
        let client = ClientInfo(request, context: context, server: server)
        if let ip = client.ip, let until = spam.bans.bannedUntil(ip) {
            var headers = HTTPFields()
            headers[.retryAfter] = String(max(1, Int(until.timeIntervalSinceNow.rounded(.up))))
            return ErrorAnswer(error: "banned", errorDescription: "too many rejected requests; banned for now")
                .json(.forbidden, headers: headers)
        }
        let header = request.headers[.authorization] ?? ""
        let presented = header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
        guard !presented.isEmpty, Secret.equal(presented, token) else {
            if let ip = client.ip {
                // No credentials at all guessed nothing (an <img> on someone's page): soft.
                let reason: RejectionReason = request.headers[.authorization] == nil ? .noAdminToken : .badAdminToken
                recorder.record(Rejection(endpoint: .admin, clientIP: ip, reason: reason, userAgent: client.userAgent))
            }
            return ErrorAnswer(error: "unauthorized", errorDescription: "send Authorization: Bearer <admin.token>")
                .json(.unauthorized, headers: [.wwwAuthenticate: "Bearer"])
        }
        do {
            return try await body(ModerationService(store: store, actor: .adminAPI))
        } catch let answer as AnswerNow {
            return answer.response
        }
    }

    // MARK: Helpers

    private func queryPairs(_ request: Request) throws -> [(name: String, value: String)] {
        do {
            return try request.queryPairs()
        } catch {
            throw AnswerNow(response: invalid("the query string is not valid"))
        }
    }

    /// An answer to send at once, thrown from a helper deep in a handler.
    struct AnswerNow: Error {
        let response: Response
    }

    /// The JSON body as `T`; an empty body is `empty` when given. Throws ``AnswerNow`` with the
    /// error answer (400, 408, 413).
    private func decode<T: Decodable>(_ type: T.Type, _ request: Request, emptyAs empty: T? = nil) async throws -> T {
        let bytes: [UInt8]
        do {
            bytes = try await BodyReader.read(request, limit: Self.maxBodyBytes)
        } catch .tooLarge {
            throw AnswerNow(response: ErrorAnswer(
                error: "invalid_request", errorDescription: "the body is larger than \(Self.maxBodyBytes) bytes").json(.contentTooLarge))
        } catch {
            throw AnswerNow(response: ErrorAnswer(
                error: "invalid_request", errorDescription: "the body did not arrive in time").json(.requestTimeout))
        }
        if bytes.isEmpty, let empty { return empty }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw AnswerNow(response: invalid("the body must be a JSON object: \(Self.describe(error))"))
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: return "\(key.stringValue) is missing"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        default: return "not valid JSON"
        }
    }

    private func invalid(_ description: String) -> Response {
        ErrorAnswer(error: "invalid_request", errorDescription: description).json(.badRequest)
    }

    private func notFound(_ description: String) -> Response {
        ErrorAnswer(error: "not_found", errorDescription: description).json(.notFound)
    }

    private func failed(_ failure: ReadQueryError) -> Response {
        ErrorAnswer(error: failure.error, errorDescription: failure.description).json(HTTPResponse.Status(code: failure.status))
    }
}

/// What a bulk action did: the changed mentions and the refused ids with their reasons.
struct BulkAnswer: Encodable {
    struct Refusal: Encodable {
        var id: Int64
        var reason: String
    }

    var changed: [MentionRecord] = []
    var refused: [Refusal] = []

    init(_ changes: [ModerationChange]) {
        for change in changes {
            switch change {
            case .changed(_, let after, _): changed.append(MentionRecord(after))
            case .refused(let id, let reason): refused.append(Refusal(id: id, reason: reason))
            }
        }
    }
}

/// The answer to `POST /admin/api/send`.
struct SendsAnswer: Encodable {
    var source: String
    var sends: [SendRecord]
}

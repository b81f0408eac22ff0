import Foundation
import Hummingbird
import LinkbackCore
import LinkbackKit
import LinkbackStore

/// `POST /webmention` (receive), `GET /webmention` (a form for people) and
/// `GET /webmention/status/{token}` (the status resource senders poll).
struct WebmentionRoutes {
    let receiver: MentionReceiver
    let privateMentions: PrivateWebmention
    let store: any MentionRecords
    let config: Config
    let rejections: Rejections
    let spam: SpamGuard
    /// The HTML form served at `GET /webmention`.
    let formPage: String

    func register(on router: Router<LinkbackRequestContext>) {
        router.post("webmention") { request, context in try await receive(request, context) }
        router.get("webmention") { request, context in
            // `?whoami`: how this request's client address arrives (for `linkback doctor`).
            if request.uri.query == "whoami" {
                let server = config.server
                let probe = ClientProbe(
                    peer: context.peerIP, header: server.forwardedHeader,
                    values: request.headers[values: server.forwardedHeader.httpFieldName],
                    trustedProxies: server.trustedProxies)
                return JSONResponse.make(.ok, probe, headers: [.cacheControl: "no-store"])
            }
            return TextResponse.make(.ok, formPage, type: "text/html; charset=utf-8", headers: [:])
        }
        router.get("webmention/status/:token") { request, context in try await status(request, context) }
    }

    private func receive(_ request: Request, _ context: LinkbackRequestContext) async throws -> Response {
        let client = ClientInfo(request, context: context, server: config.server)
        func refuse(_ status: HTTPResponse.Status, _ error: String, _ description: String, _ reason: RejectionReason,
            source: String? = nil, target: String? = nil, retryAfter: Int? = nil) -> Response
        {
            rejections.record(client, reason, source: source, target: target)
            var headers = HTTPFields()
            if let retryAfter { headers[.retryAfter] = String(retryAfter) }
            return ErrorAnswer(error: error, errorDescription: description).response(status, for: request, headers: headers)
        }
        // The cheap rules first, before the body is read.
        if let refusal = spam.admit(client.ip, userAgent: client.userAgent) {
            let limited = refusal.retryAfter != nil
            return refuse(limited ? .tooManyRequests : .forbidden, limited ? "rate_limited" : "blocked", refusal.message,
                refusal.reason, retryAfter: refusal.retryAfter)
        }
        let (mediaType, _) = ContentTypeHeader.parse(request.headers.value(.contentType))
        // Webmention §3.2.1: an invalid request MUST get 400, so a body of another type is one
        // (413 stays for a body over the server's own size limit).
        guard mediaType == "application/x-www-form-urlencoded" else {
            return refuse(.badRequest, "invalid_request",
                "the body must be application/x-www-form-urlencoded with source and target", .unsupportedMediaType)
        }
        let limit = config.webmention.maxBodyBytes
        let body: [UInt8]
        do {
            body = try await BodyReader.read(request, limit: limit)
        } catch .tooLarge {
            return refuse(.contentTooLarge, "invalid_request", "the request body is larger than \(limit) bytes", .tooLarge)
        } catch .timedOut {
            return refuse(.requestTimeout, "invalid_request", "the request body did not arrive in time", .slowRequest)
        }
        let form: FormBody
        do {
            form = try FormBody(body, unique: ["source", "target", "vouch", "code"])
        } catch {
            let description: String
            switch error {
            case .duplicate(let name): description = "the \(name) parameter appears more than once"
            case .malformed(let why): description = "the form body is \(why)"
            }
            return refuse(.badRequest, "invalid_request", description, .invalidRequest)
        }
        // A `code` makes it a Private Webmention, verified before the answer.
        let result =
            if let code = form["code"], !code.isEmpty {
                try await context.abandoningWhenClientLeaves { [privateMentions, client] in
                    try await privateMentions.receive(
                        source: form["source"], target: form["target"], code: code, vouch: form["vouch"], clientIP: client.ip,
                        userAgent: client.userAgent)
                }
            } else if let vouch = form["vouch"], !vouch.isEmpty, receiver.vouch != nil {
                // A vouch page is fetched while the sender waits.
                try await context.abandoningWhenClientLeaves { [receiver, client] in
                    try await receiver.receive(
                        source: form["source"], target: form["target"], vouch: vouch, protocol: .webmention,
                        clientIP: client.ip, userAgent: client.userAgent)
                }
            } else {
                try await receiver.receive(
                    source: form["source"], target: form["target"], vouch: form["vouch"], protocol: .webmention,
                    clientIP: client.ip, userAgent: client.userAgent)
            }
        switch result {
        case .failure(.rateLimited(let wait)):
            let failure = MentionCheckFailure.rateLimited(wait)
            return refuse(.tooManyRequests, failure.webmentionError, failure.message, failure.rejectionReason,
                source: form["source"], target: form["target"], retryAfter: wait)
        case .failure(let failure) where !failure.isClientFault:
            // Our own side's trouble (the target's server): 503, not logged against the sender.
            return ErrorAnswer(error: failure.webmentionError, errorDescription: failure.message)
                .response(.serviceUnavailable, for: request, headers: [.retryAfter: "60"])
        case .failure(let failure):
            // Blocked means 403 everywhere: a blocked source as a blocked address or user agent.
            // Vouch's "retry with a vouch" is 449, as its specification asks.
            let status: HTTPResponse.Status =
                switch failure {
                case .blockedSource, .forgotten: .forbidden
                case .vouchRequired: HTTPResponse.Status(code: 449, reasonPhrase: "Retry With")
                default: .badRequest
                }
            return refuse(status, failure.webmentionError, failure.message, failure.rejectionReason,
                source: form["source"], target: form["target"])
        case .success(let received):
            let location = statusURL(received.mention.token)
            context.logger.info(
                received.isNew ? "webmention received" : "webmention updated",
                metadata: ["source": "\(received.mention.source)", "target": "\(received.mention.target)"])
            return accepted(received.mention, location: location, request: request)
        }
    }

    private func accepted(_ mention: Mention, location: String, request: Request) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        switch Preferred(request) {
        case .html:
            return TextResponse.page(
                .created, title: "Webmention accepted",
                body: "<h1>Webmention accepted</h1><p>It will be verified shortly. "
                    + "<a href=\"\(HTMLEscaping.escape(location))\">See its status</a>.</p>",
                headers: headers)
        case .text:
            return TextResponse.plain(.created, "accepted: \(location)", headers: headers)
        case .json:
            struct Body: Encodable {
                var status: String
                var location: String
            }
            return JSONResponse.make(.created, Body(status: mention.status.rawValue, location: location), headers: headers)
        }
    }

    private func status(_ request: Request, _ context: LinkbackRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        guard token.count == 32, token.allSatisfy(\.isHexDigit), let mention = try await store.mention(token: token) else {
            return ErrorAnswer(error: "not_found", errorDescription: "no webmention with this status URL")
                .response(.notFound, for: request)
        }
        let view = PublicStatus(mention)
        if case .html = Preferred(request) {
            let rows = [("Status", view.status), ("", view.detail), ("Source", view.source), ("Target", view.target),
                ("Received", view.received), ("Updated", view.updated), ("Reason", view.reason ?? "")]
                .map { "<tr><th>\($0.0)</th><td>\(HTMLEscaping.escape($0.1))</td></tr>" }.joined()
            return TextResponse.page(.ok, title: "Webmention status", body: "<h1>Webmention status</h1><table>\(rows)</table>")
        }
        return JSONResponse.make(.ok, view)
    }

    private func statusURL(_ token: String) -> String {
        "\(config.server.baseURL)/webmention/status/\(token)"
    }
}

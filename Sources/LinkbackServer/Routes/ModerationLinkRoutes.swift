import Foundation
import Hummingbird
import LinkbackCore
import LinkbackKit
import LinkbackStore

/// `/moderate/<token>`: the one-click links of notifications. A GET shows what the link would do
/// and changes nothing (mail scanners and link previews fetch links); a POST (its page's button,
/// or a push app's action) acts once, through ``ModerationService`` as the actor `link`. A token
/// this server did not sign is a guessed credential: 403 and a `bad-admin-token` rejection line;
/// an expired or used one, or one whose mention no longer waits, is 410.
struct ModerationLinkRoutes {
    let store: any MentionStore
    let server: Config.Server
    let recorder: RejectionRecorder
    let spam: SpamGuard
    let clock: any WallClock

    /// The token is in the URL: no referrer, no cache, no framing, no script, forms to itself only.
    static let headers: HTTPFields = {
        var headers: HTTPFields = [
            .contentSecurityPolicy: "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            .cacheControl: "no-store",
        ]
        for (name, value) in [("Referrer-Policy", "no-referrer"), ("X-Robots-Tag", "noindex"), ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff")] {
            headers[.init(name)!] = value
        }
        return headers
    }()

    func register(on router: Router<LinkbackRequestContext>) {
        router.get("moderate/:token") { request, context in try await handle(request, context, act: false) }
        router.post("moderate/:token") { request, context in try await handle(request, context, act: true) }
    }

    private func handle(_ request: Request, _ context: LinkbackRequestContext, act: Bool) async throws -> Response {
        let client = ClientInfo(request, context: context, server: server)
        if let ip = client.ip, spam.bans.bannedUntil(ip) != nil {
            return page(.forbidden, "Banned", "Too many rejected requests from this address; try again later.")
        }
        let token = context.parameters.get("token") ?? ""
        guard let link = ModerationLink.verify(token, key: try await store.linkKey()) else {
            if let ip = client.ip {
                recorder.record(Rejection(endpoint: .admin, clientIP: ip, reason: .badAdminToken, userAgent: client.userAgent))
            }
            return page(.forbidden, "Not a valid link", "This moderation link was not made by this server.")
        }
        let now = clock.now()
        guard link.expires > now else {
            return page(.gone, "Link expired", "This link expired on \(link.expires.iso8601). Use the dashboard instead.")
        }
        guard let mention = try await store.mention(id: link.mentionID) else {
            return page(.gone, "Mention gone", "The mention this link was about no longer exists.")
        }
        let what = Self.describe(mention)
        guard mention.status == .pending else {
            return page(.gone, "Already decided", "\(what) is \(mention.status.rawValue) now; this link no longer acts.")
        }
        guard act else {
            let escaped = HTMLEscaping.escape(token)
            return TextResponse.page(
                .ok, title: HTMLEscaping.escape(link.action.label),
                body: "<main><h1>\(HTMLEscaping.escape(link.action.label))?</h1><p>\(HTMLEscaping.escape(what)).</p>"
                    + "<p>Source: <a href=\"\(HTMLEscaping.escape(mention.source))\" rel=\"nofollow noopener\">"
                    + "\(HTMLEscaping.escape(mention.source))</a></p>"
                    + "<form method=\"post\" action=\"/moderate/\(escaped)\"><button type=\"submit\">"
                    + "\(HTMLEscaping.escape(link.action.label))</button></form></main>",
                headers: Self.headers)
        }
        guard try await store.spendLink(nonce: link.nonce, at: now) else {
            return page(.gone, "Link already used", "A link for this mention was already used.")
        }
        let (moderation, blockSource) = link.action.moderation
        _ = try await ModerationService(store: store, actor: .link).apply(
            moderation, to: mention.id, reason: "one-click link", blockSource: blockSource)
        let done = (try? await store.mention(id: mention.id))?.status.rawValue ?? moderation.target.rawValue
        return page(.ok, "Done", "\(what) is \(done) now.")
    }

    private func page(_ status: HTTPResponse.Status, _ title: String, _ text: String) -> Response {
        TextResponse.page(
            status, title: HTMLEscaping.escape(title),
            body: "<main><h1>\(HTMLEscaping.escape(title))</h1><p>\(HTMLEscaping.escape(text))</p></main>", headers: Self.headers)
    }

    /// "The reply from alice.example to /posts/1".
    static func describe(_ mention: Mention) -> String {
        let type = mention.content?.type.rawValue ?? "mention"
        let from = mention.content?.authorName ?? URL(string: mention.source)?.host ?? mention.source
        return "The \(type) from \(from) to \(URLComponents(string: mention.target)?.path ?? mention.target)"
    }
}

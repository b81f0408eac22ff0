import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// Private Webmention (<https://indieweb.org/Private-Webmention>): a webmention with a `code`
/// names a source only its audience can read. Before anything is stored: the source's token
/// endpoint is discovered (`Link: <…>; rel="token_endpoint"`, else `<link rel="token_endpoint">`,
/// on the source fetched without credentials; a 401 may carry the header), the code exchanged
/// there (`grant_type=authorization_code`, `code`, `client_id` = this server's base URL) for an
/// access token, and the source fetched with `Authorization: Bearer` and verified as any other.
/// The token lives only for that fetch: it is never logged, stored or sent to another origin.
/// The mention is stored private: never in the public read API or the widget.
public struct PrivateWebmention: Sendable {
    let receiver: MentionReceiver
    let fetcher: GuardedFetcher
    let verifier: Verifier
    let policy: VerificationPolicy
    let clientID: String
    /// Bounds the discovery, exchange and fetch (made while the sender waits).
    let work: InRequestWork?

    public init(
        receiver: MentionReceiver, fetcher: GuardedFetcher, verifier: Verifier, policy: VerificationPolicy, clientID: String,
        work: InRequestWork? = nil
    ) {
        self.receiver = receiver
        self.fetcher = fetcher
        self.verifier = verifier
        self.policy = policy
        self.clientID = clientID
        self.work = work
    }

    /// The synchronous checks, the vouch (when Vouch is on), the exchange and the verification;
    /// then the mention stored verified and private, with the status moderation gives it.
    public func receive(
        source: String?, target: String?, code: String, vouch vouchURL: String?, clientIP: IPAddress?, userAgent: String?
    ) async throws -> Result<ReceiveResult, MentionCheckFailure> {
        let (pair, vouched): (CheckedPair, String?)
        switch await receiver.validate(source: source, target: target, vouch: vouchURL) {
        case .success(let checked): (pair, vouched) = checked
        case .failure(let failure): return .failure(failure)
        }
        if let wait = await receiver.pairWait(pair) { return .failure(.rateLimited(wait)) }
        let content: MentionContent
        let verifyNow: @Sendable () async -> Result<MentionContent, MentionCheckFailure> = { [self] in
            await verify(source: pair.source, target: pair.targetAsSent ?? pair.target, code: code)
        }
        let verified = if let work { await work.run(verifyNow) } else { await verifyNow() }
        switch verified {
        case .success(let found): content = found
        case .failure(let failure): return .failure(failure)
        }
        let sourceText = pair.source.absoluteString
        let existing = try await receiver.store.mention(source: sourceText, target: pair.target.absoluteString)
        let incoming = pair.incoming(
            protocol: .webmention, clientIP: clientIP, userAgent: userAgent, pairInterval: receiver.spam?.pairInterval ?? 0,
            vouch: vouched, isPrivate: true)
        do {
            let stored = try await policy.storeVerified(incoming, content: content, existing: existing, in: receiver.store, actor: .server)
            return .success(ReceiveResult(mention: stored, isNew: existing == nil))
        } catch StoreError.tooSoon(_, let seconds) {
            return .failure(.rateLimited(seconds))
        }
    }

    /// Discovery, exchange and the authorised fetch and link check: the content found, or why not.
    public func verify(source: URL, target: URL, code: String) async -> Result<MentionContent, MentionCheckFailure> {
        guard let endpoint = await tokenEndpoint(of: source) else { return .failure(.noTokenEndpoint) }
        let token: String
        switch await exchange(code, at: endpoint) {
        case .success(let granted): token = granted
        case .failure(let failure): return .failure(failure)
        }
        let page: FetchedResource
        do {
            page = try await fetcher.fetch(source, headers: [("Authorization", "Bearer \(token)")])
        } catch {
            // Why stays in our log: told to an unauthenticated sender, it would map networks.
            receiver.logger.info("private source not fetched", metadata: ["source": "\(source.absoluteString)", "error": "\(error.description)"])
            return .failure(.sourceNotFound("it could not be verified"))
        }
        let verifier = verifier
        let check: @Sendable () -> VerificationOutcome = { verifier.check(page, target: target) }
        let outcome = await WorkPool.run(on: verifier.pool, check)
        switch outcome {
        case .linkFound(let content, _): return .success(content)
        case .noLink, .unsupportedContentType: return .failure(.noLink)
        default:
            receiver.logger.info("private source not verified", metadata: ["source": "\(source.absoluteString)", "outcome": "\(outcome.description)"])
            return .failure(.sourceNotFound("it could not be verified"))
        }
    }

    /// The first `token_endpoint` the source declares: in a `Link` header (the source may answer
    /// 401 without credentials), else in a `<link>` of its HTML. Only http(s) URLs count, and only
    /// what the source's own origin says: a source that redirects elsewhere would have the code
    /// sent wherever that page points.
    func tokenEndpoint(of source: URL) async -> URL? {
        guard let page = try? await fetcher.fetch(source, headers: [], acceptingClientErrors: true),
            HostPort(endpointOf: page.url) == HostPort(endpointOf: source), page.url.scheme == source.scheme
        else { return nil }
        if let declared = DeclaredLink.inHeaders("token_endpoint", of: page) { return declared }
        guard page.isHTML else { return nil }
        let find: @Sendable () -> URL? = {
            DeclaredLink.inDocument("token_endpoint", elements: ["link"], of: HTMLDocument(page), page)
        }
        return await WorkPool.run(on: verifier.pool, find)
    }

    /// The access token the endpoint grants for `code`.
    func exchange(_ code: String, at endpoint: URL) async -> Result<String, MentionCheckFailure> {
        let form = FormEncoding.body([("grant_type", "authorization_code"), ("code", code), ("client_id", clientID)])
        let answer: FetchedResource
        do {
            answer = try await fetcher.post(
                endpoint, body: Array(form.utf8),
                headers: [("Content-Type", "application/x-www-form-urlencoded")])
        } catch {
            receiver.logger.info("code not exchanged", metadata: ["endpoint": "\(endpoint.absoluteString)", "error": "\(error.description)"])
            return .failure(.invalidCode("the token endpoint did not exchange the code"))
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
            let token = object["access_token"] as? String, !token.isEmpty
        else {
            return .failure(.invalidCode("the token endpoint's answer has no access_token"))
        }
        return .success(token)
    }
}

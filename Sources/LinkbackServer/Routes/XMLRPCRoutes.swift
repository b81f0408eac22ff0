import Hummingbird
import LinkbackCore
import LinkbackKit

/// `POST /xmlrpc`: the pingback endpoint. Answers are always HTTP 200 `text/xml`, except a body
/// over `pingback.max_body_bytes` (413) or one that does not arrive in time (408).
struct XMLRPCRoutes {
    let service: PingbackService
    let config: Config
    let rejections: Rejections
    let spam: SpamGuard

    func register(on router: Router<LinkbackRequestContext>) {
        router.post("xmlrpc") { request, context in try await handle(request, context) }
    }

    private func handle(_ request: Request, _ context: LinkbackRequestContext) async throws -> Response {
        let client = ClientInfo(request, context: context, server: config.server)
        // The cheap rules first, before the body is read: fault 49, access denied.
        if let refusal = spam.admit(client.ip, userAgent: client.userAgent) {
            rejections.record(client, refusal.reason)
            return xmlAnswer(.failure(XMLRPCFault(PingbackService.accessDenied, refusal.message)))
        }
        let body: [UInt8]
        do {
            body = try await BodyReader.read(
                request, limit: config.pingback.maxBodyBytes)
        } catch .tooLarge {
            rejections.record(client, .tooLarge)
            return TextResponse.plain(.contentTooLarge, "request body larger than \(config.pingback.maxBodyBytes) bytes")
        } catch .timedOut {
            rejections.record(client, .slowRequest)
            return TextResponse.plain(.requestTimeout, "request body did not arrive in time")
        }
        let result = await service.handle(body, clientIP: client.ip, userAgent: client.userAgent)
        if let reason = result.rejection {
            rejections.record(client, reason, source: result.source, target: result.target)
        }
        if case .failure(let fault) = result.answer {
            context.logger.info("pingback fault", metadata: ["code": "\(fault.code)", "fault": "\(fault.message)"])
        }
        return xmlAnswer(result.answer)
    }

    /// HTTP 200 `text/xml`, faults collapsed when `pingback.collapse_faults` says so.
    private func xmlAnswer(_ answer: Result<XMLRPCValue, XMLRPCFault>) -> Response {
        let xml: String
        switch PingbackResult(answer: answer).wireAnswer(collapse: config.pingback.collapseFaults) {
        case .success(let value): xml = XMLRPCEncoder.response(value)
        case .failure(let fault): xml = XMLRPCEncoder.fault(fault)
        }
        return TextResponse.make(.ok, xml, type: "text/xml; charset=utf-8", headers: [:])
    }
}

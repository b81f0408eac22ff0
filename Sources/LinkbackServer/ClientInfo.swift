import Hummingbird
import LinkbackCore
import NIOCore

/// Who sent a request: the client address (through trusted proxies) and the user agent.
struct ClientInfo {
    let ip: IPAddress?
    let userAgent: String?

    init(_ request: Request, context: LinkbackRequestContext, server: Config.Server) {
        let peer = context.peerIP
        let header = server.forwardedHeader
        ip = ClientAddress.resolve(
            peer: peer, header: header, values: request.headers[values: .init(header.fieldName)!],
            trustedProxies: server.trustedProxies)
        userAgent = request.headers[.userAgent]
    }
}
/// Records rejections for one endpoint (rejection log and ban count).
struct Rejections: Sendable {
    let recorder: RejectionRecorder
    let `protocol`: MentionProtocol

    func record(_ client: ClientInfo, _ reason: RejectionReason, source: String? = nil, target: String? = nil) {
        guard let ip = client.ip else { return }
        recorder.record(
            Rejection(protocol: `protocol`, clientIP: ip, reason: reason, source: source, target: target,
                userAgent: client.userAgent))
    }
}

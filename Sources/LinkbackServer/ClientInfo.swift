import Hummingbird
import LinkbackCore
import NIOCore

/// Who sent a request: the client address (through trusted proxies) and the user agent.
struct ClientInfo {
    let ip: IPAddress?
    let userAgent: String?

    init(_ request: Request, context: LinkbackRequestContext, trustedProxies: [CIDR]) {
        let peer = context.peerAddress?.ipAddress.flatMap { IPAddress($0) }
        ip = ClientAddress.resolve(
            peer: peer, forwardedFor: request.headers[values: .init("X-Forwarded-For")!],
            forwarded: request.headers[values: .init("Forwarded")!], trustedProxies: trustedProxies)
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

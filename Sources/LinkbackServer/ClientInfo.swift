import Foundation
import HTTPTypes
import Hummingbird
import LinkbackKit
import NIOCore

/// Who sent a request: the client address (through trusted proxies) and the user agent.
struct ClientInfo {
    let ip: IPAddress?
    let userAgent: String?
    private let headers: HTTPFields
    private let baseURL: String

    /// A browser's request that another site's page made (see ``RejectionReason/crossSite``);
    /// worked out only when a rejection is recorded, not for every request.
    var crossSite: Bool {
        Self.isCrossSite(fetchSite: headers.value(Self.secFetchSite), origin: headers.value(.origin), baseURL: baseURL)
    }

    private static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    init(_ request: Request, context: LinkbackRequestContext, server: Config.Server) {
        let peer = context.peerIP
        let header = server.forwardedHeader
        ip = ClientAddress.resolve(
            peer: peer, header: header, values: request.headers[values: header.httpFieldName],
            trustedProxies: server.trustedProxies)
        userAgent = request.headers.value(.userAgent)
        headers = request.headers
        baseURL = server.baseURL
    }

    /// `Sec-Fetch-Site: cross-site`, or an `Origin` other than the base URL's (`null` included).
    static func isCrossSite(fetchSite: String?, origin: String?, baseURL: String) -> Bool {
        if fetchSite?.lowercased() == "cross-site" { return true }
        guard let origin = origin?.trimmingCharacters(in: .whitespaces), !origin.isEmpty else { return false }
        guard let own = URL(string: baseURL), let theirs = URL(string: origin) else { return true }
        return theirs.scheme?.lowercased() != own.scheme?.lowercased() || theirs.host?.lowercased() != own.host?.lowercased()
            || theirs.port != own.port
    }
}
/// Records rejections for one endpoint (rejection log and ban count).
struct Rejections: Sendable {
    let recorder: RejectionRecorder
    let `protocol`: MentionProtocol

    /// A cross-site browser request is logged as `cross-site`, whatever was wrong with it (soft).
    func record(_ client: ClientInfo, _ reason: RejectionReason, source: String? = nil, target: String? = nil) {
        guard let ip = client.ip else { return }
        recorder.record(
            Rejection(protocol: `protocol`, clientIP: ip, reason: client.crossSite ? .crossSite : reason, source: source,
                target: target, userAgent: client.userAgent))
    }
}

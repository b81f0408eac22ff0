import Foundation

/// The one header a trusted reverse proxy uses to pass on the client address
/// (`server.forwarded_header`). Linkback believes exactly this header and ignores the other, so
/// a client cannot add a header the proxy passes through untouched and choose the address that
/// gets logged, rate-limited and banned.
public enum ForwardedHeader: String, Sendable, CaseIterable {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx `$proxy_add_x_forwarded_for`, Apache mod_proxy).
    case xForwardedFor = "x-forwarded-for"
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    case forwarded

    /// The HTTP field name.
    public var fieldName: String {
        switch self {
        case .xForwardedFor: return "X-Forwarded-For"
        case .forwarded: return "Forwarded"
        }
    }
}

/// Which address a request comes from, for logging, rate limits and bans.
///
/// The TCP peer, unless the peer is a trusted proxy: then the right-most address in the one
/// configured header (``ForwardedHeader``) that is not itself a trusted proxy. Addresses to the
/// left of it were written by whoever sent the request and are never believed. A header that
/// does not parse, or is missing, means the peer's own address.
public enum ClientAddress {
    /// - Parameters:
    ///   - values: every value of the configured header, in the order received.
    public static func resolve(
        peer: IPAddress?, header: ForwardedHeader, values: [String], trustedProxies: [CIDR]
    ) -> IPAddress? {
        guard let peer = peer?.unmapped else { return nil }
        func trusted(_ address: IPAddress) -> Bool { trustedProxies.contains { $0.contains(address) } }
        guard trusted(peer), let chain = parse(values, as: header), !chain.isEmpty else { return peer }
        for address in chain.reversed() where !trusted(address) { return address }
        // Every hop is a trusted proxy: the left-most is the nearest thing to a client.
        return chain[0]
    }

    /// The addresses of the header's list, left to right; `nil` when any element does not parse
    /// (a proxy that appends would never write it, so the list cannot be trusted).
    static func parse(_ values: [String], as header: ForwardedHeader) -> [IPAddress]? {
        var chain: [IPAddress] = []
        for value in values {
            for element in value.split(separator: ",", omittingEmptySubsequences: false) {
                let address: IPAddress?
                switch header {
                case .xForwardedFor:
                    address = IPAddress(element.trimmingCharacters(in: .whitespaces))
                case .forwarded:
                    address = forNode(in: element)
                }
                guard let address else { return nil }
                chain.append(address.unmapped)
            }
        }
        return chain
    }

    /// The address of the `for=` parameter of one `Forwarded` element.
    private static func forNode(in element: Substring) -> IPAddress? {
        for pair in element.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, parts[0].lowercased() == "for" { return parseForwardedNode(parts[1]) }
        }
        return nil
    }

    /// `192.0.2.1`, `"192.0.2.1:8080"`, `"[2001:db8::1]:443"`, `"[2001:db8::1]"`.
    private static func parseForwardedNode(_ raw: String) -> IPAddress? {
        var node = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        if node.hasPrefix("[") {
            guard let close = node.firstIndex(of: "]") else { return nil }
            node = String(node[node.index(after: node.startIndex)..<close])
        } else if node.filter({ $0 == ":" }).count == 1, let colon = node.firstIndex(of: ":") {
            node = String(node[..<colon])
        }
        return IPAddress(node)
    }
}

/// What `GET /webmention?whoami` answers: how Linkback sees the request that asked, so an
/// operator (and `linkback doctor`) can check, through the proxy, that the client address arrives
/// as configured.
public struct ClientProbe: Codable, Sendable, Equatable {
    /// The address Linkback logs, limits and bans for this request.
    public var client: String?
    /// The TCP peer (the proxy, behind one).
    public var peer: String?
    /// The configured header's name (`server.forwarded_header`) and its values as received.
    public var header: String
    public var headerValues: [String]
    /// Whether the peer is in `server.trusted_proxies`, so the header is believed.
    public var peerTrusted: Bool

    enum CodingKeys: String, CodingKey {
        case client, peer, header
        case headerValues = "header_values"
        case peerTrusted = "peer_trusted"
    }

    public init(peer: IPAddress?, header: ForwardedHeader, values: [String], trustedProxies: [CIDR]) {
        self.peer = peer.map { $0.unmapped.description }
        client = ClientAddress.resolve(peer: peer, header: header, values: values, trustedProxies: trustedProxies)?
            .description
        self.header = header.fieldName
        headerValues = values.map { String($0.prefix(256)) }
        peerTrusted = peer.map { address in trustedProxies.contains { $0.contains(address.unmapped) } } ?? false
    }
}

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
/// The TCP peer, unless the peer is a trusted proxy: then the header's list (``ForwardedHeader``)
/// is read from the right, hop by hop. Each trusted proxy appended the address it saw, so the
/// right-most well-formed element that is not itself a trusted proxy is the client; what stands
/// further left was written by whoever sent the request and never matters (garbage there,
/// `X-Forwarded-For: x` becoming `x, 203.0.113.7`, changes nothing). An element that does not
/// parse before the client is found ends the walk at the nearest trusted hop: no trusted proxy
/// writes one. Elements may carry a port, brackets, quotes or an IPv6 zone (`fe80::1%eth0`).
public enum ClientAddress {
    /// - Parameters:
    ///   - values: every value of the configured header, in the order received (read only when
    ///     the peer is a trusted proxy).
    public static func resolve(
        peer: IPAddress?, header: ForwardedHeader, values: @autoclosure () -> [String], trustedProxies: [CIDR]
    ) -> IPAddress? {
        guard let peer = peer?.unmapped else { return nil }
        func trusted(_ address: IPAddress) -> Bool { trustedProxies.contains { $0.contains(address) } }
        guard trusted(peer) else { return peer }
        var nearest = peer
        for element in elements(values()).reversed() {
            let node: IPAddress? = switch header {
            case .xForwardedFor: node(element)
            case .forwarded: forNode(in: element)
            }
            guard let address = node?.unmapped else { return nearest }
            if !trusted(address) { return address }
            nearest = address
        }
        // Every hop is a trusted proxy: the left-most is the nearest thing to a client.
        return nearest
    }

    /// The list's elements, left to right, across every value of the header.
    package static func elements(_ values: [String]) -> [Substring] {
        values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
    }

    /// The address of the `for=` parameter of one `Forwarded` element.
    private static func forNode(in element: Substring) -> IPAddress? {
        for pair in element.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, parts[0].lowercased() == "for" { return node(Substring(parts[1])) }
        }
        return nil
    }

    /// `192.0.2.1`, `192.0.2.1:8080`, `"[2001:db8::1]:443"`, `[2001:db8::1]`, `2001:db8::1`,
    /// `fe80::1%eth0` (the zone dropped); anything else (a name, `unknown`, octal) is `nil`.
    package static func node(_ raw: Substring) -> IPAddress? {
        var node = raw.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        if node.hasPrefix("[") {
            guard let close = node.firstIndex(of: "]") else { return nil }
            let rest = node[node.index(after: close)...]
            guard rest.isEmpty || (rest.first == ":" && rest.dropFirst().allSatisfy(\.isASCIIDigitCharacter)) else { return nil }
            node = String(node[node.index(after: node.startIndex)..<close])
        } else if node.filter({ $0 == ":" }).count == 1, let colon = node.firstIndex(of: ":") {
            guard node[node.index(after: colon)...].allSatisfy(\.isASCIIDigitCharacter) else { return nil }
            node = String(node[..<colon])
        }
        if node.contains(":"), let percent = node.firstIndex(of: "%") { node = String(node[..<percent]) }
        return IPAddress(node)
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
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

    package enum CodingKeys: String, CodingKey {
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

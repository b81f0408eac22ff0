import Foundation

/// Which address a request comes from, for logging, rate limits and bans.
///
/// The TCP peer, unless the peer is a trusted proxy: then the right-most address in
/// `X-Forwarded-For` (or `Forwarded: for=`) that is not itself a trusted proxy. A client that is
/// not a trusted proxy cannot choose the address that gets logged or banned.
public enum ClientAddress {
    public static func resolve(
        peer: IPAddress?, forwardedFor: [String], forwarded: [String], trustedProxies: [CIDR]
    ) -> IPAddress? {
        guard let peer = peer?.unmapped else { return nil }
        func trusted(_ address: IPAddress) -> Bool { trustedProxies.contains { $0.contains(address) } }
        guard trusted(peer) else { return peer }
        var chain: [IPAddress] = []
        if !forwarded.isEmpty {
            for header in forwarded {
                for element in header.split(separator: ",") {
                    for pair in element.split(separator: ";") {
                        let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                        guard parts.count == 2, parts[0].lowercased() == "for" else { continue }
                        if let address = parseForwardedNode(parts[1]) { chain.append(address) }
                    }
                }
            }
        } else {
            for header in forwardedFor {
                for item in header.split(separator: ",") {
                    if let address = IPAddress(item.trimmingCharacters(in: .whitespaces)) { chain.append(address.unmapped) }
                }
            }
        }
        for address in chain.reversed() where !trusted(address) { return address }
        return chain.first ?? peer
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
        return IPAddress(node)?.unmapped
    }
}

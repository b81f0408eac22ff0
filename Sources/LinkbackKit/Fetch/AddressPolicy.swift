/// Which addresses a source fetch may connect to: public unicast only.
///
/// The ranges are the special-purpose IPv4 and IPv6 blocks (loopback, private, link-local,
/// shared, documentation, benchmarking, multicast, reserved, …); IPv4-mapped, NAT64 and 6to4
/// addresses are judged by the IPv4 address they embed.
public enum AddressPolicy {
    /// The IANA IPv4 special-purpose registry (and multicast and the reserved 240/4).
    package static let blockedIPv4: [CIDR] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    ].map { CIDR($0)! }

    /// The IANA IPv6 special-purpose registry, and the deprecated ranges still around. Mapped
    /// (::ffff:0:0/96), well-known NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged
    /// by the IPv4 address they carry instead.
    package static let blockedIPv6: [CIDR] = [
        "::/128", "::1/128",
        // IPv4-compatible (deprecated) and IPv4-translated (RFC 2765) addresses.
        "::/96", "::ffff:0:0:0/96",
        // Local-use IPv4/IPv6 translation (RFC 8215), discard-only (RFC 6666), dummy prefix (RFC 9780).
        "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64",
        // IETF protocol assignments: Teredo, benchmarking, ORCHID and the rest (RFC 2928).
        "2001::/23", "2001:db8::/32",
        // Documentation (RFC 9637), SRv6 SIDs (RFC 9602).
        "3fff::/20", "5f00::/16",
        "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    ].map { CIDR($0)! }

    /// Why `address` may not be fetched from, or `nil` when it is a public address.
    public static func refusal(for address: IPAddress) -> String? {
        let embedded = embeddedIPv4(in: address)
        let judged = embedded ?? address
        let ranges = judged.isIPv4 ? blockedIPv4 : blockedIPv6
        guard let range = ranges.first(where: { $0.contains(judged) }) else { return nil }
        if let embedded {
            return "\(address) carries \(embedded), which is in the special-purpose range \(range)"
        }
        return "\(address) is in the special-purpose range \(range)"
    }

    /// The IPv4 address inside an IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) or 6to4
    /// (2002::/16) address.
    package static func embeddedIPv4(in address: IPAddress) -> IPAddress? {
        guard case .v6(let high, let low) = address else { return nil }
        if address.unmapped.isIPv4 { return address.unmapped }
        if high == 0x0064_ff9b_0000_0000, low >> 32 == 0 { return .v4(UInt32(truncatingIfNeeded: low)) }
        if high >> 48 == 0x2002 { return .v4(UInt32(truncatingIfNeeded: high >> 16)) }
        return nil
    }

    /// Whether `host` (from a URL, lower case, without brackets) is a numeric form that is not a
    /// plain dotted quad: `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`. Browsers and some
    /// resolvers read these as IPv4 addresses; Linkback refuses them.
    public static func isNumericTrick(_ host: String) -> Bool {
        let labels = host.split(separator: ".", omittingEmptySubsequences: true)
        guard let last = labels.last else { return false }
        let lastIsNumber = last.allSatisfy(\.isASCIIDigit)
            || (last.lowercased().hasPrefix("0x") && last.dropFirst(2).allSatisfy(\.isHexDigit))
        guard lastIsNumber else { return false }
        return !isDottedQuad(host)
    }

    /// Four decimal parts from 0 to 255 without leading zeros.
    package static func isDottedQuad(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCIIDigit), let value = Int(part) else {
                return false
            }
            return value <= 255 && (part.count == 1 || part.first != "0")
        }
    }
}

extension Character {
    package var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

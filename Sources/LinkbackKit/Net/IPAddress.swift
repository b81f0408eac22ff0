#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, parsed strictly (dotted-quad IPv4, RFC 4291 IPv6).
///
/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are kept as IPv6 but ``unmapped`` turns
/// them into IPv4, which is how Linkback logs and compares client addresses.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt64, UInt64)

    /// Parses a literal address. Brackets (`[::1]`) and a zone (`fe80::1%eth0`) are refused.
    public init?(_ text: some StringProtocol) {
        let string = String(text)
        if string.utf8.contains(UInt8(ascii: ":")) {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, string, &raw) == 1 else { return nil }
            self.init(raw)
        } else {
            var raw = in_addr()
            guard inet_pton(AF_INET, string, &raw) == 1 else { return nil }
            self = .v4(UInt32(bigEndian: raw.s_addr))
        }
    }

    /// An IPv6 address from its socket-API form.
    public init(_ raw: in6_addr) {
        var raw = raw
        self = withUnsafeBytes(of: &raw) { bytes in
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
            for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
            return .v6(high, low)
        }
    }

    /// The client this address counts as for rate limits and bans: an IPv4 address itself, an
    /// IPv6 address its first `ipv6Prefix` bits (one /64 is one subscriber: counting its 2^64
    /// addresses one by one would give a spammer unlimited buckets).
    public func client(ipv6Prefix: Int) -> IPAddress {
        guard case .v6(let high, let low) = self.unmapped, ipv6Prefix < 128 else { return self.unmapped }
        let bits = max(0, ipv6Prefix)
        let highMask: UInt64 = bits >= 64 ? .max : (bits == 0 ? 0 : .max << (64 - bits))
        let lowMask: UInt64 = bits <= 64 ? 0 : .max << (128 - bits)
        return .v6(high & highMask, low & lowMask)
    }

    /// Whether this is an IPv4 address (an IPv4-mapped IPv6 address is not; see ``unmapped``).
    public var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }

    /// The embedded IPv4 address of an IPv4-mapped IPv6 address, else the address itself.
    public var unmapped: IPAddress {
        if case .v6(let high, let low) = self, high == 0, low >> 32 == 0xFFFF {
            return .v4(UInt32(truncatingIfNeeded: low))
        }
        return self
    }

    /// Canonical text: dotted quad, or RFC 5952 IPv6 (as `inet_ntop` writes it).
    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
        case .v6(let high, let low):
            var raw = in6_addr()
            withUnsafeMutableBytes(of: &raw) { bytes in
                for index in 0..<8 { bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * index)) }
                for index in 0..<8 { bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * index)) }
            }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
            return String(cString: buffer)
        }
    }
}

/// An address range such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a /32 or /128.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0])?.unmapped else { return nil }
        let maxLength = address.isIPv4 ? 32 : 128
        var length = maxLength
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), parts[1].allSatisfy(\.isASCII), (0...maxLength).contains(parsed) else {
                return nil
            }
            length = parsed
        }
        self.init(address: address, prefixLength: length)
    }

    public init(address: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        self.address = Self.masked(address, prefixLength)
    }

    /// Whether `ip` lies in the range; IPv4-mapped IPv6 addresses match IPv4 ranges.
    public func contains(_ ip: IPAddress) -> Bool {
        let candidate = ip.unmapped
        guard candidate.isIPv4 == address.isIPv4 else { return false }
        return Self.masked(candidate, prefixLength) == address
    }

    public var description: String { "\(address)/\(prefixLength)" }

    private static func masked(_ ip: IPAddress, _ length: Int) -> IPAddress {
        switch ip {
        case .v4(let value):
            return .v4(length == 0 ? 0 : value & ~UInt32(0) << (32 - length))
        case .v6(let high, let low):
            let highMask: UInt64 = length >= 64 ? ~0 : (length == 0 ? 0 : ~UInt64(0) << (64 - length))
            let lowMask: UInt64 = length <= 64 ? 0 : (length == 128 ? ~0 : ~UInt64(0) << (128 - length))
            return .v6(high & highMask, low & lowMask)
        }
    }
}

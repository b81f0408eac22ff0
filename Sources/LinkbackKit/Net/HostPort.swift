import Foundation

/// Host name helpers shared by configuration, URL checks and blocks.
public enum HostName {
    /// The one form of a domain name everywhere (blocks, allow lists, `sites`, filters): lower
    /// case, an international name in its IDNA ASCII form (`bücher.example` →
    /// `xn--bcher-kva.example`, as sources are stored), no trailing dot. `nil` when it is not a
    /// plausible host name.
    public static func normalized(_ text: some StringProtocol) -> String? {
        var host = text.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        guard host.unicodeScalars.allSatisfy({ !$0.isASCII || isLabelCharacter($0) || $0 == "." }) else { return nil }
        if !host.unicodeScalars.allSatisfy(\.isASCII) {
            // Foundation's URL parser applies IDNA (UTS #46) to international host names.
            guard let ascii = URL(string: "http://\(host)/")?.host?.lowercased(),
                ascii.unicodeScalars.allSatisfy(\.isASCII)
            else { return nil }
            host = ascii.hasSuffix(".") ? String(ascii.dropLast()) : ascii
        }
        guard !host.isEmpty, host.count <= 253 else { return nil }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.unicodeScalars.allSatisfy(isLabelCharacter),
                label.first != "-", label.last != "-"
            else { return nil }
        }
        return host
    }

    /// A URL's host in ``normalized(_:)``'s form, read on bytes where the URL is plainly http(s)
    /// (stored sources are): Foundation's parser for each of a copy look-up's 200 candidates was
    /// 4 % of a farm's drain. `nil` without a host.
    public static func of(url: String) -> String? {
        if let address = WebAddress(url) { return String(decoding: address.host, as: UTF8.self) }
        return URL(string: url)?.host.flatMap(normalized)
    }

    /// Whether `host` is `domain` or one of its subdomains (`blog.example.com` is in `example.com`).
    public static func host(_ host: String, isWithin domain: String) -> Bool {
        host == domain || host.hasSuffix("." + domain)
    }

    private static func isLabelCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "0"..."9", "-", "_": return true
        default: return false
        }
    }
}

/// A `host` or `host:port` value as used by `sites` and `fetch.allow_hosts`.
/// IPv6 literals are written in brackets: `[::1]:8080`.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    /// Lower-case host name, or an IP literal without brackets.
    public let host: String
    public let port: Int?

    public init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    public init?(_ text: some StringProtocol) {
        let text = String(text)
        var hostPart = Substring(text)
        var portPart: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portPart = rest.dropFirst()
            }
            guard let ip = IPAddress(hostPart), !ip.isIPv4 else { return nil }
        } else if let colon = text.firstIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        var port: Int?
        if let portPart {
            guard let value = Int(portPart), portPart.allSatisfy(\.isASCII), (1...65535).contains(value) else {
                return nil
            }
            port = value
        }
        if text.hasPrefix("[") {
            self.init(host: hostPart.lowercased(), port: port)
        } else {
            guard let host = HostName.normalized(hostPart) else { return nil }
            self.init(host: host, port: port)
        }
    }

    /// Where an http(s) URL connects: its host (lower case, without brackets or a trailing dot)
    /// and its port, the scheme's default when the URL names none. `nil` for a host that is
    /// neither an IP address nor a host name (``HostName/normalized(_:)``): an empty label
    /// (`a..b`), characters no name has (`sts=`), an escape in an IPv6 literal. Such URLs had
    /// more than one canonical form (found by fuzzing).
    public init?(endpointOf url: URL) {
        // A plain http(s) URL read on its bytes (``WebAddress``), without Foundation's host parsing.
        if let address = WebAddress(url.absoluteString) {
            self.init(host: String(decoding: address.host, as: UTF8.self), port: address.port ?? (address.isHTTPS ? 443 : 80))
            return
        }
        guard var host = url.host?.lowercased(), !host.isEmpty else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        // An IPv6 literal and nothing else (no zone id, no escapes: found by fuzzing,
        // `[::ffff:%7e.0.0.1]` had no stable canonical form).
        if host.utf8.contains(UInt8(ascii: ":")) {
            guard IPAddress(host) != nil else { return nil }
        } else {
            // A name must be a host name (`sts=` is not one: found by fuzzing).
            guard let name = HostName.normalized(host) else { return nil }
            host = name
        }
        self.init(host: host, port: url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80))
    }

    public var description: String {
        let shownHost = host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host
        return port.map { "\(shownHost):\($0)" } ?? shownHost
    }
}

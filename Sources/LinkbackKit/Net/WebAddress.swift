/// An absolute `http` or `https` URL taken apart on its UTF-8 bytes, to resolve the links of a page
/// against and to put them in ``CanonicalURL``'s form without Foundation's `URL`: a page's every
/// `href` passed through Foundation's parser and URL components was a third of the link check.
///
/// Only what is plainly an http(s) URL is handled here (RFC 3986 §5.2 resolution, a host name of
/// ASCII labels, a numeric port); anything else — a non-ASCII character, an IPv6 literal, user
/// information, a space, a stray `%` — answers ``Resolution/unsure``, and the caller asks
/// Foundation, as it always did. The two agree wherever this one answers: a test and the URL fuzzer
/// compare them.
public struct WebAddress: Sendable, Equatable {
    public let isHTTPS: Bool
    /// Lower case, without a trailing dot.
    public let host: [UInt8]
    /// `nil` for the scheme's default port.
    public let port: Int?
    /// As written; when resolved from a relative reference, with dot segments removed (RFC 3986
    /// §5.2.2, escapes left as they are, as Foundation does).
    public let path: [UInt8]
    public let query: [UInt8]?
    public let fragment: [UInt8]?

    /// What a reference resolves to.
    public enum Resolution: Sendable, Equatable {
        case address(WebAddress)
        /// A URL of another scheme (`mailto:`, `javascript:`, `ftp:`): never an http(s) link.
        case otherScheme
        /// Not for this parser: ask Foundation.
        case unsure
        /// Only when asked about one host (``resolve(_:onHost:)``): an http(s) address on another
        /// host, its path left unbuilt.
        case otherHost
    }

    /// An absolute http(s) URL; `nil` when it is not one or needs Foundation.
    public init?(_ text: String) {
        guard case .address(let address) = Self.parse(Array(text.utf8), base: nil) else { return nil }
        self = address
    }

    private init(isHTTPS: Bool, host: [UInt8], port: Int?, path: [UInt8], query: [UInt8]?, fragment: [UInt8]?) {
        self.isHTTPS = isHTTPS
        self.host = host
        self.port = port
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    /// `reference` (an `href` or `src` value, as `URLResolver` takes it) resolved against this address.
    /// With `host` (lower case, as ``host`` holds it), an address on any other host is only
    /// ``Resolution/otherHost``: a link check looks at a page's every link, and most name another
    /// host or are relative to a page on one; everything else is answered as without it.
    public func resolve(_ reference: String, onHost host: [UInt8]? = nil) -> Resolution {
        var bytes = Array(reference.utf8)
        // As browsers and `URLResolver`: surrounding HTML whitespace ignored, tabs and newlines dropped.
        while let last = bytes.last, last.isHTMLWhitespace { bytes.removeLast() }
        var start = 0
        while start < bytes.count, bytes[start].isHTMLWhitespace { start += 1 }
        if start > 0 { bytes.removeFirst(start) }
        if bytes.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            bytes.removeAll { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        }
        // An empty reference is the document itself.
        if bytes.isEmpty { return host.map { $0 == self.host } == false ? .otherHost : .address(self) }
        return Self.parse(bytes, base: self, onHost: host)
    }

    /// The ``CanonicalURL`` text of this address.
    public func canonical(keepingFragment: Bool = false) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(host.count + path.count + (query?.count ?? 0) + 16)
        text.append(contentsOf: isHTTPS ? Self.httpsPrefix : Self.httpPrefix)
        text.append(contentsOf: host)
        if let port { text.append(contentsOf: Array(":\(port)".utf8)) }
        let path = CanonicalURL.removingDotSegments(CanonicalURL.normalizingEscapes(self.path))
        if path.isEmpty { text.append(UInt8(ascii: "/")) } else { text.append(contentsOf: path) }
        if let query {
            text.append(UInt8(ascii: "?"))
            text.append(contentsOf: CanonicalURL.normalizingEscapes(query))
        }
        if keepingFragment, let fragment, !fragment.isEmpty {
            text.append(UInt8(ascii: "#"))
            text.append(contentsOf: CanonicalURL.normalizingEscapes(fragment))
        }
        return String(decoding: text, as: UTF8.self)
    }

    // MARK: - Parsing (RFC 3986 Appendix B, §5.2.2)

    private static let httpPrefix = Array("http://".utf8)
    private static let httpsPrefix = Array("https://".utf8)

    private static func parse(_ bytes: [UInt8], base: WebAddress?, onHost wanted: [UInt8]? = nil) -> Resolution {
        // Printable ASCII only, without the characters URLs never hold as written; a `%` must start
        // an escape. Anything else is Foundation's to encode or refuse.
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte > 0x20, byte < 0x7F, !forbidden(byte) else { return .unsure }
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, bytes[index + 1].hexDigitValue != nil,
                    bytes[index + 2].hexDigitValue != nil else { return .unsure }
                index += 3
            } else {
                index += 1
            }
        }
        let end = bytes.count
        // scheme ":" — letters first, up to the first ":" before any "/", "?" or "#".
        var position = 0
        var scheme: ArraySlice<UInt8>?
        if let colon = bytes.firstIndex(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }),
            bytes[colon] == UInt8(ascii: ":")
        {
            let candidate = bytes[0..<colon]
            guard isSchemeName(candidate) else { return .unsure }  // a colon in a first segment that is no scheme
            scheme = candidate
            position = colon + 1
        }
        var isHTTPS = base?.isHTTPS ?? false
        if let scheme {
            // Compared in place: two arrays built for it were a tenth of a link's resolution.
            if scheme.count == 5, isHTTP(scheme.prefix(4)), scheme.last! | 0x20 == UInt8(ascii: "s") {
                isHTTPS = true
            } else if scheme.count == 4, isHTTP(scheme) {
                isHTTPS = false
            } else {
                return .otherScheme
            }
        } else if base == nil {
            return .unsure
        }
        // "//" authority
        var authority: ArraySlice<UInt8>?
        if end - position >= 2, bytes[position] == UInt8(ascii: "/"), bytes[position + 1] == UInt8(ascii: "/") {
            let start = position + 2
            let stop = bytes[start...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? end
            authority = bytes[start..<stop]
            position = stop
        } else if scheme != nil {
            return .unsure  // `http:path`: relative to the base in some parsers, invalid in others
        }
        let pathEnd = bytes[position...].firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? end
        let path = bytes[position..<pathEnd]
        position = pathEnd
        var query: ArraySlice<UInt8>?
        if position < end, bytes[position] == UInt8(ascii: "?") {
            let stop = bytes[(position + 1)...].firstIndex(of: UInt8(ascii: "#")) ?? end
            query = bytes[(position + 1)..<stop]
            position = stop
        }
        var fragment: ArraySlice<UInt8>?
        if position < end {  // at "#"
            fragment = bytes[(position + 1)..<end]
            if fragment!.contains(UInt8(ascii: "#")) { return .unsure }
        }

        let host: [UInt8]
        let port: Int?
        let resolvedPath: [UInt8]
        var resolvedQuery = query.map(Array.init)
        if let authority {
            guard let (parsedHost, parsedPort) = hostAndPort(authority, isHTTPS: isHTTPS) else { return .unsure }
            if let wanted, parsedHost != wanted { return .otherHost }
            (host, port) = (parsedHost, parsedPort)
            // Foundation removes no dot segments from a reference with an authority; the canonical
            // form removes them after decoding escapes (`%2E%2E` becomes `..` there).
            resolvedPath = Array(path)
        } else {
            guard let base else { return .unsure }
            if let wanted, base.host != wanted { return .otherHost }
            (host, port) = (base.host, base.port)
            if path.isEmpty {
                resolvedPath = base.path
                if query == nil { resolvedQuery = base.query }
            } else if path.first == UInt8(ascii: "/") {
                resolvedPath = CanonicalURL.removingDotSegments(Array(path))
            } else {
                // merge (§5.2.3): the base path up to its last "/", or "/" for an empty base path.
                var merged: [UInt8]
                if base.path.isEmpty {
                    merged = [UInt8(ascii: "/")]
                } else if let slash = base.path.lastIndex(of: UInt8(ascii: "/")) {
                    merged = Array(base.path[...slash])
                } else {
                    merged = []
                }
                merged.append(contentsOf: path)
                resolvedPath = CanonicalURL.removingDotSegments(merged)
            }
        }
        return .address(
            WebAddress(
                isHTTPS: isHTTPS, host: host, port: port, path: resolvedPath, query: resolvedQuery, fragment: fragment.map(Array.init)))
    }

    /// A host name of ASCII labels (``HostName/normalized(_:)``'s rules) and an optional port;
    /// `nil` for anything else (user information, IP literals in brackets, an empty port).
    private static func hostAndPort(_ authority: ArraySlice<UInt8>, isHTTPS: Bool) -> ([UInt8], Int?)? {
        var hostPart = authority
        var port: Int?
        if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            hostPart = authority[..<colon]
            let digits = authority[(colon + 1)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isASCIIDigit) else { return nil }
            let value = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard (1...65535).contains(value) else { return nil }
            port = value == (isHTTPS ? 443 : 80) ? nil : value
        }
        var host = hostPart.map { $0.isASCIILetter ? $0 | 0x20 : $0 }
        if host.last == UInt8(ascii: ".") { host.removeLast() }
        guard !host.isEmpty, host.count <= 253 else { return nil }
        var labelLength = 0
        var previous: UInt8 = UInt8(ascii: ".")
        for byte in host {
            if byte == UInt8(ascii: ".") {
                guard labelLength > 0, previous != UInt8(ascii: "-") else { return nil }
                labelLength = 0
            } else {
                guard byte.isASCIILetter || byte.isASCIIDigit || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") else { return nil }
                if labelLength == 0, byte == UInt8(ascii: "-") { return nil }
                labelLength += 1
                guard labelLength <= 63 else { return nil }
            }
            previous = byte
        }
        guard labelLength > 0, previous != UInt8(ascii: "-") else { return nil }
        return (host, port)
    }

    /// Whether `letters` (four bytes) are `http` in any case.
    private static func isHTTP(_ letters: ArraySlice<UInt8>) -> Bool {
        let start = letters.startIndex
        return letters.count == 4 && letters[start] | 0x20 == UInt8(ascii: "h") && letters[start + 1] | 0x20 == UInt8(ascii: "t")
            && letters[start + 2] | 0x20 == UInt8(ascii: "t") && letters[start + 3] | 0x20 == UInt8(ascii: "p")
    }

    /// Characters Foundation's parser would encode or refuse: left to it.
    private static func forbidden(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"), UInt8(ascii: "^"),
            UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "["),
            UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }
}

import Foundation

/// The one canonical form of an http(s) URL that Linkback stores, compares and blocks by, so
/// that `HTTP://Blog.Example.:80/%70osts/./1` and `http://blog.example/posts/1` are one URL
/// (RFC 3986 §6.2.2 syntax-based normalisation, plus the scheme's default port).
///
/// Scheme and host in lower case (an international host in its IDNA ASCII form), the trailing
/// dot of the host and the scheme's default port dropped, an empty path as `/`, percent-encoded
/// unreserved characters decoded and other escapes in upper-case hex, dot segments removed. The
/// query is kept, with its escapes normalised the same way. The fragment is dropped, unless asked
/// for: a mention's target keeps it (`…/post#comment-1` is its own mention), while links are
/// compared without it, since a fragment names a part of the same document.
public enum CanonicalURL {
    /// The canonical text of `url`; `nil` without a scheme or host. With `keepingFragment`, a
    /// non-empty fragment is kept, its escapes normalised.
    public static func string(_ url: URL, keepingFragment: Bool = false) -> String? {
        guard let scheme = url.scheme?.lowercased(), let endpoint = HostPort(endpointOf: url) else { return nil }
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return nil }
        var host = endpoint.host
        if host.utf8.contains(UInt8(ascii: ":")) { host = "[\(host)]" }
        let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
        var text = scheme + "://" + host
        if let port = url.port, port != defaultPort { text += ":\(port)" }
        let path = removingDotSegments(normalizingEscapes(components.percentEncodedPath))
        text += path.isEmpty ? "/" : path
        if let query = components.percentEncodedQuery { text += "?" + normalizingEscapes(query) }
        if keepingFragment, let fragment = components.percentEncodedFragment, !fragment.isEmpty {
            text += "#" + normalizingEscapes(fragment)
        }
        return text
    }

    /// The canonical form of `url` as a URL; `nil` without a scheme or host.
    public static func url(_ url: URL, keepingFragment: Bool = false) -> URL? {
        string(url, keepingFragment: keepingFragment).flatMap(URL.init(string:))
    }

    /// Decodes `%XX` escapes of unreserved characters (`A–Z a–z 0–9 - . _ ~`) and upper-cases
    /// the hex digits of all others.
    package static func normalizingEscapes(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        return String(decoding: normalizingEscapes(Array(text.utf8)), as: UTF8.self)
    }

    /// ``normalizingEscapes(_:)-(String)`` on UTF-8 bytes.
    package static func normalizingEscapes(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "%")) else { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = bytes[index + 1].hexDigitValue,
                let low = bytes[index + 2].hexDigitValue
            {
                let value = high << 4 | low
                if isUnreserved(value) {
                    output.append(value)
                } else {
                    output.append(contentsOf: [UInt8(ascii: "%"), hexDigit(high), hexDigit(low)])
                }
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    /// RFC 3986 §5.2.4 remove_dot_segments.
    package static func removingDotSegments(_ path: String) -> String {
        guard path.utf8.contains(UInt8(ascii: ".")) else { return path }
        return String(decoding: removingDotSegments(Array(path.utf8)), as: UTF8.self)
    }

    /// ``removingDotSegments(_:)-(String)`` on UTF-8 bytes.
    package static func removingDotSegments(_ path: [UInt8]) -> [UInt8] {
        guard path.contains(UInt8(ascii: ".")) else { return path }
        let slash = UInt8(ascii: "/")
        let dot = UInt8(ascii: ".")
        var output: [UInt8] = []
        output.reserveCapacity(path.count)
        // Where each output segment (with its leading slash) starts, to drop the last one.
        var starts: [Int] = []
        var input = path[...]
        func removeLastSegment() {
            if let start = starts.popLast() { output.removeSubrange(start...) }
        }
        while !input.isEmpty {
            if input.starts(with: [dot, dot, slash]) {
                input = input.dropFirst(3)
            } else if input.starts(with: [dot, slash]) {
                input = input.dropFirst(2)
            } else if input.starts(with: [slash, dot, slash]) {
                input = input.dropFirst(2)
            } else if input.elementsEqual([slash, dot]) {
                input = [slash][...]
            } else if input.starts(with: [slash, dot, dot, slash]) {
                input = input.dropFirst(3)
                removeLastSegment()
            } else if input.elementsEqual([slash, dot, dot]) {
                input = [slash][...]
                removeLastSegment()
            } else if input.elementsEqual([dot]) || input.elementsEqual([dot, dot]) {
                input = []
            } else {
                let searchFrom = input.first == slash ? input.startIndex + 1 : input.startIndex
                let end = input[searchFrom...].firstIndex(of: slash) ?? input.endIndex
                starts.append(output.count)
                output.append(contentsOf: input[..<end])
                input = input[end...]
            }
        }
        return output
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }
}

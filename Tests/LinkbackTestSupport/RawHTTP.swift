import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Sends raw bytes over a TCP connection to 127.0.0.1 and reads the answer: for requests no
/// well-behaved client would send (chunked spam, lying Content-Length, bodies that never end).
public enum RawHTTP {
    /// Writes `request` (after `pause` between `parts`), reads until the server closes or
    /// `timeout` passes, and returns what was read.
    /// `from` binds the client side to another loopback address (127.0.0.2) to play a second client.
    public static func exchange(
        port: Int, parts: [[UInt8]], pause: Duration = .zero, timeout: Double = 10, host: String = "127.0.0.1",
        from: String? = nil, untilClosed: Bool = false
    ) async throws -> String {
        let fd = socket(host.contains(":") ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureFailure("socket failed") }
        defer { close(fd) }
        if let from {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, from, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw FixtureFailure("cannot bind to \(from)") }
        }
        var seconds = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        let connected: Int32
        if host.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard connected == 0 else { throw FixtureFailure("connect to \(host):\(port) failed") }
        for (index, part) in parts.enumerated() {
            if index > 0 && pause != .zero { try await Task.sleep(for: pause) }
            var sent = 0
            while sent < part.count {
                let written = part[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written <= 0 { break }
                sent += written
            }
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        var closed = false
        while Date() < deadline {
            let count = recv(fd, &buffer, buffer.count, 0)
            closed = count == 0
            if count <= 0 { break }
            answer.append(contentsOf: buffer[0..<count])
            if !untilClosed, let text = String(bytes: answer, encoding: .utf8), Self.isComplete(text) { break }
        }
        if untilClosed && !closed { throw FixtureFailure("the server kept the connection open for \(timeout) s") }
        return String(decoding: answer, as: UTF8.self)
    }

    /// A whole response: headers plus Content-Length bytes of body.
    static func isComplete(_ text: String) -> Bool {
        guard let split = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<split.lowerBound].lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
            let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return false }
        return text[split.upperBound...].utf8.count >= length
    }

    /// The status code of a raw response (`HTTP/1.1 413 …` → 413), or 0.
    public static func status(_ response: String) -> Int {
        let parts = response.split(separator: " ", maxSplits: 2)
        return parts.count > 1 ? Int(parts[1]) ?? 0 : 0
    }
}

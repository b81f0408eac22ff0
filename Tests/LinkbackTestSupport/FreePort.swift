import Foundation
import LinkbackKit

/// A loopback TCP port nothing listens on, for a server a test starts.
///
/// The kernel may hand the same ephemeral port to two `bind(0)` calls in a row once the first
/// socket is closed, so two servers of one test (Linkback and the proxy in front of it) could be
/// given one port. Ports handed out by this process are never handed out again.
public enum FreePort {
    private static let handedOut = Locked<Set<Int>>([])

    public static func find() throws -> Int {
        for _ in 0..<64 {
            let port = try bindEphemeral()
            let fresh = handedOut.withLock { $0.insert(port).inserted }
            if fresh { return port }
        }
        throw FixtureFailure("no free port that was not handed out already")
    }

    private static func bindEphemeral() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw FixtureFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

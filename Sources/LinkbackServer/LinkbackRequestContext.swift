import Hummingbird
import LinkbackKit
import NIOCore

/// The request context of every Linkback route: Hummingbird's core context plus the TCP peer,
/// which the spam rules and the rejection log need.
package struct LinkbackRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The TCP peer (the reverse proxy, when there is one).
    package let peerAddress: SocketAddress?
    /// Completes when the client's connection closes.
    let closed: EventLoopFuture<Void>

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress
        closed = source.channel.closeFuture
    }

    /// `work`, cancelled when the client leaves before it is done (its connection closes): what
    /// the client waits for is not worth finishing for nobody (review F6).
    func abandoningWhenClientLeaves<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await work() }
        closed.whenComplete { _ in task.cancel() }
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    /// The TCP peer's IP address, read from the socket address without a round trip through text.
    var peerIP: IPAddress? {
        switch peerAddress {
        case .v4(let address):
            return .v4(UInt32(bigEndian: address.address.sin_addr.s_addr))
        case .v6(let address):
            return IPAddress(address.address.sin6_addr)
        default:
            return nil
        }
    }
}

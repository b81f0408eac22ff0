import Hummingbird
import NIOCore

/// The request context of every Linkback route: Hummingbird's core context plus the TCP peer,
/// which the spam rules and the rejection log need.
public struct LinkbackRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (the reverse proxy, when there is one).
    public let peerAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress
    }
}

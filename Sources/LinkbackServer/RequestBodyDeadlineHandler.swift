import NIOCore
import NIOHTTPTypes

/// Enforces `server.body_timeout_seconds` on the connection itself: a request whose body has not
/// fully arrived that long after its head ends with ``TimedOut`` thrown from the body stream
/// (``BodyReader`` answers 408), and the connection stops reading.
///
/// This replaces racing each body read against a `Task.sleep`, which on Linux cost every request a
/// dispatch timer and a thread wake-up. Here a request that arrives whole in one read schedules
/// nothing; one whose body trickles costs a single timer on its event loop.
final class RequestBodyDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    /// The body did not arrive in time.
    struct TimedOut: Error {}

    private let timeout: TimeAmount
    /// When the head of a request whose body is still arriving came in.
    private var headArrived: NIODeadline?
    private var timer: Scheduled<Void>?
    /// The deadline passed: this handler closed the connection's input itself.
    private(set) var expired = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After the deadline the connection is finished: what still trickles in is dropped.
        guard !expired else { return }
        switch unwrapInboundIn(data) {
        case .head: headArrived = .now()
        case .body: break
        case .end:
            headArrived = nil
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Only a request still unfinished when a read ends needs a timer.
        if let headArrived, timer == nil {
            timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: headArrived + timeout) { [self] in
                expire(context)
            }
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    private func expire(_ context: ChannelHandlerContext) {
        timer = nil
        headArrived = nil
        expired = true
        context.fireErrorCaught(TimedOut())
        context.close(mode: .input, promise: nil)
    }
}

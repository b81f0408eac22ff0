import NIOCore

/// Closes a connection whose client has gone (its side of the TCP connection closed) even while
/// a request is being answered, as nginx does: the connection's close cancels the work the client
/// was waiting for (``LinkbackRequestContext/abandoningWhenClientLeaves(_:)``). NIO's HTTP
/// pipelining handler holds that event back until the answer is written, so this one stands in
/// front of it, at the head of the pipeline; ``Installer`` puts it there (Hummingbird adds extra
/// handlers after the HTTP ones).
final class ClientGoneHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed, !closedHere(context) {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Whether the input was closed by this server (a body that did not arrive in time, which
    /// is then answered 408), not by the client.
    private func closedHere(_ context: ChannelHandlerContext) -> Bool {
        (try? context.pipeline.syncOperations.handler(type: RequestBodyDeadlineHandler.self))?.expired ?? false
    }

    /// Added where Hummingbird adds extra handlers: puts a ``ClientGoneHandler`` first, then leaves.
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny

        func handlerAdded(context: ChannelHandlerContext) {
            try? context.pipeline.syncOperations.addHandler(ClientGoneHandler(), position: .first)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

import Foundation
import LinkbackKit
import NIOCore
import NIOPosix
import NIOSSL

/// Why a mail could not be handed to the SMTP server.
public struct SMTPFailure: Error, CustomStringConvertible, Equatable {
    public let description: String
    /// A 5xx answer: the server refuses, so retrying the same message is pointless.
    public let permanent: Bool

    init(_ description: String, permanent: Bool = false) {
        self.description = description
        self.permanent = permanent
    }
}

/// A small SMTP client (RFC 5321) on SwiftNIO: EHLO, STARTTLS when offered (or required by
/// `starttls: always`; refused by `never`), AUTH PLAIN only over TLS or to a loopback relay, one
/// message to one recipient, dot-stuffed; the whole exchange within `timeout_seconds`.
public struct SMTPMailer: Sendable {
    let settings: Config.Notifications.SMTP

    public init(settings: Config.Notifications.SMTP) {
        self.settings = settings
    }

    public func send(_ message: String, to recipient: String) async throws(SMTPFailure) {
        do {
            try await exchange(message, to: recipient)
        } catch let failure as SMTPFailure {
            throw failure
        } catch {
            throw SMTPFailure("\(settings.host):\(settings.port): \(error)")
        }
    }

    private func exchange(_ message: String, to recipient: String) async throws {
        let replies = SMTPReplyHandler()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(Int64(settings.timeoutSeconds * 1000)))
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(replies) } }
            .connect(host: settings.host, port: settings.port).get()
        let deadline = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(settings.timeoutSeconds * 1000))) {
            replies.fail(SMTPFailure("timed out after \(settings.timeoutSeconds) s"), context: nil)
            channel.close(promise: nil)
        }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        func reply(_ expected: Int..., after command: String) async throws -> SMTPReply {
            let reply = try await channel.eventLoop.flatSubmit { replies.next(on: channel.eventLoop) }.get()
            guard expected.contains(reply.code) else {
                throw SMTPFailure("\(command) answered \(reply.code) \(reply.text)", permanent: reply.code >= 500)
            }
            return reply
        }
        func send(_ line: String, expecting expected: Int..., shown: String? = nil) async throws -> SMTPReply {
            try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n"))
            let reply = try await channel.eventLoop.flatSubmit { replies.next(on: channel.eventLoop) }.get()
            let name = shown ?? String(line.prefix { $0 != " " && $0 != ":" })
            guard expected.contains(reply.code) else {
                throw SMTPFailure("\(name) answered \(reply.code) \(reply.text)", permanent: reply.code >= 500)
            }
            return reply
        }

        _ = try await reply(220, after: "the greeting")
        let name = Self.clientName
        var extensions = try await send("EHLO \(name)", expecting: 250).extensions
        var secure = false
        if settings.startTLS != .never, extensions.contains("STARTTLS") {
            _ = try await send("STARTTLS", expecting: 220)
            var tls = TLSConfiguration.makeClientConfiguration()
            if !settings.caFile.isEmpty { tls.additionalTrustRoots = [.file(settings.caFile)] }
            let context = try NIOSSLContext(configuration: tls)
            let hostname = IPAddress(settings.host) == nil ? settings.host : nil
            try await channel.eventLoop.flatSubmit {
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: context, serverHostname: hostname), position: .first)
                }
            }.get()
            extensions = try await send("EHLO \(name)", expecting: 250).extensions
            secure = true
        } else if settings.startTLS == .always {
            throw SMTPFailure("\(settings.host) does not offer STARTTLS (notifications.smtp.starttls: always)")
        }
        if !settings.username.isEmpty {
            guard secure || ["localhost", "127.0.0.1", "::1"].contains(settings.host.lowercased()) else {
                throw SMTPFailure("refusing to send the SMTP password without TLS to \(settings.host)", permanent: true)
            }
            let password = try Self.password(settings.passwordFile)
            let plain = Data(([0] + Array(settings.username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            _ = try await send("AUTH PLAIN \(plain)", expecting: 235, shown: "AUTH")
        }
        _ = extensions
        _ = try await send("MAIL FROM:<\(settings.from)>", expecting: 250)
        _ = try await send("RCPT TO:<\(recipient)>", expecting: 250, 251)
        _ = try await send("DATA", expecting: 354)
        try await channel.writeAndFlush(ByteBuffer(string: Self.dotStuffed(message) + ".\r\n"))
        _ = try await reply(250, after: "the message")
        try? await channel.writeAndFlush(ByteBuffer(string: "QUIT\r\n"))
    }

    /// Lines that begin with a dot get another (RFC 5321 4.5.2); line ends become CRLF.
    static func dotStuffed(_ message: String) -> String {
        // Foundation matches "\r\n" (one Character in Swift) as two code units.
        var lines = message.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines.map { ($0.hasPrefix(".") ? "." : "") + $0 + "\r\n" }.joined()
    }

    static var clientName: String {
        let host = ProcessInfo.processInfo.hostName
        return host.isEmpty || host.contains(" ") ? "localhost" : host
    }

    static func password(_ file: String) throws -> String {
        guard !file.isEmpty else { return "" }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw SMTPFailure("cannot read notifications.smtp.password_file \(file)", permanent: true)
        }
        return text.trimmingCharacters(in: .newlines)
    }
}

/// One SMTP reply: its code and text lines.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]

    var text: String { lines.joined(separator: " / ") }

    /// The EHLO keywords (`STARTTLS`, `AUTH`, …), upper case.
    var extensions: Set<String> {
        Set(lines.dropFirst().compactMap { $0.split(separator: " ").first.map { $0.uppercased() } })
    }
}

/// Collects the server's replies (multi-line ones whole) and hands them out in order. Confined
/// to its channel's event loop.
final class SMTPReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var pending: [UInt8] = []
    private var lines: [String] = []
    private var ready: [SMTPReply] = []
    private var waiting: [EventLoopPromise<SMTPReply>] = []
    private var failure: (any Error)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        guard pending.count < 65_536 else {
            fail(SMTPFailure("the server's reply is too long"), context: context)
            return
        }
        // Bytes, not Characters: "\r\n" is one Character in Swift.
        while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var bytes = pending[..<end]
            pending.removeSubrange(...end)
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            let line = String(decoding: bytes, as: UTF8.self)
            let code = Int(line.prefix(3))
            lines.append(String(line.dropFirst(4)))
            // `250-…` continues; `250 …` (or a bare code) ends the reply.
            if bytes.count <= 3 || bytes[bytes.startIndex + 3] == UInt8(ascii: " ") {
                let reply = SMTPReply(code: code ?? 0, lines: lines)
                lines = []
                if waiting.isEmpty { ready.append(reply) } else { waiting.removeFirst().succeed(reply) }
            }
        }
    }

    func next(on loop: any EventLoop) -> EventLoopFuture<SMTPReply> {
        if !ready.isEmpty { return loop.makeSucceededFuture(ready.removeFirst()) }
        if let failure { return loop.makeFailedFuture(failure) }
        let promise = loop.makePromise(of: SMTPReply.self)
        waiting.append(promise)
        return promise.futureResult
    }

    func fail(_ error: any Error, context: ChannelHandlerContext?) {
        if failure == nil { failure = error }
        for promise in waiting { promise.fail(error) }
        waiting = []
        context?.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPFailure("the server closed the connection"), context: nil)
        context.fireChannelInactive()
    }
}

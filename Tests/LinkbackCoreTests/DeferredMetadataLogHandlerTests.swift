import Logging
import Testing

@testable import LinkbackKit

/// The server's log handler: metadata given to the handler underneath only for a message written.
@Suite struct DeferredMetadataLogHandlerTests {
    /// What a handler underneath was asked: how often its metadata was set, and each message
    /// written with the metadata it then held (its own and the message's).
    private struct Recording: LogHandler {
        let sets = Locked(0)
        let written = Locked<[(message: String, metadata: Logger.Metadata)]>([])
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:] {
            didSet { sets.withLock { $0 += 1 } }
        }
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            written.withLock { $0.append(("\(event.message)", all)) }
        }
    }

    @Test func metadataReachesTheHandlerOnlyWithAMessageWritten() {
        var recording = Recording()
        recording.metadata = ["label": "kept"]
        let handler = DeferredMetadataLogHandler(recording)
        var logger = Logger(label: "test") { _ in handler }
        let setsBefore = recording.sets.withLock { $0 }
        // A request's logger: an id set per request, nothing written at the level in force.
        for id in 0..<100 {
            logger[metadataKey: "hb.request.id"] = "\(id)"
            logger.debug("not written")
        }
        #expect(recording.sets.withLock { $0 } == setsBefore)
        #expect(recording.written.withLock { $0.isEmpty })

        logger.info("webmention received", metadata: ["source": "https://a.example/"])
        let written = recording.written.withLock { $0 }
        #expect(written.map(\.message) == ["webmention received"])
        #expect(written.first?.metadata == ["label": "kept", "hb.request.id": "99", "source": "https://a.example/"])
        #expect(logger[metadataKey: "hb.request.id"] == "99")
    }

    @Test func theLevelIsTheHandlerUnderneaths() {
        let recording = Recording()
        var handler = DeferredMetadataLogHandler(recording)
        handler.logLevel = .warning
        let logger = Logger(label: "test") { _ in handler }
        logger.info("not written")
        logger.warning("written")
        #expect(recording.written.withLock { $0.map(\.message) } == ["written"])
        #expect(logger.logLevel == .warning)
    }
}

import Logging

/// A log handler that keeps the logger's metadata itself and gives it to `inner` only for a
/// message that is written, whose output stays `inner`'s.
///
/// Hummingbird gives every request's logger a request id (`hb.request.id`), and swift-log's
/// `StreamLogHandler` renders all of its metadata into text whenever metadata is set, so every
/// request paid for a rendering that no message used at the usual levels (2 % of a rejected
/// request's work in a `perf` profile).
package struct DeferredMetadataLogHandler<Inner: LogHandler>: LogHandler {
    private var inner: Inner
    package var metadata: Logger.Metadata

    package init(_ inner: Inner) {
        self.inner = inner
        metadata = inner.metadata
        self.inner.metadata = [:]
    }

    package var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    package var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var inner = inner
        inner.metadata = metadata
        inner.log(event: event)
    }
}

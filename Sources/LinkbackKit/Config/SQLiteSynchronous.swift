/// `database.sqlite_synchronous`: how a commit reaches the disk (SQLite's `synchronous` setting on
/// the writing connection of ``SQLiteMentionStore``).
public enum SQLiteSynchronous: String, Sendable, CaseIterable {
    /// The write-ahead log is synced at every commit: a committed mention survives a power loss or
    /// an operating-system crash. Group commit makes this one `fsync` per batch.
    case full
    /// Synced only at checkpoints: a committed mention survives Linkback being killed, but the
    /// last commits before a power loss may be lost.
    case normal
}

import Foundation

/// How far a reader of the event history (the changes feed, the webhook and notification
/// outboxes, the spam score's learner) may move its cursor on PostgreSQL. Events take their ids from a sequence when they
/// are written, not when they commit, so a reader can see event 11 while event 10 is still in an
/// open transaction; a cursor moved past 11 would never see 10. A gap in the ids therefore holds
/// the cursor before it until the gap is `grace` old (by the time of the event after it): by
/// then the transaction that took the missing id has committed (and the event is read) or rolled
/// back (the gap stays, and is passed). Write transactions here last milliseconds. SQLite needs
/// none of this: its single writer numbers events in commit order.
package enum EventHorizon {
    /// How long a gap in the ids is taken for an open transaction.
    package static let grace: TimeInterval = 30

    /// The id a cursor at `cursor` may move to over `events` (ascending ids, all after
    /// `cursor`): the last one before the first gap younger than `grace`.
    package static func end(of events: some Sequence<(id: Int64, at: Date)>, after cursor: Int64, now: Date, grace: TimeInterval = grace) -> Int64 {
        var end = cursor
        for event in events {
            if event.id != end + 1, now.timeIntervalSince(event.at) < grace { break }
            end = event.id
        }
        return end
    }
}

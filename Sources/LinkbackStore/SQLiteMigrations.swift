import GRDB

/// The numbered schema migrations of ``SQLiteMentionStore``. Append new ones; never edit a
/// migration that has shipped.
package enum SQLiteMigrations {
    package static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("001-initial") { db in
            try db.execute(
                sql: """
                    CREATE TABLE mentions (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        token TEXT NOT NULL UNIQUE,
                        source TEXT NOT NULL,
                        target TEXT NOT NULL,
                        site TEXT NOT NULL,
                        protocol TEXT NOT NULL CHECK (protocol IN ('webmention', 'pingback')),
                        status TEXT NOT NULL
                            CHECK (status IN ('queued', 'pending', 'approved', 'rejected', 'spam', 'deleted')),
                        reason TEXT,
                        client_ip TEXT,
                        user_agent TEXT,
                        received_at DATETIME NOT NULL,
                        updated_at DATETIME NOT NULL,
                        verified_at DATETIME,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        type TEXT,
                        rsvp TEXT,
                        title TEXT,
                        excerpt TEXT,
                        content_html TEXT,
                        content_text TEXT,
                        author_name TEXT,
                        author_url TEXT,
                        author_photo TEXT,
                        published TEXT,
                        UNIQUE (source, target)
                    );
                    CREATE INDEX mentions_status ON mentions (status, received_at);
                    CREATE INDEX mentions_target ON mentions (target);
                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        mention_id INTEGER NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
                        at DATETIME NOT NULL,
                        actor TEXT NOT NULL,
                        from_status TEXT,
                        to_status TEXT NOT NULL,
                        reason TEXT
                    );
                    CREATE INDEX events_mention ON events (mention_id, id);
                    CREATE TABLE blocks (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL CHECK (kind IN ('domain', 'url', 'ip')),
                        value TEXT NOT NULL,
                        reason TEXT,
                        created_at DATETIME NOT NULL,
                        UNIQUE (kind, value)
                    );
                    """)
        }
        migrator.registerMigration("002-verification-queue") { db in
            try db.execute(
                sql: """
                    ALTER TABLE mentions ADD COLUMN previous_status TEXT;
                    ALTER TABLE mentions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE mentions ADD COLUMN claimed_at DATETIME;
                    ALTER TABLE mentions ADD COLUMN next_attempt_at DATETIME;
                    CREATE INDEX mentions_queue ON mentions (status, next_attempt_at, received_at);
                    """)
        }
        migrator.registerMigration("003-allow-domains") { db in
            try db.execute(
                sql: "CREATE TABLE allowed_domains (domain TEXT PRIMARY KEY, created_at DATETIME NOT NULL)")
        }
        migrator.registerMigration("004-webhook-outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhook_cursor (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        last_event_id INTEGER NOT NULL
                    );
                    CREATE TABLE webhook_deliveries (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        url TEXT NOT NULL,
                        event TEXT NOT NULL CHECK (event IN ('approved', 'updated', 'deleted')),
                        mention_id INTEGER NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
                        event_id INTEGER NOT NULL,
                        payload BLOB NOT NULL,
                        created_at DATETIME NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at DATETIME,
                        delivered_at DATETIME,
                        given_up_at DATETIME,
                        last_error TEXT,
                        UNIQUE (url, event_id)
                    );
                    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (delivered_at, given_up_at, next_attempt_at);
                    """)
        }
        migrator.registerMigration("005-reverify-approved") { db in
            // Approved mentions re-sent under an older version waited in the queue, invisible;
            // they become approved mentions being verified again.
            try db.execute(
                sql: """
                    ALTER TABLE mentions ADD COLUMN reverify INTEGER NOT NULL DEFAULT 0;
                    UPDATE mentions SET status = 'approved', reverify = 1 WHERE status = 'queued' AND previous_status = 'approved';
                    CREATE INDEX mentions_reverify ON mentions (next_attempt_at) WHERE reverify = 1;
                    """)
        }
        migrator.registerMigration("006-settings") { db in
            try db.execute(
                sql: "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at DATETIME NOT NULL)")
        }
        migrator.registerMigration("007-last-received") { db in
            // The per-pair interval is kept in the database (several instances, one interval);
            // an old row's last receipt is its last `received` or `update` event.
            try db.execute(
                sql: """
                    ALTER TABLE mentions ADD COLUMN last_received_at DATETIME;
                    UPDATE mentions SET last_received_at = COALESCE(
                        (SELECT MAX(at) FROM events WHERE mention_id = mentions.id AND reason IN ('received', 'update')),
                        received_at);
                    """)
        }
        migrator.registerMigration("008-bans") { db in
            try db.execute(sql: "CREATE TABLE bans (address TEXT PRIMARY KEY, until DATETIME NOT NULL)")
        }
        migrator.registerMigration("009-vouch") { db in
            try db.execute(sql: "ALTER TABLE mentions ADD COLUMN vouch TEXT")
        }
        migrator.registerMigration("010-sends") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sends (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        source TEXT NOT NULL,
                        target TEXT NOT NULL,
                        linked INTEGER NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'no-endpoint')),
                        result TEXT,
                        endpoint TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at DATETIME,
                        claimed_until DATETIME,
                        updated_at DATETIME NOT NULL,
                        UNIQUE (source, target)
                    );
                    CREATE INDEX sends_due ON sends (next_attempt_at) WHERE state = 'queued';
                    """)
        }
        migrator.registerMigration("011-children") { db in
            // Comments nested in a reply's source entry, a JSON array (see MentionChild).
            try db.execute(sql: "ALTER TABLE mentions ADD COLUMN children TEXT")
        }
        migrator.registerMigration("012-recheck") { db in
            try db.execute(sql: "CREATE INDEX mentions_recheck ON mentions (COALESCE(verified_at, received_at), id) WHERE status = 'approved' AND reverify = 0")
        }
        migrator.registerMigration("013-private") { db in
            try db.execute(sql: "ALTER TABLE mentions ADD COLUMN is_private INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("014-decision") { db in
            try db.execute(sql: "ALTER TABLE mentions ADD COLUMN decision TEXT")
            try db.execute(sql: MentionDecisionBackfill.sql)
        }
        migrator.registerMigration("015-webhook-pending") { db in
            // Each URL's pending deliveries in id order: the outbox's one seek per URL.
            try db.execute(
                sql: "CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (url, id) WHERE delivered_at IS NULL AND given_up_at IS NULL")
        }
        migrator.registerMigration("016-reverify-order") { db in
            // The claim walks re-verified mentions in reception order, as PostgreSQL's index has
            // it (SchemaAgreementTests).
            try db.execute(sql: "DROP INDEX mentions_reverify")
            try db.execute(sql: "CREATE INDEX mentions_reverify ON mentions (received_at) WHERE reverify = 1")
        }
        migrator.registerMigration("017-copy-signals") { db in
            // What the content signals found, and the fingerprint of the source's text with its
            // band keys (never the page): copy-cluster detection's index.
            try db.execute(
                sql: """
                    ALTER TABLE mentions ADD COLUMN spam_reasons TEXT;
                    ALTER TABLE mentions ADD COLUMN fingerprint TEXT;
                    CREATE TABLE fingerprint_bands (
                        band INTEGER NOT NULL,
                        mention_id INTEGER NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
                        at DATETIME NOT NULL
                    );
                    CREATE INDEX fingerprint_bands_band ON fingerprint_bands (band, at);
                    CREATE INDEX fingerprint_bands_mention ON fingerprint_bands (mention_id);
                    """)
        }
        migrator.registerMigration("018-blocklists") { db in
            // The subscribed lists' last good copies (entries: `d DOMAIN` / `w WORD` lines).
            try db.execute(
                sql: """
                    CREATE TABLE blocklists (
                        url TEXT PRIMARY KEY,
                        entries TEXT NOT NULL,
                        fetched_at DATETIME,
                        error TEXT,
                        updated_at DATETIME NOT NULL
                    )
                    """)
        }
        migrator.registerMigration("019-aggregated") { db in
            // Mentions counted, not kept (`aggregate`): no source, no author, no content; the pair
            // as a one-way hash, so a re-send is not counted twice.
            try db.execute(
                sql: """
                    CREATE TABLE aggregated (
                        pair TEXT PRIMARY KEY,
                        target TEXT NOT NULL,
                        site TEXT NOT NULL,
                        type TEXT NOT NULL,
                        at DATETIME NOT NULL
                    );
                    CREATE INDEX aggregated_target ON aggregated (target, type);
                    """)
        }
        migrator.registerMigration("020-spam-score") { db in
            // The spam score and its reasons; the tokens it read, and what the model learnt of
            // the mention (label and tokens) so a decision or a new verification moves the counts.
            try db.execute(
                sql: """
                    ALTER TABLE mentions ADD COLUMN spam_score REAL;
                    ALTER TABLE mentions ADD COLUMN score_reasons TEXT;
                    ALTER TABLE mentions ADD COLUMN score_tokens TEXT;
                    ALTER TABLE mentions ADD COLUMN score_label TEXT;
                    ALTER TABLE mentions ADD COLUMN score_learnt TEXT;
                    CREATE TABLE score_tokens (
                        token TEXT PRIMARY KEY,
                        good INTEGER NOT NULL DEFAULT 0,
                        bad INTEGER NOT NULL DEFAULT 0
                    );
                    """)
        }
        migrator.registerMigration("021-webhook-waiting-events") { db in
            // Webhooks may ask for `pending` and `held`: SQLite cannot change a CHECK in place,
            // so the outbox's table is rebuilt (same columns, same indexes).
            try db.execute(
                sql: """
                    CREATE TABLE webhook_deliveries_new (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        url TEXT NOT NULL,
                        event TEXT NOT NULL CHECK (event IN ('approved', 'updated', 'deleted', 'pending', 'held')),
                        mention_id INTEGER NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
                        event_id INTEGER NOT NULL,
                        payload BLOB NOT NULL,
                        created_at DATETIME NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at DATETIME,
                        delivered_at DATETIME,
                        given_up_at DATETIME,
                        last_error TEXT,
                        UNIQUE (url, event_id)
                    );
                    INSERT INTO webhook_deliveries_new SELECT * FROM webhook_deliveries;
                    DROP TABLE webhook_deliveries;
                    ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
                    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (delivered_at, given_up_at, next_attempt_at);
                    CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (url, id) WHERE delivered_at IS NULL AND given_up_at IS NULL;
                    """)
        }
        migrator.registerMigration("022-notifications") { db in
            // Mail and push to the owner: the changes each channel heard (items), the messages
            // made of them (one each, or a digest), and the one-click links already used.
            try db.execute(
                sql: """
                    CREATE TABLE notification_cursor (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        last_event_id INTEGER NOT NULL
                    );
                    CREATE TABLE notification_items (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        channel TEXT NOT NULL,
                        event TEXT NOT NULL,
                        mention_id INTEGER NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
                        event_id INTEGER NOT NULL,
                        target TEXT NOT NULL,
                        created_at DATETIME NOT NULL,
                        message_id INTEGER,
                        UNIQUE (channel, event_id)
                    );
                    CREATE INDEX notification_items_open ON notification_items (id) WHERE message_id IS NULL;
                    CREATE INDEX notification_items_target ON notification_items (channel, target);
                    CREATE TABLE notification_messages (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        channel TEXT NOT NULL,
                        body TEXT NOT NULL,
                        created_at DATETIME NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at DATETIME,
                        sent_at DATETIME,
                        given_up_at DATETIME,
                        last_error TEXT
                    );
                    CREATE INDEX notification_messages_pending ON notification_messages (channel, id)
                        WHERE sent_at IS NULL AND given_up_at IS NULL;
                    CREATE TABLE used_links (
                        nonce TEXT PRIMARY KEY,
                        used_at DATETIME NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("023-verification-indexes") { db in
            // For the lookups of every verification. Whether a host has an approved mention is one
            // probe (the (source, target) range walked every mention of a busy host). The status
            // index names the id it already ends with, as PostgreSQL's must for the claim's order.
            try db.execute(
                sql: """
                    CREATE INDEX mentions_approved_source ON mentions (source) WHERE status = 'approved';
                    DROP INDEX mentions_status;
                    CREATE INDEX mentions_status ON mentions (status, received_at, id);
                    """)
        }
        migrator.registerMigration("024-canonical-targets") { db in
            // The target as sent when it is stored under its canonical URL, and every spelling of
            // a target seen with its canonical URL, for the read paths to find it by either.
            try db.execute(
                sql: """
                    ALTER TABLE mentions ADD COLUMN target_as_sent TEXT;
                    CREATE TABLE target_spellings (
                        spelling TEXT PRIMARY KEY,
                        canonical TEXT NOT NULL,
                        seen_at DATETIME NOT NULL
                    );
                    CREATE INDEX target_spellings_canonical ON target_spellings (canonical);
                    """)
        }
        migrator.registerMigration("025-threads") { db in
            // What else a reply answers: its parent, when that is another mention of the post.
            try db.execute(sql: "ALTER TABLE mentions ADD COLUMN in_reply_to TEXT")
        }
        migrator.registerMigration("026-same-interaction") { db in
            // A post's other URLs (u-url, syndication), looked up by URL, and the older mention a
            // copy of the same interaction is listed and counted with.
            try db.execute(
                sql: """
                    ALTER TABLE mentions ADD COLUMN same_as TEXT;
                    ALTER TABLE mentions ADD COLUMN alias_of INTEGER;
                    CREATE INDEX mentions_alias_of ON mentions (alias_of) WHERE alias_of IS NOT NULL;
                    CREATE TABLE mention_urls (
                        url TEXT NOT NULL,
                        mention_id INTEGER NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
                        PRIMARY KEY (url, mention_id)
                    );
                    CREATE INDEX mention_urls_mention ON mention_urls (mention_id);
                    """)
        }
        migrator.registerMigration("027-forgotten") { db in
            // Who the owner asked to forget, as SHA-256 keys only: a re-send is refused by them.
            try db.execute(
                sql: "CREATE TABLE forgotten (key TEXT PRIMARY KEY, kind TEXT NOT NULL, created_at DATETIME NOT NULL)")
        }
        migrator.registerMigration("028-fingerprint-index") { db in
            // The copy detector's read of up to 200 mentions' fingerprints, from the index alone:
            // in the table a fingerprint sits behind the content's overflow pages. SQLite only:
            // PostgreSQL keeps large values out of line (TOAST), and caps an index row at 2,704
            // bytes, which a long source URL with a fingerprint would pass.
            try db.execute(
                sql: "CREATE INDEX mentions_fingerprint ON mentions (id, source, decision, fingerprint) WHERE fingerprint IS NOT NULL")
        }
        migrator.registerMigration("029-covering-band-index") { db in
            // The copy detector walks each of a fingerprint's 16 bands for up to 200 mentions: with
            // the mention's id in the index that is no table read per entry (a farm's 20 KB drain
            // spent 86 % of its statement time in this read, 4.6 ms a verification; 1.8 ms now).
            try db.execute(
                sql: """
                    DROP INDEX fingerprint_bands_band;
                    CREATE INDEX fingerprint_bands_band ON fingerprint_bands (band, at, mention_id);
                    """)
        }
        return migrator
    }
}

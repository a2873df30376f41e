"""Tables of the push pipeline: one run per issue, the outbox of API calls, per-recipient deliveries.

    from push.schema import migrations; migrations.apply(db)   # subscriptions/db.py does this

- `push_runs`: one row per pushed issue: `active` or `paused` (too many failed calls in a row),
  the consecutive failure count, and why it paused.
- `outbox`: one row per API call to make (a payload and up to `channel.max_batch` recipients),
  written before anything is sent; workers claim rows with a lease.
- `deliveries`: one row per (issue, recipient, part) — the unique key that makes planning
  idempotent — with its status `pending` / `sent` / `failed` / `window_closed`.
- `push_rate`: the next free send slot, shared by every worker process (BOT_SEND_RATE).
Never edit a migration that has shipped: add a new one below.
"""

from sqlite_utils import Migrations

migrations = Migrations("push")


@migrations()
def m001_outbox(db):
    db.execute("""
        CREATE TABLE push_runs (
            issue_id INTEGER PRIMARY KEY REFERENCES issues(id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
            failures INTEGER NOT NULL DEFAULT 0,     -- failed calls in a row
            paused_reason TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        )""")
    db.execute("""
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
            group_key TEXT NOT NULL,                 -- the item set this payload carries
            part INTEGER NOT NULL,                   -- 1-based part of the message
            recipients TEXT NOT NULL,                -- JSON list of channel recipient ids
            payload TEXT NOT NULL,                   -- JSON, from channel.render()
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'leased', 'done')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_at REAL NOT NULL DEFAULT 0,         -- unix time: not before (backoff)
            lease_owner TEXT,
            lease_until REAL,
            last_error TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            done_at TEXT
        )""")
    db.execute("CREATE INDEX outbox_claim ON outbox(status, next_at)")
    db.execute("CREATE INDEX outbox_issue ON outbox(issue_id)")
    db.execute("""
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
            cadre_id INTEGER REFERENCES cadres(id) ON DELETE SET NULL,
            recipient TEXT NOT NULL,                 -- userid (work) or openid (mp, sandbox)
            part INTEGER NOT NULL,
            outbox_id INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
            items TEXT NOT NULL,                     -- JSON list of item ids in this message
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed', 'window_closed')),
            errcode INTEGER,
            reason TEXT,
            sent_at TEXT,
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            UNIQUE (issue_id, recipient, part)
        )""")
    db.execute("CREATE INDEX deliveries_outbox ON deliveries(outbox_id)")
    db.execute("CREATE INDEX deliveries_status ON deliveries(issue_id, status)")
    db.execute("""
        CREATE TABLE push_rate (
            name TEXT PRIMARY KEY,
            next_at REAL NOT NULL                    -- unix time of the next free send slot
        )""")


@migrations()
def m002_recipient_index(db):
    # per-recipient pacing (WeCom drops what a member gets beyond 30/min, 1,000/h)
    db.execute("CREATE INDEX deliveries_recipient ON deliveries(recipient, sent_at)")


@migrations()
def m003_rules_used_signatures(db):
    # webhook signatures already accepted, kept until their timestamp is stale (push/replay.py)
    db.execute("""
        CREATE TABLE used_signatures (
            signature TEXT PRIMARY KEY,              -- the hex HMAC of an accepted request
            expires REAL NOT NULL                    -- unix time its timestamp goes stale
        )""")
    db.execute("CREATE INDEX used_signatures_expires ON used_signatures(expires)")


@migrations()
def m003_after_message_kinds(db):
    # Message kinds (docs/push.md "Message kinds"): besides an issue's own push ('issue'),
    # notices about it go through the same outbox with the same guarantees — a correction
    # notice ('correct:<change id>'), a reminder ('remind'). The unique key that makes
    # enqueueing idempotent becomes (issue, kind, recipient, part): a recipient gets each
    # kind of message of an issue once. SQLite cannot change a UNIQUE constraint in place,
    # so the table is rebuilt. `outbox.msgid` keeps the id WeCom returns for a sent message
    # (message/recall needs it), `outbox.recall` what recalling it gave; `outbox.kind`
    # says what the call carries.
    columns = ("id, issue_id, cadre_id, recipient, part, outbox_id, items, status, errcode,"
               " reason, sent_at, updated_at")
    db.execute("""
        CREATE TABLE deliveries_kinds (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
            cadre_id INTEGER REFERENCES cadres(id) ON DELETE SET NULL,
            recipient TEXT NOT NULL,                 -- userid (work) or openid (mp, sandbox)
            part INTEGER NOT NULL,
            outbox_id INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
            items TEXT NOT NULL,                     -- JSON list of item ids in this message
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed', 'window_closed')),
            errcode INTEGER,
            reason TEXT,
            sent_at TEXT,
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            kind TEXT NOT NULL DEFAULT 'issue',      -- 'issue', 'remind', 'correct:<id>'
            UNIQUE (issue_id, kind, recipient, part)
        )""")
    db.execute(f"INSERT INTO deliveries_kinds ({columns}) SELECT {columns} FROM deliveries")
    db.execute("DROP TABLE deliveries")
    db.execute("ALTER TABLE deliveries_kinds RENAME TO deliveries")
    db.execute("CREATE INDEX deliveries_outbox ON deliveries(outbox_id)")
    db.execute("CREATE INDEX deliveries_status ON deliveries(issue_id, kind, status)")
    db.execute("CREATE INDEX deliveries_recipient ON deliveries(recipient, sent_at)")
    db.execute("ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'issue'")
    db.execute("ALTER TABLE outbox ADD COLUMN msgid TEXT")
    db.execute("ALTER TABLE outbox ADD COLUMN recall TEXT")  # 'recalled' or why not (撤回)


@migrations()
def m004_after_schedules(db):
    # Scheduled pushes and quiet hours (docs/push.md "Scheduled pushes and quiet hours"):
    # a push or reminder due later, kept here so it survives restarts; the worker fires it.
    db.execute("""
        CREATE TABLE push_schedules (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
            action TEXT NOT NULL CHECK (action IN ('push', 'remind')),
            due_at REAL NOT NULL,                    -- unix time
            why TEXT NOT NULL CHECK (why IN ('scheduled', 'quiet_hours', 'auto')),
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'done', 'cancelled')),
            result TEXT,                             -- JSON of what firing gave
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            fired_at TEXT
        )""")
    db.execute("CREATE INDEX push_schedules_due ON push_schedules(status, due_at)")


@migrations()
def m005_schedule_authority(db):
    # A scheduled push fires only for content someone vouched for (docs/push.md "Scheduled
    # pushes and quiet hours"): the issue's approval, or — when it was scheduled unapproved by
    # someone allowed to push it so (the bootstrap admin, an office without named accounts,
    # the CLI operator, the webhook) — the content version it had then (`content`,
    # store.review.versions). `held` says why the worker did not fire it when it fell due
    # (recorded once, in the audit log too); the row stays pending until it may fire.
    db.execute("ALTER TABLE push_schedules ADD COLUMN content TEXT")
    db.execute("ALTER TABLE push_schedules ADD COLUMN held TEXT")

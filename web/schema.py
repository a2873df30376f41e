"""Tables the web side keeps: read receipts and failed console logins (for the lockout).

Ordered migrations (`sqlite_utils.Migrations`), applied after subscriptions and push.
Never edit a migration that has shipped: add a new one below.
"""

from sqlite_utils import Migrations

migrations = Migrations("web")


@migrations()
def m001_receipts_and_logins(db):
    db.execute("""
        CREATE TABLE read_receipts (
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            reader TEXT NOT NULL,               -- 'c:<cadre id>' or 'g:<delivery group>'
            cadre_id INTEGER,                   -- set for per-cadre links
            opens INTEGER NOT NULL DEFAULT 1,
            first_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            last_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            PRIMARY KEY (item_id, reader)
        )""")
    db.execute("""
        CREATE TABLE login_failures (
            ip TEXT NOT NULL,
            at REAL NOT NULL                    -- unix time of the failed attempt
        )""")
    db.execute("CREATE INDEX login_failures_ip ON login_failures(ip, at)")

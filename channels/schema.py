"""Tables of the channels: the shared access token, its refresh lock, the sandbox inbox.

Ordered migrations (`sqlite_utils.Migrations("channels")`), applied after push.schema.
Never edit a migration that has shipped: add a new one below.
"""

from sqlite_utils import Migrations

migrations = Migrations("channels")


@migrations()
def m001_tokens_and_sandbox(db):
    db.execute("""
        CREATE TABLE channel_tokens (          -- wechatpy SessionStorage shared by every process
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            expires_at REAL                     -- unix time; NULL = no expiry
        )""")
    db.execute("""
        CREATE TABLE channel_locks (           -- one refresher at a time: a lease, not a transaction
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at REAL NOT NULL            -- unix time the lease lapses (a crashed holder)
        )""")
    db.execute("""
        CREATE TABLE sandbox_inbox (           -- what the sandbox channel "delivered"
            id INTEGER PRIMARY KEY,
            recipient TEXT NOT NULL,            -- openid, e.g. sandbox-7
            payload TEXT NOT NULL,              -- JSON, as rendered by the channel
            received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
        )""")
    db.execute("CREATE INDEX sandbox_inbox_recipient ON sandbox_inbox(recipient, id)")


@migrations()
def m002_sandbox_exactly_once(db):
    # The same stored payload delivered again (a worker killed after the insert, before the
    # outbox recorded it) lands once: like WeCom's duplicate check, but without a time limit.
    # Payloads carry per-render signed links, so only a true resend has the same digest.
    db.execute("ALTER TABLE sandbox_inbox ADD COLUMN digest TEXT")
    db.execute("CREATE UNIQUE INDEX sandbox_inbox_once ON sandbox_inbox(recipient, digest)")


@migrations()
def m003_token_keys_without_secrets(db):
    # Keys were wechatpy's, `<corp id>_<first 10 characters of the secret>_access_token`;
    # they are now `work:<corp id>:<fingerprint>` (token.token_key). The old rows go: the
    # next call fetches a token under the new key.
    db.execute("DELETE FROM channel_tokens WHERE key NOT LIKE 'work:%' AND key NOT LIKE 'mp:%'")

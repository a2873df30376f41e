"""Tables of operations: who is alive (worker heartbeats), the secrets Jianbao made itself.

Ordered migrations (`sqlite_utils.Migrations("ops")`), applied after web.schema.
Never edit a migration that has shipped: add a new one below.
"""

from sqlite_utils import Migrations

migrations = Migrations("ops")


@migrations()
def m001_heartbeats(db):
    db.execute("""
        CREATE TABLE ops_heartbeats (          -- one row per live sending process
            process TEXT PRIMARY KEY,           -- host:pid
            role TEXT NOT NULL,                 -- 'worker'
            beat_at REAL NOT NULL               -- unix time of the last sign of life
        )""")


@migrations()
def m002_kept_secrets(db):
    db.execute("""
        CREATE TABLE ops_secrets (             -- secrets Jianbao made for itself
            name TEXT PRIMARY KEY,              -- 'secret_key': signs links and sessions
            value TEXT NOT NULL
        )""")

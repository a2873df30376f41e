"""The secret key Jianbao makes for itself when `BOT_SECRET_KEY` is unset, kept in the database.

    key = kept_key(db, legacy_file="instance/secret_key")   # the same key in every process

It signs item links and console sessions. Kept in the database, it is in every backup: a
backup restored on a new server keeps the links already on cadres' phones working (with the
key in a file of the instance folder, which no backup holds, every one of them answered 403).
A key an older Jianbao kept in `instance/secret_key` is taken over on first start, so links
sent before the upgrade keep working too. Processes starting together all read the first
one's key (INSERT OR IGNORE, then read). Backups are 0600 like the database: they hold this
key as they hold everything else.
"""

import os
import secrets

from store.transaction import write

NAME = "secret_key"


def kept_key(db, legacy_file=None):
    """The kept key: made (or taken over from `legacy_file`) on first use."""
    found = _read(db)
    if found:
        return found
    with write(db):
        db.execute("INSERT OR IGNORE INTO ops_secrets (name, value) VALUES (?, ?)",
                   [NAME, _legacy(legacy_file) or secrets.token_hex(32)])
    return _read(db)


def _read(db):
    row = db.execute("SELECT value FROM ops_secrets WHERE name = ?", [NAME]).fetchone()
    return row and row[0]


def _legacy(path):
    try:
        with open(path) as handle:
            return handle.read().strip() or None
    except (OSError, TypeError):
        return None

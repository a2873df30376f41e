"""Is the database file sound? Checked at start-up and, about hourly, for /healthz.

    verdict = quick(db_path)        # "ok" or what SQLite found wrong (reads the whole file)
    verdict = cached(db_path)       # the last verdict of this process; a stale one is
                                    # refreshed in the background, never on a request

`PRAGMA quick_check` reads every page and checks the b-trees (not that indexes match their
tables, which the full `integrity_check` of backups also does). It takes ~0.5 s per 100 MB,
so a request never waits for it: gunicorn's workers inherit the master's start-up verdict
(they are forked after it), and /healthz shows the last verdict while a newer one is made.
"""

import os
import sqlite3
import threading
import time

from store.db import DAMAGED_SCHEMA, read_only

RECHECK = 3600.0
_cache = {}  # absolute path -> (monotonic time, verdict)
_running = set()
_lock = threading.Lock()


def quick(db_path):
    try:
        conn = read_only(db_path)
        try:
            rows = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return str(error)
    except UnicodeDecodeError:  # store.db.DAMAGED_SCHEMA
        return DAMAGED_SCHEMA
    verdict = "ok" if rows == ["ok"] else "; ".join(rows)
    with _lock:
        _cache[os.path.abspath(db_path)] = (time.monotonic(), verdict)
    return verdict


def cached(db_path, background=True):
    """The last verdict; checked now when there is none (start-up), else refreshed in a
    background thread once it is older than RECHECK."""
    path = os.path.abspath(db_path)
    with _lock:
        found = _cache.get(path)
        stale = found is None or time.monotonic() - found[0] >= RECHECK
        start = stale and found is not None and background and path not in _running
        if start:
            _running.add(path)
    if found is None:
        return quick(db_path)
    if start:
        threading.Thread(target=_refresh, args=(path,), daemon=True).start()
    return found[1]


def _refresh(path):
    try:
        quick(path)
    finally:
        with _lock:
            _running.discard(path)

"""Is the database file sound? Checked at start-up and, at most every RECHECK seconds, by
/healthz.

    verdict = quick(db_path)        # "ok" or what SQLite found wrong
    verdict = cached(db_path)       # the same, remembered for RECHECK seconds in this process

`PRAGMA quick_check` reads every page and checks the b-trees (not that indexes match
their tables, which full `integrity_check` also does, backups run that one).
"""

import os
import sqlite3
import threading
import time

RECHECK = 300.0
_cache = {}
_lock = threading.Lock()


def quick(db_path):
    try:
        conn = sqlite3.connect(f"file:{os.path.abspath(db_path)}?mode=ro", uri=True, timeout=5)
        try:
            rows = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return str(error)
    verdict = "ok" if rows == ["ok"] else "; ".join(rows)
    with _lock:
        _cache[os.path.abspath(db_path)] = (time.monotonic(), verdict)
    return verdict


def cached(db_path):
    with _lock:
        found = _cache.get(os.path.abspath(db_path))
    if found and time.monotonic() - found[0] < RECHECK:
        return found[1]
    return quick(db_path)

"""Retention: old chat memory, retry memory, read receipts and logs are purged by the worker,
and the database is optimised, at most every EVERY seconds per process.

    maybe_purge(db, config)     # in the worker's loop: cheap when the last run is recent
                                # (a failed run is tried again after RETRY_AFTER seconds)
    purge(db, config) -> {"chat_state": 3, …}

Ages come from BOT_KEEP_CHAT_DAYS, BOT_KEEP_RETRIES_DAYS, BOT_KEEP_RECEIPTS_DAYS and
BOT_KEEP_LOGS_DAYS (0: keep forever); what each covers is `store.upkeep.PURGES`. Issues, items,
the roster and the deliveries (who got what, when) are the office's record: never purged.
"""

import logging
import sqlite3
import threading
import time

from store import upkeep

log = logging.getLogger(__name__)
EVERY = 3600.0
RETRY_AFTER = 60.0  # a purge that failed (the database busy with a push, a full disk)
_last = {"at": None}
_lock = threading.Lock()


def purge(db, config, now=None):
    deleted = {}
    for setting, targets in upkeep.PURGES.items():
        days = float(config.get(setting) or 0)
        if days <= 0:
            continue
        for table, column, extra in targets:
            deleted[table] = upkeep.purge_older(db, table, column, days, extra, now)
    deleted["query_rate"] = upkeep.purge_rate_windows(db, now)
    upkeep.optimize(db)
    return deleted


def maybe_purge(db, config):
    now = time.monotonic()
    with _lock:
        if _last["at"] is not None and now - _last["at"] < EVERY:
            return None
        _last["at"] = now
    try:
        deleted = purge(db, config)
    except sqlite3.Error as error:  # busy or full: try again in a minute, not in an hour
        with _lock:
            _last["at"] = now - EVERY + RETRY_AFTER
        log.warning("retention purge failed (%s); trying again in %d s", error, RETRY_AFTER)
        return None
    if any(deleted.values()):
        log.info("retention: purged %s", ", ".join(f"{n} {t}" for t, n in deleted.items() if n))
    return deleted

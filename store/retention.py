"""Retention: old chat memory, retry memory, read receipts and logs are purged by the worker,
and the database is optimised, at most every EVERY seconds per process.

    maybe_purge(db, config)     # in the worker's loop: cheap when the last run is recent
                                # (a failed run is tried again after RETRY_AFTER seconds)
    purge(db, config) -> {"chat_state": 3, …}

Optimising includes the search index: its segments (one more with every ingest) are merged
for up to MERGE_SECONDS a run, in steps of ~0.1 s (store/search_index.py); while some are
left, the next run comes after RETRY_AFTER seconds rather than EVERY.

Ages come from BOT_KEEP_CHAT_DAYS, BOT_KEEP_RETRIES_DAYS, BOT_KEEP_RECEIPTS_DAYS and
BOT_KEEP_LOGS_DAYS (0: keep forever); what each covers is `store.upkeep.PURGES`. Issues, items,
the roster and the deliveries (who got what, when) are the office's record: never purged.
"""

import logging
import sqlite3
import threading
import time

from store import search_index, upkeep

log = logging.getLogger(__name__)
EVERY = 3600.0
RETRY_AFTER = 60.0  # a purge that failed (the database busy with a push, a full disk)
MERGE_SECONDS = 2.0  # search-index merging a run: the worker's pushes wait this long at most
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
        _again_soon(now)
        log.warning("retention purge failed (%s); trying again in %d s", error, RETRY_AFTER)
        return None
    if not _merge(db):
        _again_soon(now)
    if any(deleted.values()):
        log.info("retention: purged %s", ", ".join(f"{n} {t}" for t, n in deleted.items() if n))
    return deleted


def _again_soon(now):
    """The next run comes RETRY_AFTER seconds after the one that started at `now`."""
    with _lock:
        _last["at"] = now - EVERY + RETRY_AFTER


def _merge(db):
    """Merge the search index's segments for a while -> False while some are left to merge
    (a failure counts as left: it is tried again with the next run)."""
    try:
        before = search_index.segments(db)
        finished = search_index.merge_segments(db, seconds=MERGE_SECONDS,
                                                pages=search_index.MERGE_PAGES)
        if before > 1:
            log.info("search index: %d segments merged into %d", before, search_index.segments(db))
        return finished
    except sqlite3.Error as error:
        log.warning("merging the search index failed (%s); trying again in %d s",
                    error, RETRY_AFTER)
        return False

"""A per-process cache of search results, correct across processes and databases (its
second level, shared by the processes, is shared_answers.py).

    key = cache_key(db, "疫情", page=0, per_page=5)   # None when the cache is off
    result = CACHE.get(key)                            # or None
    CACHE.put(key, result)                             # stored as given: pass a private copy
    remember(db, "#departments", lambda: rows(db))     # an index of the archive, once per version
    version(db)                                        # 42: the archive's version now

Cadres ask the same hot words after every issue (疫情, 项目, 审计); each answer costs ~2 ms
of CPU in search(). The key holds the database's `search_version` (token, n): triggers move
`n` on every change to items, issues, departments and aliases (store/schema.py m005),
so a stale answer is never served, in this process or another. `configure(size)` sets the
number of answers kept (BOT_SEARCH_CACHE; 0 turns the cache off).

`remember` keeps what is worked out from the whole archive rather than asked by one cadre —
the department index every message resolves words against, the 部门 counts, help's
examples, a word's document count — in a small memo of its own, on whatever
BOT_SEARCH_CACHE says: turning the answer cache off must not make every message rebuild
the department index (59 ms a 部门 on a 100k archive).
"""

import threading
from collections import OrderedDict

import config as settings
from store.transaction import SNAPSHOT_FLAG


class LRU:
    """A small thread-safe least-recently-used map (gthread workers share one)."""

    def __init__(self, size):
        self.size = size
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        if key is None:
            return None
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
        return value

    def put(self, key, value):
        if key is None or self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self):
        with self._lock:
            self._items.clear()


CACHE = LRU(settings.default("BOT_SEARCH_CACHE"))
MEMO = LRU(4096)  # remember(): indexes of the archive and word counts, always on
_memo_version = [None]  # the (token, n) MEMO holds: a new version empties it


def configure(size):
    """`configure(512)`: keep that many answers; 0 turns the cache off (and empties it)."""
    CACHE.size = max(int(size), 0)
    if CACHE.size == 0:
        CACHE.clear()
    MEMO.clear()


def cache_key(db, query, page, per_page):
    """The key for one search on `db`, or None when the cache is off."""
    if CACHE.size <= 0:
        return None
    return _versioned(db, str(query), int(page), int(per_page))


def version(db):
    """`version(db)` -> 42: the archive's search version now; it moves with every change to
    what search reads (m005's triggers), so two equal versions give equal answers."""
    return db.execute("SELECT n FROM search_version WHERE id = 1").fetchone()[0]


def _versioned(db, *parts):
    if _in_write_transaction(db):
        return None  # a version seen inside a write transaction may yet be rolled back
    token, n = db.execute("SELECT token, n FROM search_version WHERE id = 1").fetchone()
    return (token, n, *parts)



def remember(db, name, compute):
    """`remember(db, "#examples", lambda: …)`: what `compute()` gave for this version of the
    archive, worked out once per version (afresh inside a write transaction). The value is
    shared between callers: return something they will not change, or copy it."""
    key = _versioned(db, name)
    if key is not None and key[:2] != _memo_version[0]:
        MEMO.clear()  # its values are whole maps of the archive: keep one version's, not many
        _memo_version[0] = key[:2]
    value = MEMO.get(key)
    if value is None:
        value = compute()
        MEMO.put(key, value)
    return value


def _in_write_transaction(db):
    """True inside a write transaction (a read snapshot is safe: it sees committed data)."""
    return db.conn.in_transaction and not getattr(db, SNAPSHOT_FLAG, False)

"""Search answers shared by every process on one database: the answer cache's second level.

    answer = get(db, key)             # a dict of SearchResult's fields, or None
    put(db, key, text, keep)          # in the caller's write transaction; keep: BOT_SEARCH_CACHE
    text = dumps(result_fields)       # JSON, made when the answer is worked out

gunicorn's workers each keep their own answers (search_cache.CACHE), so a query one worker
has answered cost the other a whole search again (~3 ms): a replay of bench/load.py's mix
missed one search in nine with two caches, one in fourteen with one shared cache. An answer
worked out in one process is therefore also kept here, in the database every process
reads, under the same key — the archive's `search_version` (token, n) first, so an answer
is only ever found by a process reading that same version of the archive. It also survives
a restart: a deploy does not empty the cache.

The chat stores an answer in the reply's own write transaction (`ctx.on_reply`), so sharing
costs no commit of its own. The table holds about BOT_SEARCH_CACHE answers: every
PURGE_EVERY-th answer stored drops those of other versions and the oldest beyond that
number (so up to PURGE_EVERY - 1 more between two purges). An answer stored by an older
Jianbao whose fields no longer fit is treated as not stored (search.py).
"""

import json

PURGE_EVERY = 64


def _text_key(key):
    return json.dumps(key, ensure_ascii=False, separators=(",", ":"))


def get(db, key):
    """The stored answer for `key` (search_cache's tuple), or None."""
    row = db.execute("SELECT answer FROM search_answers WHERE key = ?",
                     [_text_key(key)]).fetchone()
    return None if row is None else json.loads(row[0])


def dumps(fields):
    """`dumps({"hits": [...], "total": 3, ...})` -> the text `put` stores."""
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def put(db, key, text, keep):
    """Store `text` for `key` (another process may have stored it first: then nothing), in
    the caller's transaction; keep at most `keep` answers, all of `key`'s version."""
    version = f"{key[0]}:{key[1]}"
    cursor = db.execute("INSERT OR IGNORE INTO search_answers (key, version, answer)"
                        " VALUES (?, ?, ?)", [_text_key(key), version, text])
    if cursor.rowcount == 1 and cursor.lastrowid % PURGE_EVERY == 0:
        db.execute("DELETE FROM search_answers WHERE version <> ? OR id <= ?",
                   [version, cursor.lastrowid - max(int(keep), 1)])


def count(db):
    """How many answers the table holds (tests, `stats`)."""
    return db.execute("SELECT COUNT(*) FROM search_answers").fetchone()[0]

"""Search answers shared by every process on one database: the answer cache's second level.

    configure(district)               # store.init_app: the fingerprint of code and settings
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

What else decides an answer is in the key too, as a fingerprint (`configure`): the store
package's code (parsing, resolving, ranking), jieba's version and BOT_DISTRICT — a deploy of
new search code or a changed setting must not be answered from the old one's rows, which
would otherwise outlive the restart in the database.
"""

import functools
import hashlib
import importlib.metadata
import json
import pathlib

PURGE_EVERY = 64
_fingerprint = {"value": None}


def configure(district=None):
    """`configure("东城区")` (store.init_app, with BOT_DISTRICT): the fingerprint of what
    decides an answer besides the archive — this code, jieba's version, the district."""
    digest = hashlib.sha1(_code_digest())
    digest.update(str(district or "").encode())
    _fingerprint["value"] = digest.hexdigest()[:16]
    return _fingerprint["value"]


@functools.lru_cache(maxsize=1)
def _code_digest():
    """The store package's sources and jieba's version, read once per process."""
    digest = hashlib.sha1()
    for path in sorted(pathlib.Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    try:
        digest.update(importlib.metadata.version("jieba").encode())
    except importlib.metadata.PackageNotFoundError:
        pass
    return digest.digest()


def _text_key(key):
    if _fingerprint["value"] is None:
        configure()
    return json.dumps([_fingerprint["value"], *key], ensure_ascii=False, separators=(",", ":"))


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
    the caller's transaction; keep about `keep` answers, all of `key`'s version."""
    text_key = _text_key(key)
    version = f"{_fingerprint['value']}:{key[0]}:{key[1]}"
    cursor = db.execute("INSERT OR IGNORE INTO search_answers (key, version, answer)"
                        " VALUES (?, ?, ?)", [text_key, version, text])
    if cursor.rowcount == 1 and cursor.lastrowid % PURGE_EVERY == 0:
        db.execute("DELETE FROM search_answers WHERE version <> ? OR id <= ?",
                   [version, cursor.lastrowid - max(int(keep), 1)])


def count(db):
    """How many answers the table holds."""
    return db.execute("SELECT COUNT(*) FROM search_answers").fetchone()[0]

"""The search index: one `items_search` row per item, kept in step with `items` by triggers.

    register_functions(conn)       # open_db does this on every connection
    reindex_all(db)                # rebuild everything, e.g. after importing aliases
    item_of(index_rowid("2021-01-06", 7))   # -> 7
    merge_segments(db, seconds=2)  # -> True once the index is one b-tree (the worker, hourly)
    count_by_department(db, [3, 4], public_only=True)   # {3: 12, 4: 0}: what a follower finds

One mechanism keeps search current: SQLite triggers (store/schema.py m005, m008). Inserting,
correcting or deleting an item rewrites its index row in the same statement — the triggers
call the Python tokeniser through functions registered on the connection — and every change
to items, issues, departments or aliases moves `search_version`, which keys the answer cache.
No write path can forget either. (The functions exist only on Jianbao's own connections:
change items through Jianbao, not through the sqlite3 shell.)

Index rowids sort by issue date, then item id (`20210106 * 10**9 + item id`), so FTS5 can
walk matches newest first without sorting — search ranks the newest matches of a query.

Every write transaction that changes items adds a b-tree (segment) to the index, and FTS5
merges them only in fours (automerge), so an archive ingested issue by issue — 10,000
ten-item issues, as production builds it — is read from 21 segments, and each query word
is looked up in every one: the FTS5 walk of a search costs 2.3x what it does on one
segment (bench/index_merge.py). `merge_segments` merges them in short steps, each its own
write transaction of ~0.1 s, so chat replies wait for one step at most; the worker runs it
with the hourly retention purge (store/retention.py) until one segment is left.

Columns: jieba search-mode words of title and body (ranking), every character of title,
body and department in order (so a 1- or 2-character phrase always matches), and filter
tokens `dept<id> y2021 m202101 d20210106` that `search` uses for department and date filters,
plus `held` while the item's issue awaits approval (store/review.py): the chat's searches
add `NOT filters : "held"`, which walks only the few held rows (m016's triggers keep it: an
item's row is written with it, and an approval, a push or a return to 待审核 rewrites the
`filters` of the issue's rows — no re-tokenising), and `public` while the item's effective
level (store/levels.py EFFECTIVE: its own, else its issue's) is 公开: a follower's search adds
`AND filters : "public"` (m020's triggers keep it: a change of an item's level rewrites its
row's `filters`, a change of an issue's level those of its items that follow it).
"""

import time

from store.text import chars, words
from store.transaction import write

ID_SPAN = 10 ** 9  # item ids stay below this
MERGE_PAGES = 500  # index pages one merge step writes: ~0.1 s on a 100k-item archive
REINDEX_BATCH = 100  # items re-tokenised a write transaction by reindex_all (~0.1 s)


HELD = "held"  # the filter token of an item whose issue is not released (store.review)
PUBLIC = "public"  # the filter token of an item whose effective level is 公开 (store.levels)

FUNCTIONS = {  # name: (arguments, Python function) — used by the triggers of m008, m016, m020
    "jianbao_words": (1, lambda text: " ".join(words(text or ""))),
    "jianbao_chars": (1, lambda text: " ".join(chars(text or ""))),
    "jianbao_filters": (2, lambda department_id, date: filter_tokens(department_id, date)),
    "jianbao_item_filters": (3, lambda department_id, date, held:
                             filter_tokens(department_id, date, held)),
    "jianbao_index_filters": (4, lambda department_id, date, held, public:
                              filter_tokens(department_id, date, held, public)),
    "jianbao_rowid": (2, lambda date, item_id: index_rowid(date, item_id)),
}


def register_functions(conn):
    """Make the index's tokeniser callable from SQL on this connection (the triggers' part)."""
    for name, (arity, function) in FUNCTIONS.items():
        conn.create_function(name, arity, function, deterministic=True)


def index_rowid(date, item_id):
    """`index_rowid("2021-01-06", 7)` -> 20210106000000007: newer issues sort higher."""
    digits = "".join(ch for ch in (date or "") if ch.isdigit())[:8].ljust(8, "0")
    return int(digits) * ID_SPAN + int(item_id)


def item_of(rowid):
    """The item id inside an index rowid."""
    return rowid % ID_SPAN


def filter_tokens(department_id, date, held=False, public=False):
    """`filter_tokens(3, "2021-01-06")` -> "dept3 y2021 m202101 d20210106"; `held` (the
    item's issue is not released, store.review) adds the HELD token: search leaves such items
    out (`NOT filters : "held"`) unless a staff tool asks for everything; `public` (the item's
    effective level is 公开, store.levels) adds the PUBLIC token: a follower's search keeps
    to such items (`AND filters : "public"`)."""
    tokens = [f"dept{department_id or 0}", *date_tokens(date)]
    if held:
        tokens.append(HELD)
    if public:
        tokens.append(PUBLIC)
    return " ".join(tokens)


def date_tokens(date):
    """`date_tokens("2021-01")` -> ["y2021", "m202101"]: one token per known date part."""
    digits = (date or "").replace("-", "")
    parts = (("y", 4), ("m", 6), ("d", 8))
    return [f"{mark}{digits[:size]}" for mark, size in parts if len(digits) >= size]


def count_by_department(db, department_ids, public_only=False):
    """`count_by_department(db, [3, 4])` -> {3: 12, 4: 0}: how many items of each department
    (its `dept<id>` token) a cadre's search finds — of released issues (not `held`), not
    withdrawn (the index holds no withdrawn item); `public_only`: a follower's, `public` only.

    One FTS5 count a department: on a 100k archive, 30 departments take 8 ms (32 ms 公开
    only); the same counts in SQL read every item and its issue, 150–210 ms."""
    found = {}
    for department_id in department_ids:
        expression = f'filters : "dept{int(department_id)}" NOT filters : "{HELD}"'
        if public_only:
            expression = f'({expression}) AND filters : "{PUBLIC}"'
        found[department_id] = db.execute("SELECT COUNT(*) FROM items_search WHERE"
                                          " items_search MATCH ?", [expression]).fetchone()[0]
    return found


def reindex_all(db, batch=REINDEX_BATCH):
    """Rebuild the whole index (departments or the tokeniser changed). Returns the count.

    Touching every item lets the triggers do it: each row is re-tokenised and the search
    version moves, exactly as after a correction. `batch` items a write transaction (0.11 s
    for 100, up to 1.2 s when FTS5 merges segments inside one), so a running server answers
    between them, and searches go on finding the items not reached yet. In one transaction,
    100k items held the write lock for two minutes: every chat reply meanwhile would wait out
    its 5 s busy timeout and fail. (The whole rebuild takes ~150 s at 100k items.) Last, the
    index rows no item stands behind (deleted or withdrawn behind the triggers' back) go."""
    ids = [row[0] for row in db.execute("SELECT id FROM items ORDER BY id")]
    count = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        with write(db):
            count += db.execute("UPDATE items SET title = title WHERE id BETWEEN ? AND ?",
                                [chunk[0], chunk[-1]]).rowcount
    with write(db):
        db.execute("DELETE FROM items_search WHERE rowid NOT IN (SELECT jianbao_rowid(s.date,"
                   " i.id) FROM items i JOIN issues s ON s.id = i.issue_id"
                   " WHERE i.withdrawn_at IS NULL)")
    return count


def segments(db):
    """How many b-trees the index is read from (1 once merged; 0 when empty)."""
    return db.execute("SELECT COUNT(DISTINCT segid) FROM items_search_idx").fetchone()[0]


def merge_segments(db, seconds=2.0, pages=MERGE_PAGES):
    """Merge the index's segments into one, a step of about `pages` pages at a time, each
    step its own write transaction, for at most about `seconds` -> True when nothing is left
    to merge (the next call goes on where this one stopped).

    FTS5's 'merge' with a negative page count merges any two or more segments (a positive
    one waits for four on a level); it changes fewer than two rows when there is no work."""
    deadline = time.monotonic() + seconds
    while True:
        with write(db):
            before = db.conn.total_changes
            db.conn.execute("INSERT INTO items_search (items_search, rank) VALUES ('merge', ?)",
                            [-abs(int(pages))])
            done = db.conn.total_changes - before < 2
        if done:
            return True
        if time.monotonic() >= deadline:
            return False

"""The search index: one `items_search` row per item, kept in step with `items`.

    index_item(db, item_id)        # after an insert or a correction (same transaction)
    reindex_all(db)                # rebuild everything, e.g. after importing aliases
    item_of(index_rowid("2021-01-06", 7))   # -> 7

Index rowids sort by issue date, then item id (`20210106 * 10**9 + item id`), so FTS5 can
walk matches newest first without sorting — search ranks the newest matches of a query.

Columns: jieba search-mode words of title and body (ranking), every character of title,
body and department in order (so a 1- or 2-character phrase always matches), and filter
tokens `dept<id> y2021 m202101 d20210106` that `search` uses for department and date filters.
"""

from store.search_cache import bump
from store.text import chars, words
from store.transaction import write

ID_SPAN = 10 ** 9  # item ids stay below this


def index_item(db, item_id):
    """Write (or rewrite) the index row of one item."""
    row = db.execute("""
        SELECT i.id, i.title, i.body, i.department, i.department_id, s.date
        FROM items i JOIN issues s ON s.id = i.issue_id WHERE i.id = ?""", [item_id]).fetchone()
    with write(db):
        if row is None:
            return
        rowid = index_rowid(row[5], item_id)
        db.execute("DELETE FROM items_search WHERE rowid = ?", [rowid])
        db.execute("""
            INSERT INTO items_search (rowid, title, body, title_chars, body_chars,
                                      department_chars, filters, date)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", [rowid, *index_fields(*row[1:])])


def index_rowid(date, item_id):
    """`index_rowid("2021-01-06", 7)` -> 20210106000000007: newer issues sort higher."""
    digits = "".join(ch for ch in (date or "") if ch.isdigit())[:8].ljust(8, "0")
    return int(digits) * ID_SPAN + int(item_id)


def item_of(rowid):
    """The item id inside an index rowid."""
    return rowid % ID_SPAN


def index_fields(title, body, department, department_id, date):
    """The column values of one index row (title, body, *_chars, filters, date)."""
    return [
        " ".join(words(title)),
        " ".join(words(body)),
        " ".join(chars(title)),
        " ".join(chars(body)),
        " ".join(chars(department or "")),
        filter_tokens(department_id, date),
        date or "",
    ]


def filter_tokens(department_id, date):
    """`filter_tokens(3, "2021-01-06")` -> "dept3 y2021 m202101 d20210106"."""
    return " ".join([f"dept{department_id or 0}", *date_tokens(date)])


def date_tokens(date):
    """`date_tokens("2021-01")` -> ["y2021", "m202101"]: one token per known date part."""
    digits = (date or "").replace("-", "")
    parts = (("y", 4), ("m", 6), ("d", 8))
    return [f"{mark}{digits[:size]}" for mark, size in parts if len(digits) >= size]


def reindex_all(db):
    """Rebuild the whole index (departments or the tokeniser changed). Returns the count."""
    ids = [r[0] for r in db.execute("SELECT id FROM items ORDER BY id")]
    with write(db):
        db.execute("DELETE FROM items_search")
        for item_id in ids:
            index_item(db, item_id)
        bump(db)  # cached answers came from the old index
    return len(ids)

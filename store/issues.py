"""Issues and their items: saved once per content, read back for chat, push and the console.

    issue_id, created = save_issue(db, bulletin.parse_file("issue.pdf"), source="issue.pdf")
    get_issue(db, issue_id)        # {"id", "issuer", "date", "number", ..., "items": [...]}
    get_item(db, item_id)          # the item with its issue's issuer, number and date
    headlines(db, latest_issue_id(db, released=True))   # the chat's 最新: titles, not bodies
    update_item(db, item_id, title="更正后的标题", department="区审计局")

Idempotent by content: the hash covers the issue date and every item's kind, title, body
and attribution, NFKC-normalised with all whitespace removed, so the same issue read from
its PDF and from its text is stored once. Saving learns departments from attributions,
sets `items.department_id` and indexes every item for search, all in one transaction.
"""

import hashlib
import json

from store.department_refs import check_name, forget_unused
from store.departments import learn, names, resolve
from store.levels import EFFECTIVE
from store.review import RELEASED_SQL
from store.search_cache import remember
from store.text import add_words, normalise
from store.transaction import write

KINDS = ("lead", "article", "brief")  # items.kind CHECK; anything else is stored as article
ISSUE_COLUMNS = "id, issuer, date, number, source, created_at, warnings, ocr, classification"
ITEM_COLUMNS = """i.id, i.issue_id, i.seq, i.kind, i.title, i.body, i.department AS printed_department,
    i.department_id, COALESCE(d.name, i.department) AS department, i.section, i.withdrawn_at"""


def content_hash(issue):
    """`content_hash(issue)` -> sha256 hex of the normalised parsed content."""
    data = _as_dict(issue)
    squash = lambda text: "".join(normalise(text or "").split())  # noqa: E731
    content = {
        "date": data.get("date"),
        "items": [[item.get("kind"), squash(item.get("title")), squash(item.get("body")),
                   squash(item.get("department"))] for item in data.get("items") or []],
    }
    encoded = json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def save_issue(db, issue, source=None):
    """Store a parsed issue (`bulletin.model.Issue` or its `to_dict()`): -> (issue_id, created).

    The same content again returns the first issue's id and `created=False`. Every department
    of a joint attribution is linked (`item_departments`); `department_id` is the first.
    Raises ValueError for an issue without items.
    """
    data = _as_dict(issue)
    items = data.get("items") or []
    if not items:
        raise ValueError("这一期没有识别出任何条目")
    digest = content_hash(data)
    add_words(names(db))
    with write(db):
        row = db.execute("SELECT id FROM issues WHERE content_hash = ?", [digest]).fetchone()
        if row:
            return row[0], False
        issue_id = db.execute(
            "INSERT INTO issues (content_hash, issuer, date, number, source, warnings, ocr,"
            " classification) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [digest, data.get("issuer"), data.get("date"), data.get("number"), source,
             json.dumps(data.get("warnings") or [], ensure_ascii=False),
             int(bool(data.get("ocr"))), data.get("classification")]).lastrowid
        for position, item in enumerate(items, start=1):
            department = (item.get("department") or "").strip() or None
            ids = [learn(db, name) for name in _departments_of(item, department)]
            item_id = db.execute("""
                INSERT INTO items (issue_id, seq, kind, title, body, department, department_id,
                                   section)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", [
                issue_id, position, item.get("kind") if item.get("kind") in KINDS else "article",
                (item.get("title") or "").strip(), (item.get("body") or "").strip(),
                department, ids[0] if ids else None,
                (item.get("section") or "").strip() or None]).lastrowid  # indexed by trigger
            db.conn.executemany("INSERT OR IGNORE INTO item_departments (item_id, department_id)"
                                " VALUES (?, ?)", [(item_id, i) for i in ids])
    return issue_id, True


def _departments_of(item, department):
    """The department names an item is attributed to: its `departments` list (a joint
    attribution), else its one `department`."""
    listed = [" ".join(str(d).split()) for d in item.get("departments") or [] if str(d).strip()]
    return list(dict.fromkeys(listed)) or ([department] if department else [])


def get_issue(db, issue_id):
    """`get_issue(db, 1)` -> the issue with its "items" (and "item_count"), or None."""
    row = _one(db, f"SELECT {ISSUE_COLUMNS} FROM issues WHERE id = ?", [issue_id])
    if row is None:
        return None
    row["items"] = issue_items(db, issue_id)
    row["item_count"] = len(row["items"])
    row["warnings"] = json.loads(row.get("warnings") or "[]")
    return row


def dates_by_issue(db):
    """`{issue id: date}` of every issue, kept per version of the archive (search_cache's
    memo; a few bytes an issue): shared between callers, so read it, never change it."""
    return remember(db, "#issue-dates",
                    lambda: dict(db.execute("SELECT id, date FROM issues").fetchall()))


def latest_issue_id(db, released=False):
    """The most recent issue's id (by its date, then by when it was saved), or None;
    `released=True` (the chat's 最新): the most recent approved or pushed one (store.review).
    Newest first by the issues_by_date index, so only the unreleased issues newer than it are
    read past."""
    where = f" WHERE {RELEASED_SQL}" if released else ""
    row = db.execute(f"SELECT id FROM issues{where} ORDER BY date DESC, id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def headlines(db, issue_id):
    """`headlines(db, 1)` -> the issue without its items' bodies, or None: {"id", "date",
    "number", "released", "items": [{"id", "title", "department", "withdrawn_at", "level"}]
    in order} (`released`: approved or pushed, store.review; `level`: the item's effective
    公开/内部). The chat's 最新 lists titles only; reading the bodies too doubled its time."""
    issue = db.execute(f"SELECT id, date, number, {RELEASED_SQL} FROM issues WHERE id = ?",
                       [issue_id]).fetchone()
    if issue is None:
        return None
    items = [{"id": row[0], "title": row[1], "department": row[2], "withdrawn_at": row[3],
              "level": row[4]}
             for row in db.execute(
                 "SELECT i.id, i.title, COALESCE(d.name, i.department), i.withdrawn_at,"
                 f" {EFFECTIVE} FROM items i JOIN issues s ON s.id = i.issue_id"
                 " LEFT JOIN departments d ON d.id = i.department_id"
                 " WHERE i.issue_id = ? ORDER BY i.seq", [issue_id])]
    return {"id": issue[0], "date": issue[1], "number": issue[2], "released": bool(issue[3]),
            "items": items}


def list_issues(db, limit=20, offset=0, state=None, held=False):
    """`list_issues(db, 20, 0)` -> newest first: [{"id", "issuer", "date", "number", "source",
    "created_at", "item_count", "same_as"}]; `state` ("pending", "approved", "pushed") only
    those; `held` only uploads held as another version of a stored issue (`same_as`, the
    earlier issue's id: store/issue_identity.py). An issue without a printed date sorts by
    the day it was stored, not after every other."""
    where = [*(["review_state = ?"] if state else []), *(["same_as IS NOT NULL"] if held else [])]
    return list(db.query(f"""
        SELECT {ISSUE_COLUMNS}, same_as,
               (SELECT COUNT(*) FROM items WHERE issue_id = issues.id) AS item_count
        FROM issues {"WHERE " + " AND ".join(where) if where else ""}
        ORDER BY COALESCE(date, substr(created_at, 1, 10)) DESC, id DESC
        LIMIT ? OFFSET ?""", [*([state] if state else []), limit, offset]))


def count_issues(db):
    """How many issues are stored."""
    return db.execute("SELECT COUNT(*) FROM issues").fetchone()[0]


def issue_items(db, issue_id):
    """`issue_items(db, 1)` -> the issue's items in order: [{"id", "seq", "kind", "title", "body",
    "department" (canonical name), "printed_department", "department_id", "issue_id"}]."""
    return list(db.query(f"""
        SELECT {ITEM_COLUMNS} FROM items i LEFT JOIN departments d ON d.id = i.department_id
        WHERE i.issue_id = ? ORDER BY i.seq""", [issue_id]))


def get_item(db, item_id):
    """`get_item(db, 7)` -> the item plus "issuer", "number", "date" of its issue, or None."""
    return _one(db, f"""
        SELECT {ITEM_COLUMNS}, s.issuer, s.number, s.date
        FROM items i JOIN issues s ON s.id = i.issue_id
        LEFT JOIN departments d ON d.id = i.department_id WHERE i.id = ?""", [item_id])


def update_item(db, item_id, title=None, department=None, body=None):
    """Correct an item: a new title, body and/or department ("" clears the department).
    (After a push, store.corrections.correct records the change around this.)

    A known department may be named any way `resolve` understands (审计局 -> 区审计局);
    an unknown one is learned, if it looks like a name (store.department_refs.check_name).
    The department the item leaves is deleted when nothing refers to it any more (a typo
    corrected away). Re-indexes. Returns the updated item, None if there is no such item;
    ValueError for an empty title, a department that could be several or a bad new name.
    """
    if get_item(db, item_id) is None:
        return None
    if title is not None and not title.strip():
        raise ValueError("标题不能为空")
    if body is not None and not body.strip():
        raise ValueError("正文不能为空")
    with write(db):
        if title is not None:
            db.execute("UPDATE items SET title = ? WHERE id = ?", [title.strip(), item_id])
        if body is not None:
            db.execute("UPDATE items SET body = ? WHERE id = ?", [body.strip(), item_id])
        if department is not None:
            name, department_id = _correction(db, department)
            left = [r[0] for r in db.execute(
                "SELECT department_id FROM item_departments WHERE item_id = ? UNION"
                " SELECT department_id FROM items WHERE id = ?", [item_id, item_id])]
            db.execute("UPDATE items SET department = ?, department_id = ? WHERE id = ?",
                       [name, department_id, item_id])
            db.execute("DELETE FROM item_departments WHERE item_id = ?", [item_id])
            if department_id is not None:  # a correction names the one department meant
                db.execute("INSERT INTO item_departments (item_id, department_id) VALUES (?, ?)",
                           [item_id, department_id])
            forget_unused(db, left)
    return get_item(db, item_id)


def _correction(db, department):
    """The (name, id) an office correction means: a known department by any of its names
    (审计局 -> 区审计局), else a new one; ValueError if it could be several."""
    department = " ".join(department.split())
    if not department:
        return None, None
    found = resolve(db, department, strict=True)
    if found.department:
        return found.department["name"], found.department["id"]
    if found.choices:
        names = "、".join(d["name"] for d in found.choices)
        raise ValueError(f"“{department}”可能是：{names}，请写全称")
    problem = check_name(department)
    if problem:
        raise ValueError(problem)
    return department, learn(db, department)


def _as_dict(issue):
    return issue.to_dict() if hasattr(issue, "to_dict") else dict(issue)


def _one(db, sql, params):
    rows = list(db.query(sql, params))
    return rows[0] if rows else None

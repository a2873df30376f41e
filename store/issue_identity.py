"""Which stored issue an upload is: its number, date and issuer, and other versions of it.

    same = flag(db, 12)            # an earlier issue with this number and date, other content
    newer_versions(db, 9)          # [12]: uploads held as versions of issue 9, undecided
    keep_both(db, 12)              # the office says: two issues (the hold is lifted)
    replace(db, 12)                # the earlier issue takes issue 12's items; 12 is gone -> 9
    update_issue(db, 9, number="第71期")   # correct the masthead: -> {"before", "after"}
    update_issue(db, 9, today=local_time.today(config), date="2026-11-29")   # the office's day
    differences(db, 9, parsed)     # {"number": {"stored", "uploaded"}} for the same content

Issues are stored once per content (store/issues.py: the hash of the date and the items), so
the same file read twice is one issue whatever its masthead says. Two uploads with other
content but the same number and date — and the same issuer where both name one — are two
versions of one issue: the later one is stored with `same_as` pointing at the earlier and is
held from the push until the office decides. The number is compared with spaces and width
folded (`第 7 期` = `第7期`); issues without a number or a date are never versions of
another. A wrong number, date or issuer is corrected on the issue (`update_issue`), not by
uploading again: the same content opens the stored issue and `differences` tells what the
file says otherwise.
"""

import json
import re
from datetime import date as Date, timedelta

from store.department_refs import forget_unused
from store.text import fold
from store.transaction import write

FIELDS = ("issuer", "number", "date")
LIMITS = {"issuer": 60, "number": 30}
# A corrected date must look like a bulletin's: none dated before this (archives of old paper
# issues included), nor more than a few weeks ahead (an issue may carry the date it goes out).
# Out of range it is a typo — 9999-12-31 or 2201 for 2021 made that issue 最新 for every cadre.
EARLIEST = Date(1950, 1, 1)
LATEST_DAYS = 31


def _key(text):
    return re.sub(r"\s+", "", fold(text or ""))


def versions_of(db, issue_id):
    """Other issues with this issue's number and date (and issuer, where both have one),
    oldest first: [{"id", "issuer", "number", "date", "review_state"}]."""
    row = db.execute("SELECT number, date, issuer FROM issues WHERE id = ?", [issue_id]).fetchone()
    if row is None or not _key(row[0]) or not row[1]:
        return []
    number, day, issuer = row
    found = db.execute("SELECT id, issuer, number, date, review_state FROM issues"
                       " WHERE date = ? AND id != ? ORDER BY id", [day, issue_id]).fetchall()
    keys = ("id", "issuer", "number", "date", "review_state")
    return [dict(zip(keys, r)) for r in found if _key(r[2]) == _key(number)
            and (not _key(issuer) or not _key(r[1]) or _key(issuer) == _key(r[1]))]


def flag(db, issue_id):
    """Mark a just-stored issue as a later version of the oldest issue with its number and
    date -> that issue's id, or None (nothing marked)."""
    earlier = [v for v in versions_of(db, issue_id) if v["id"] < issue_id]
    if not earlier:
        return None
    with write(db):
        db.execute("UPDATE issues SET same_as = ? WHERE id = ?", [earlier[0]["id"], issue_id])
    return earlier[0]["id"]


def same_as(db, issue_id):
    """The issue this one is held as a version of (`flag`), or None."""
    row = db.execute("SELECT s.id FROM issues i JOIN issues s ON s.id = i.same_as"
                     " WHERE i.id = ?", [issue_id]).fetchone()
    return row[0] if row else None


def newer_versions(db, issue_id):
    """`newer_versions(db, 9)` -> [12]: the uploads held as another version of issue 9 (their
    `same_as` is 9), oldest first — the office has not yet replaced 9's items or kept both."""
    return [r[0] for r in db.execute("SELECT id FROM issues WHERE same_as = ? ORDER BY id",
                                     [issue_id])]


def undecided(issue_id, earlier, then):
    """`undecided(12, 9, "推送")` -> the office's reason an upload held as another version of
    issue 9 waits: the console and approval say the same (`then`: what comes after)."""
    return (f"这一期（存档编号 {issue_id}）与存档编号 {earlier} 的一期期号、日期相同而内容不同："
            f"请先在本期页面选择“替换原来那期的条目”或“保留两期”，再{then}。")


def keep_both(db, issue_id):
    """The office keeps both issues: lift the hold. False when there was none."""
    with write(db):
        return bool(db.execute("UPDATE issues SET same_as = NULL WHERE id = ? AND same_as IS"
                               " NOT NULL", [issue_id]).rowcount)


def replace(db, issue_id):
    """Give the earlier version (`same_as`) this upload's items, masthead and content hash,
    and delete this upload -> {"issue": the earlier id, "before": n items, "after": n}.

    Only while neither was pushed (the caller checks deliveries; ValueError here when the
    approval state says pushed). The earlier issue keeps its id, its 公开/内部 level and its
    approval record, but its uploader becomes the upload's (four eyes: who uploaded the text
    it now holds may not approve it) and its changers since the last approval (`changers`,
    store/review.py) the upload's with the earlier's other than its uploader, whose text is
    gone — unless they also changed its level or masthead, which stay (`kept_changers`) —
    (the caller adds who replaced it); its old items go (their per-item levels with them: the new text starts
    at the issue's level) and the upload's items move over, ids and all."""
    with write(db):
        target = same_as(db, issue_id)
        if target is None:
            raise ValueError("这一期没有待处理的同期号旧版本")
        states = dict(db.execute("SELECT id, review_state FROM issues WHERE id IN (?, ?)",
                                 [issue_id, target]).fetchall())
        if "pushed" in states.values():
            raise ValueError("已推送的一期不能整期替换，请逐条更正")
        before = db.execute("SELECT COUNT(*) FROM items WHERE issue_id = ?", [target]).fetchone()[0]
        named = [r[0] for r in db.execute(
            "SELECT j.department_id FROM item_departments j JOIN items i ON i.id = j.item_id"
            " WHERE i.issue_id = ? UNION SELECT department_id FROM items WHERE issue_id = ?",
            [target, target])]
        upload = db.execute("SELECT content_hash, issuer, number, source, warnings, ocr,"
                            " classification, uploaded_by FROM issues WHERE id = ?",
                            [issue_id]).fetchone()
        changers, kept = _changers_after_replacing(db, target, issue_id)
        db.execute("DELETE FROM items WHERE issue_id = ?", [target])
        db.execute("UPDATE items SET issue_id = ? WHERE issue_id = ?", [target, issue_id])
        db.execute("DELETE FROM issues WHERE id = ?", [issue_id])
        db.execute("""UPDATE issues SET content_hash = ?, issuer = COALESCE(?, issuer),
                      number = COALESCE(?, number), source = ?, warnings = ?, ocr = ?,
                      classification = ?, uploaded_by = COALESCE(?, uploaded_by),
                      changers = ?, kept_changers = ? WHERE id = ?""",
                   [*upload, changers, kept, target])
        db.execute("UPDATE items SET title = title WHERE issue_id = ?", [target])  # re-index
        forget_unused(db, named)  # departments only the replaced items named
        after = db.execute("SELECT COUNT(*) FROM items WHERE issue_id = ?", [target]).fetchone()[0]
    return {"issue": target, "before": before, "after": after}


def _changers_after_replacing(db, target, issue_id):
    """The earlier issue's `changers` and `kept_changers` (JSON, None when nobody) once the
    upload's text replaces its own: the earlier's changers, its uploader left out (that text
    is gone) unless they also changed what a replacement keeps (the issue's level or
    masthead: `kept_changers`), then the upload's uploader and changers. Whoever changed
    the kept fields of either stays in `kept_changers` (the upload's masthead comes over)."""
    names, kept = [], []
    for row_id, earlier in ((target, True), (issue_id, False)):
        uploader, changers, kept_here = db.execute(
            "SELECT uploaded_by, changers, kept_changers FROM issues WHERE id = ?",
            [row_id]).fetchone()
        listed = json.loads(changers) if changers else []
        kept_here = json.loads(kept_here) if kept_here else []
        kept += kept_here
        names += [n for n in [uploader, *listed]
                  if n and not (earlier and n == uploader and n not in kept_here)]

    def as_json(found):
        found = list(dict.fromkeys(found))
        return json.dumps(found, ensure_ascii=False) if found else None
    return as_json(names), as_json(kept)


def differences(db, issue_id, parsed):
    """What a file whose content is stored as `issue_id` says otherwise about the masthead:
    {"number": {"stored": "第7期", "uploaded": "第71期"}, …} (issuer, number), {} if nothing."""
    data = parsed.to_dict() if hasattr(parsed, "to_dict") else dict(parsed)
    row = db.execute("SELECT issuer, number FROM issues WHERE id = ?", [issue_id]).fetchone()
    if row is None:
        return {}
    stored = dict(zip(("issuer", "number"), row))
    return {field: {"stored": stored[field], "uploaded": data.get(field)}
            for field in ("issuer", "number")
            if _key(data.get(field)) and _key(data.get(field)) != _key(stored[field])}


def update_issue(db, issue_id, today=None, **fields):
    """Correct an issue's `issuer`, `number` and/or `date` (ISO; "" clears issuer and number)
    -> {"before": {...}, "after": {...}} of the fields that changed ({} each: nothing did),
    None for an unknown issue; ValueError (Chinese) for a bad date or an overlong value.
    `today` is the office's date (store.local_time.today: BOT_TIMEZONE, not the server's
    clock zone), from which the latest date allowed is counted; None: the server's date.
    A new date re-indexes its items (trigger issues_redated)."""
    wanted = {field: _clean(field, value, today) for field, value in fields.items()
              if field in FIELDS and value is not None}
    with write(db):
        row = db.execute("SELECT issuer, number, date FROM issues WHERE id = ?", [issue_id]).fetchone()
        if row is None:
            return None
        current = dict(zip(FIELDS, row))
        if wanted.get("date") == "" and current["date"]:
            raise ValueError("日期不能为空")
        changes = {f: v for f, v in wanted.items() if (v or None) != (current[f] or None)}
        for field, value in changes.items():
            db.execute(f"UPDATE issues SET {field} = ? WHERE id = ?", [value or None, issue_id])
    return {"before": {f: current[f] for f in changes}, "after": changes}


def _clean(field, value, today=None):
    value = " ".join(str(value).split())
    if field == "date":
        if not value:
            return ""
        try:
            day = Date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"日期“{value}”应为 YYYY-MM-DD 格式") from None
        latest = (today or Date.today()) + timedelta(days=LATEST_DAYS)
        if not EARLIEST <= day <= latest:  # a typo (2201 for 2021) would be 最新 for years
            raise ValueError(f"日期“{value}”不像一期简报的日期（应在 {EARLIEST.year} 年至 "
                             f"{latest.isoformat()} 之间）：请检查是否输错") from None
        return day.isoformat()
    if len(value) > LIMITS[field]:
        raise ValueError(f"{'发文单位' if field == 'issuer' else '期号'}太长（至多 {LIMITS[field]} 字）")
    if re.search(r"[<>\x00-\x1f]", value):
        raise ValueError(f"{'发文单位' if field == 'issuer' else '期号'}含有不允许的字符")
    return value

"""The office's roster CSV: cadres and what they follow, imported or updated in one go.

    summary = import_roster(db, "roster.csv")  # {"created", "updated", "subscriptions", "errors"}

CSV columns `name,department,mobile,userid,subscriptions` (Chinese headers 姓名, 部门, 手机,
企业微信账号, 订阅 work too); UTF-8 (BOM or not) or GBK, as Excel saves it. `subscriptions`
is an optional `|`-separated list of departments, resolved forgivingly, added to what the
cadre already has. Every `department` named in the file is a known department from then on
(the org chart grows with the roster), so subscriptions may name departments that no issue
has mentioned yet; an unknown one is refused with the closest known names. Identity, so a re-import updates instead of duplicating: the WeCom
`userid` when the row has one and it is known, else the `mobile`, else `name` + `department`.
A row that fails is reported with its line number; the other rows are imported.
A removed cadre who appears in a later import is restored.
"""

import csv
import io
import re

from bulletin import ParseError
from bulletin.read import decode_text
from store.departments import learn, resolve, suggest
from store.transaction import write
from subscriptions.subscribe import subscribe

HEADERS = {
    "name": "name", "姓名": "name", "department": "department", "部门": "department",
    "单位": "department", "mobile": "mobile", "手机": "mobile", "手机号": "mobile",
    "电话": "mobile", "userid": "userid", "企业微信账号": "userid", "账号": "userid",
    "subscriptions": "subscriptions", "订阅": "subscriptions",
}
MOBILE = re.compile(r"1\d{10}")
USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


def import_roster(db, path):
    """Import or update cadres from a CSV file -> {"created", "updated", "subscriptions",
    "errors": [{"line", "message"}]}. Raises ValueError when the file is not a roster."""
    rows = _read(path)
    summary = {"created": 0, "updated": 0, "subscriptions": 0, "errors": []}
    seen = {}
    with write(db):
        for _, row in rows:  # the roster's departments first: subscriptions may name them
            if row["department"] and not _check(dict(row)):
                row["department_id"] = learn(db, row["department"])
        for line, row in rows:
            problem = _check(row) or _duplicate(seen, row, line)
            if problem:
                summary["errors"].append({"line": line, "message": problem})
                continue
            cadre_id, created, problem = _save(db, row)
            if problem:
                summary["errors"].append({"line": line, "message": problem})
                continue
            summary["created" if created else "updated"] += 1
            ids, problems = _departments(db, row["subscriptions"])
            summary["subscriptions"] += len(subscribe(db, cadre_id, ids))
            summary["errors"].extend({"line": line, "message": p} for p in problems)
    return summary


def _read(path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = decode_text(raw)  # the one upload decoder: UTF-8/BOM, UTF-16, GB18030, …
    except ParseError:
        raise ValueError("名册不是 UTF-8 或 GBK 编码的 CSV 文件") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    columns = [HEADERS.get((h or "").strip().lower()) for h in header or []]
    if "name" not in columns:
        raise ValueError("名册第1行应为表头：name,department,mobile,userid,subscriptions")
    rows = []
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue
        row = dict.fromkeys(HEADERS.values(), "")
        for column, value in zip(columns, fields):
            if column:
                row[column] = " ".join(value.split())
        rows.append((reader.line_num, row))
    return rows


def _check(row):
    if not row["name"]:
        return "缺少姓名"
    mobile = re.sub(r"[\s\-]", "", row["mobile"]).removeprefix("+86")
    if mobile and not MOBILE.fullmatch(mobile):
        return f"手机号“{row['mobile']}”应为11位数字"
    row["mobile"] = mobile
    if row["userid"] and not USERID.fullmatch(row["userid"]):
        return f"企业微信账号“{row['userid']}”含有不允许的字符"
    return None


def _duplicate(seen, row, line):
    keys = [("userid", row["userid"]), ("mobile", row["mobile"]),
            ("name", (row["name"], row["department"]))]
    for key in keys:
        if key[1] and key in seen:
            return f"与第{seen[key]}行是同一人（{key[0]} 相同），已跳过"
    for key in keys:
        if key[1]:
            seen[key] = line
    return None


def _save(db, row):
    """Insert or update one cadre -> (id, created, problem)."""
    existing = _find(db, row)
    if row["userid"]:
        owner = db.execute("SELECT id FROM cadres WHERE userid = ?", [row["userid"]]).fetchone()
        if owner and existing and owner[0] != existing:
            return None, False, f"企业微信账号“{row['userid']}”已属于另一名干部"
    if existing is None:
        cadre_id = db.execute(
            "INSERT INTO cadres (name, department, department_id, mobile, userid)"
            " VALUES (?, ?, ?, ?, ?)",
            [row["name"], row["department"] or None, row.get("department_id"),
             row["mobile"] or None, row["userid"] or None]).lastrowid
        return cadre_id, True, None
    db.execute("""
        UPDATE cadres SET name = ?, department = ?, department_id = ?,
               mobile = COALESCE(?, mobile), userid = COALESCE(?, userid), removed_at = NULL
        WHERE id = ?""",
               [row["name"], row["department"] or None, row.get("department_id"),
                row["mobile"] or None, row["userid"] or None, existing])
    return existing, False, None


def _find(db, row):
    lookups = [("userid = ?", [row["userid"]]), ("mobile = ?", [row["mobile"]]),
               ("name = ? AND COALESCE(department, '') = ?", [row["name"], row["department"]])]
    for where, params in lookups:
        if not params[0]:
            continue
        found = db.execute(f"SELECT id FROM cadres WHERE {where} ORDER BY id LIMIT 1", params).fetchone()
        if found:
            return found[0]
    return None


def _departments(db, text):
    ids, problems = [], []
    for word in filter(None, (w.strip() for w in re.split(r"[|｜]", text or ""))):
        found = resolve(db, word)
        if found.department:
            ids.append(found.department["id"])
        elif found.choices:
            names = "、".join(d["name"] for d in found.choices)
            problems.append(f"订阅“{word}”不唯一（{names}），请写全称")
        else:
            close = suggest(db, word)
            hint = f"，是否指：{'、'.join(close)}" if close else "（可先导入部门表）"
            problems.append(f"订阅“{word}”不是已知部门{hint}")
    return ids, problems


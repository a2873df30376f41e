"""The office's roster CSV: cadres and what they follow, imported or updated in one go.

    summary = import_roster(db, "roster.csv")
    # {"created", "updated", "subscriptions", "errors", "notices"}: [{"line", "message"}]

CSV columns `name,department,mobile,userid,subscriptions` (Chinese headers 姓名, 部门, 手机,
企业微信账号, 订阅 work too, and what an office's own spreadsheet calls them: 单位, 所在单位,
手机号码, 联系电话, 帐号 …); UTF-8 (BOM or not) or GBK, as Excel saves it. Other columns (序号,
职务 …) are left out and named in a notice on line 1, so nothing is dropped unsaid. `subscriptions`
is an optional `|`-separated list of departments, resolved forgivingly, added to what the
cadre already has; 全部 subscribes to every department, as the chat's `订阅 全部` does.
Every `department` named in the file is a known department from then on (the org chart
grows with the roster), so subscriptions may name departments that no issue has mentioned
yet; an unknown one is refused with the closest known names.

Identity, so a re-import updates instead of duplicating, by the strong keys first: the WeCom
`userid`, else the `mobile`. `name` + `department` is only a fallback: for a row without a
strong key when exactly one cadre has that name and department, or for a row whose keys
nobody has yet when that one namesake has no conflicting key (the file adds a mobile or a
userid). Two rows or cadres with one name and department but different mobiles or userids
are two people: both are kept and `notices` says so, for the office to check. A row with
no key whose name a cadre of another department holds (moved, or a namesake: nothing tells)
is a new person too, with a notice naming where the other is.

A broken file (a quote left open or misused, a line with more fields than the header) is
refused whole — MalformedRoster (a ValueError) lists every such line — and nothing of it is
imported. A row that fails a check (no name, a bad mobile) is reported with its line number;
the other rows are imported. A removed cadre who appears in a later import is restored.

A row whose userid a follower holds (open access: they chatted before the office listed
them) merges that follower into the row's cadre as `绑定` does (store.binding.take_identity):
their subscriptions added, their record gone, their chat state kept.
"""

import csv
import io
import re

from bulletin import ParseError
from bulletin.read import decode_text
from store.binding import take_identity
from store.department_refs import keep
from store.departments import learn, resolve, suggest
from store.transaction import write
from subscriptions.subscribe import subscribe, subscribe_all

HEADERS = {
    "name": "name", "姓名": "name",
    "department": "department", "部门": "department", "单位": "department",
    "所在部门": "department", "所在单位": "department", "工作单位": "department",
    "部门名称": "department", "单位名称": "department",
    "mobile": "mobile", "手机": "mobile", "手机号": "mobile", "手机号码": "mobile",
    "电话": "mobile", "联系电话": "mobile", "移动电话": "mobile", "联系方式": "mobile",
    "userid": "userid", "企业微信账号": "userid", "企业微信帐号": "userid", "账号": "userid",
    "帐号": "userid",
    "subscriptions": "subscriptions", "订阅": "subscriptions", "订阅部门": "subscriptions",
}  # header (spaces removed, lower case) -> column
COLUMNS_TEXT = "姓名、部门、手机、企业微信账号、订阅（或 name,department,mobile,userid,subscriptions）"
ALL = ("全部", "所有", "all")  # a subscriptions cell meaning every department (订阅 全部)
MOBILE = re.compile(r"1\d{10}")
USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


class MalformedRoster(ValueError):
    """The file is not a well-formed CSV: `errors` [{"line", "message"}]; nothing imported."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("名册格式有误，未导入任何一行：" + "；".join(
            f"第{e['line']}行{e['message']}" for e in errors))


def import_roster(db, path):
    """Import or update cadres from a CSV file -> {"created", "updated", "subscriptions",
    "errors": [{"line", "message"}], "notices": [{"line", "message"}]}. Raises ValueError
    when the file is not a roster, MalformedRoster (a ValueError) when it is broken."""
    rows, ignored = _read(path)
    summary = {"created": 0, "updated": 0, "subscriptions": 0, "errors": [], "notices": []}
    if ignored:
        summary["notices"].append({"line": 1, "message": "表头中的" + "".join(
            f"“{h}”" for h in ignored) + f"不是名册的列，已忽略（名册的列：{COLUMNS_TEXT}）"})
    seen = {}
    with write(db):
        for _, row in rows:  # the roster's departments first: subscriptions may name them
            if row["department"] and not _check(dict(row)):
                row["department_id"] = learn(db, row["department"])
                keep(db, row["department_id"])  # the roster's departments stay
        for line, row in rows:
            problem = _check(row) or _duplicate(seen, row, line, summary["notices"])
            if problem:
                summary["errors"].append({"line": line, "message": problem})
                continue
            cadre_id, created, problem, notice = _save(db, row)
            if problem:
                summary["errors"].append({"line": line, "message": problem})
                continue
            if notice and all(n["line"] != line for n in summary["notices"]):
                summary["notices"].append({"line": line, "message": notice})
            summary["created" if created else "updated"] += 1
            everything, ids, problems = _departments(db, row["subscriptions"])
            if everything and not _follows_all(db, cadre_id):
                subscribe_all(db, cadre_id)
                summary["subscriptions"] += 1
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
    records, broken = _records(text)
    header = records[0][1] if records else []
    columns, ignored = [], []
    for h in header:
        column = HEADERS.get("".join((h or "").split()).lower())
        if column in columns:  # 手机 and 联系电话 both: the first one counts
            column = None
        if column is None and (h or "").strip():
            ignored.append(h.strip())
        columns.append(column)
    if "name" not in columns:
        shown = ",".join(h.strip() for h in header)[:80]
        raise ValueError(f"名册第1行应为表头，至少要有“姓名”一列；可用的列：{COLUMNS_TEXT}"
                         + (f"；这个文件的第1行是：{shown}" if shown else "；这个文件是空的"))
    rows = []
    for line, fields in records[1:]:
        if not any(f.strip() for f in fields):
            continue
        if len(fields) > len(columns):
            broken.append({"line": line, "message": f"有 {len(fields)} 列，表头只有 {len(columns)}"
                                                    " 列（单元格里的逗号需用英文引号括起）"})
            continue
        row = dict.fromkeys(HEADERS.values(), "")
        for column, value in zip(columns, fields):  # a short row: its last cells are empty
            if column:
                row[column] = " ".join(value.split())
        rows.append((line, row))
    if broken:
        raise MalformedRoster(sorted(broken, key=lambda e: e["line"]))
    return rows, ignored


def _records(text):
    """-> ([(first line number, fields)], [{"line", "message"}] of what csv cannot read)."""
    reader = csv.reader(io.StringIO(text), strict=True)
    records, broken = [], []
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            message = ("的引号没有闭合（到文件末尾也没有找到配对的引号）"
                       if "end of data" in str(error) else "的引号用法不对：引号外不能紧跟其他字符")
            broken.append({"line": start, "message": message})
            if reader.line_num < start:  # nothing consumed: stop rather than loop
                break
            continue
        records.append((start, fields))
    return records, broken


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


STRONG = ("userid", "mobile")  # what tells two people apart; a name does not


def _duplicate(seen, row, line, notices):
    """A row naming a person an earlier row of the file named -> the problem, else None.
    The same userid or mobile is the same person; the same name and department is only
    when one of the two rows has no userid or mobile (else two people: a notice)."""
    for key in STRONG:
        if row[key] and (key, row[key]) in seen:
            label = {"userid": "企业微信账号", "mobile": "手机号"}[key]
            return f"与第{seen[key, row[key]]}行是同一人（{label}相同），已跳过"
    namesake = ("name", row["name"], row["department"])
    strong = any(row[key] for key in STRONG)
    if namesake in seen:
        earlier, earlier_strong = seen[namesake]
        if not (strong and earlier_strong):
            return f"与第{earlier}行是同一人（姓名、单位相同，且未填手机号或企业微信账号），已跳过"
        notices.append({"line": line, "message": f"与第{earlier}行同名同单位，但手机号或企业微信账号"
                                                 "不同，按两人导入，请核对"})
    else:
        seen[namesake] = (line, strong)
    for key in STRONG:
        if row[key]:
            seen[key, row[key]] = line
    return None


def _save(db, row):
    """Insert or update one cadre -> (id, created, problem, notice)."""
    existing, problem, notice = _find(db, row)
    if problem:
        return None, False, problem, None
    if existing is None:
        cadre_id = db.execute(
            "INSERT INTO cadres (name, department, department_id, mobile) VALUES (?, ?, ?, ?)",
            [row["name"], row["department"] or None, row.get("department_id"),
             row["mobile"] or None]).lastrowid
        if row["userid"]:
            take_identity(db, cadre_id, userid=row["userid"])  # a follower's: merged, as 绑定
        return cadre_id, True, None, notice
    if row["userid"]:
        take_identity(db, existing, userid=row["userid"])
    db.execute("""
        UPDATE cadres SET name = ?, department = ?, department_id = ?,
               mobile = COALESCE(?, mobile), removed_at = NULL
        WHERE id = ?""",
               [row["name"], row["department"] or None, row.get("department_id"),
                row["mobile"] or None, existing])
    return existing, False, None, None


def _find(db, row):
    """The cadre this row is -> (id or None for a new one, problem, notice).

    A userid names one cadre (unique); a mobile, the cadre holding it — unless that cadre
    has another userid (a problem: the office says which is right). Without a match by
    key, a namesake (same name and department) is this row only when there is exactly one
    and it has no key that differs from the row's; otherwise the row is a new person."""
    cadres = {}
    for key in STRONG:
        if row[key]:
            cadres[key] = _cadres_where(db, f"{key} = ?", [row[key]])
    if cadres.get("userid"):
        return cadres["userid"][0]["id"], None, None
    if cadres.get("mobile"):
        holder = cadres["mobile"][0]
        if row["userid"] and holder["userid"] and holder["userid"] != row["userid"]:
            return None, (f"手机号“{row['mobile']}”已属于 {holder['name']}（企业微信账号"
                          f"“{holder['userid']}”），与本行账号“{row['userid']}”不符，未导入"), None
        return holder["id"], None, None
    namesakes = _cadres_where(db, "name = ? AND COALESCE(department, '') = ?",
                              [row["name"], row["department"]])
    fitting = [c for c in namesakes
               if all(not row[key] or not c[key] or c[key] == row[key] for key in STRONG)]
    if len(fitting) == 1 and len(namesakes) == 1:
        return fitting[0]["id"], None, None
    if not namesakes:
        return None, None, None if any(row[key] for key in STRONG) else _elsewhere(db, row)
    if not any(row[key] for key in STRONG):
        return None, (f"同名同单位的干部有 {len(namesakes)} 人，本行没有手机号或企业微信账号，"
                      "无法确定是谁，未导入"), None
    return None, None, (f"已有同名同单位的干部（{len(namesakes)} 人），手机号或企业微信账号不同，"
                        "已按另一人新增，请核对")


def _elsewhere(db, row):
    """The notice for a keyless row whose name a roster cadre of another department holds:
    a move or a namesake, which no key tells apart; the row is a new person either way."""
    departments = [r[0] or "未填单位" for r in db.execute(
        "SELECT DISTINCT department FROM cadres WHERE name = ? AND open_access = 0"
        " AND removed_at IS NULL ORDER BY department", [row["name"]])]
    if not departments:
        return None
    return (f"已有同名干部在{'、'.join(departments)}，本行没有手机号或企业微信账号，已按另一人新增；"
            "如是调动，请写上手机号或企业微信账号重新导入，并移除多出的一条")


def _cadres_where(db, where, params):
    """Roster cadres only: a follower's record (open access) is merged, never matched."""
    rows = db.execute(f"SELECT id, name, mobile, userid FROM cadres WHERE ({where})"
                      " AND open_access = 0 ORDER BY id", params).fetchall()
    return [dict(zip(("id", "name", "mobile", "userid"), r)) for r in rows]


def _follows_all(db, cadre_id):
    return bool(db.execute("SELECT subscribe_all FROM cadres WHERE id = ?",
                           [cadre_id]).fetchone()[0])


def _departments(db, text):
    """-> (全部?, department ids, problems) of a subscriptions cell."""
    everything, ids, problems = False, [], []
    for word in filter(None, (w.strip() for w in re.split(r"[|｜]", text or ""))):
        if word.lower() in ALL:
            everything = True
            continue
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
    return everything, ids, problems


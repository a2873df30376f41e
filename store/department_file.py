"""The office's department file: `python bot.py departments import FILE`.

    summary = import_departments(db, "departments.csv")   # {"departments", "aliases", "errors"}
    set_parent(db, 5, 2)                                   # 5 sits under 2 in the org chart
"""

import csv
import re

from bulletin import ParseError
from bulletin.read import decode_text
from store.department_refs import keep
from store.departments import add_alias, is_known, learn, owner_of
from store.text import fold
from store.transaction import write


def import_departments(db, path):
    """`import_departments(db, "departments.csv")` -> {"departments", "aliases", "errors"}.

    The org chart as CSV with a header row `name,aliases,parent` (中文表头 名称/部门,
    别名, 上级 also work): `aliases` is `|`-separated, `parent` names another department
    (in the file or already known; created when new). Without that header, one department
    per line: the canonical name, then its aliases, separated by commas, tabs, `|` or
    spaces — `区审计局,审计,审计局`. Blank lines and lines starting with `#` are skipped.
    UTF-8 (with or without BOM) or GBK. An alias already used by another department is
    refused with its line; other errors name the line too. A file that is not a department
    table — a header with other columns (a roster), a line whose name has no Chinese or holds a
    phone number — is refused whole (ValueError naming the lines), nothing imported: the chat's
    部门 list shows every department to every cadre, and none can be deleted from it.
    """
    rows = list(_rows(path))
    wrong = [problem for row in rows for problem in [_problem(*row[:3])] if problem]
    if wrong:  # a roster, a note, another table: nothing of it becomes a department
        more = f"（另有{len(wrong) - 3}行）" if len(wrong) > 3 else ""
        raise ValueError(f"不像部门表，未导入：{'；'.join(wrong[:3])}{more}")
    summary = {"departments": 0, "aliases": 0, "errors": []}
    with write(db):
        for number, name, aliases, parent in rows:
            known = is_known(db, name)
            department_id = learn(db, name)
            keep(db, department_id)  # the office's own: kept when no item names it
            summary["departments"] += 0 if known else 1
            for alias in aliases:
                owner = owner_of(db, alias)
                if fold(alias) == fold(name) or owner == department_id or db.execute(
                        "SELECT 1 FROM department_aliases WHERE alias = ? AND department_id = ?",
                        [" ".join(alias.split()), department_id]).fetchone():
                    continue
                if owner is not None:
                    summary["errors"].append(f"第{number}行：别名“{alias}”已是另一个部门的名称")
                    continue
                add_alias(db, alias, department_id)
                summary["aliases"] += 1
            if parent:
                parent_id = learn(db, parent)
                keep(db, parent_id)
                if parent_id == department_id:
                    summary["errors"].append(f"第{number}行：上级不能是部门自己")
                else:
                    set_parent(db, department_id, parent_id)
    return summary


CJK = re.compile(r"[\u4e00-\u9fff]")
DIGITS = re.compile(r"\d{5,}")  # a mobile number, an id: never part of a department's name


def _problem(number, name, aliases):
    """Why line `number` cannot be a department (None when it can): a name is at least two
    characters with Chinese among them; no name or alias holds a long run of digits."""
    if len(name) < 2 or not CJK.search(name):
        return f"第{number}行“{name}”不是部门名称"
    for text in (name, *aliases):
        if DIGITS.search(text):
            return f"第{number}行“{text}”含有号码"
    return None


def set_parent(db, department_id, parent_id):
    """`set_parent(db, 5, 2)`: department 5 sits under 2 in the org chart (None: top level)."""
    with write(db):
        db.execute("UPDATE departments SET parent_id = ? WHERE id = ?", [parent_id, department_id])


HEADER_NAMES = {"name": "name", "名称": "name", "部门": "name", "部门名称": "name",
                "单位": "name", "单位名称": "name", "aliases": "aliases", "别名": "aliases",
                "简称": "aliases", "别称": "aliases", "parent": "parent", "上级": "parent",
                "上级部门": "parent", "上级单位": "parent"}
# words of a spreadsheet's header, never of a department's name: a first line holding one is
# a header this file does not know (imported, it would be a department in every 部门 list)
HEADER_WORDS = ("名称", "全称", "简称", "别名", "别称", "上级", "序号", "备注")


def _rows(path):
    """(line number, name, [aliases], parent or None) per department line of the file."""
    with open(path, "rb") as f:
        text = _decode(f.read())
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()
                  and not line.lstrip().startswith("#")), None)
    header = ([HEADER_NAMES.get("".join(h.split()).lower())
               for h in next(csv.reader([lines[first]]))] if first is not None else [])
    if "name" in header:
        unknown = [h.strip() for h, known in zip(next(csv.reader([lines[first]])), header)
                   if known is None and h.strip()]
        if unknown:  # a roster's 姓名/手机/userid…: not this file
            raise ValueError(f"表头有部门表没有的列：{'、'.join(unknown)}（部门表的列：名称、别名、"
                             "上级；花名册请用 roster import 导入）")
        for number, fields in enumerate(csv.reader(lines[first + 1:]), start=first + 2):
            row = dict(zip(header, (" ".join(f.split()) for f in fields)))
            if not row.get("name") or row["name"].startswith("#"):
                continue
            aliases = [a.strip() for a in re.split(r"[|｜]", row.get("aliases") or "") if a.strip()]
            yield number, row["name"], aliases, row.get("parent") or None
        return
    if first is not None and any(word in lines[first] for word in HEADER_WORDS):
        raise ValueError(f"第{first + 1}行像表头，但列名不认识：{lines[first].strip()[:60]}"
                         "（部门表的列：名称、别名、上级，或 name,aliases,parent）")
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for separator in (",", "，", "\t", "|", "、"):
            line = line.replace(separator, " ")
        fields = line.split()
        yield number, fields[0], fields[1:], None


def _decode(raw):
    try:
        return decode_text(raw)  # the one upload decoder (bulletin.read)
    except ParseError:
        raise ValueError("文件不是 UTF-8 或 GBK 文本") from None

"""An issue that already lists its items (a CMS export as JSON) -> Issue, checked field by field.

    issue = segment_json({"issuer": "…", "date": "2021-01-06", "number": "第1期",
                          "items": [{"title": "…", "body": "…", "department": "…"}]})

Nothing is segmented or repaired: each entry is an item as given. What is missing or of the
wrong type is a ParseError naming the entry and the field, in Chinese for the office.
"""

from bulletin.errors import ParseError
from bulletin.masthead import find_date
from bulletin.model import KINDS, Issue, Item


def segment_json(data):
    """`segment_json({"issuer": …, "items": [{"title", "body", "department"}]})` -> Issue.

    For issues that already list their items (a CMS export). `kind` is optional per item
    (default "article"); `seq` is renumbered. Text is taken as given, not repaired.
    """
    items = data.get("items")
    if not isinstance(items, list):
        raise ParseError("JSON 缺少 items 列表。")
    meta = {}
    for key in ("issuer", "date", "number"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ParseError(f"JSON 中的 {key} 必须是字符串或 null。")
        meta[key] = value.strip() or None if isinstance(value, str) else None
    if meta["date"] is not None:
        date = find_date(meta["date"])
        if date is None:
            raise ParseError(f"JSON 中的 date 不是有效日期：{meta['date']}（应为 YYYY-MM-DD）。")
        meta["date"] = date
    issue = Issue(meta["issuer"], meta["date"], meta["number"])
    for index, entry in enumerate(items, start=1):
        issue.items.append(_json_item(entry, index))
    if not issue.items:
        raise ParseError("没有识别出任何条目：JSON 的 items 是空的。")
    return issue


def _json_item(entry, seq):
    where = f"JSON 第 {seq} 个条目"
    if not isinstance(entry, dict):
        raise ParseError(f"{where}必须是对象，包含 title、body 和 department。")
    values = {}
    for key in ("title", "body", "department", "kind"):
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            raise ParseError(f"{where}的 {key} 必须是字符串。")
        values[key] = (value or "").strip()
    if not values["title"] or not values["body"]:
        raise ParseError(f"{where}缺少 title 或 body。")
    kind = values["kind"] or "article"
    if kind not in KINDS:
        raise ParseError(f"{where}的 kind 必须是 lead、article 或 brief。")
    section = entry.get("section")
    departments = entry.get("departments")
    if section is not None and not isinstance(section, str):
        raise ParseError(f"{where}的 section 必须是字符串。")
    if departments is not None and not (isinstance(departments, list)
                                        and all(isinstance(d, str) for d in departments)):
        raise ParseError(f"{where}的 departments 必须是字符串列表。")
    departments = [d.strip() for d in departments if d.strip()] if departments else None
    return Item(seq, kind, values["title"], values["body"], values["department"] or None,
                section=(section or "").strip() or None, departments=departments)

"""The parsed shape of a bulletin issue: plain dataclasses, no I/O.

    issue = Issue(issuer="中共东城区委办公室", date="2021-01-06", number=None,
                  items=[Item(seq=1, kind="lead", title="…", body="…", department=None)])
    issue.to_dict()   # the `parse --json` shape

The JSON shape only grows: fields added later (`section`, `departments`, `warnings`, `ocr`,
`classification`) come after the original ones.
"""

import re
from dataclasses import dataclass, field

from bulletin.traditional import fold

KINDS = ("lead", "article", "brief")
JOINT = re.compile(r"\s*[、，,；;／/]\s*|\s+和\s+|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")  # separators
UNIT_ENDS = "局委办院镇乡处科股部所队站厅室组馆村联协团署会社台庭校心司道"  # last characters of units


def split_departments(department):
    """`split_departments("区审计局、区财政局")` -> ["区审计局", "区财政局"]; None -> [].

    Also at a space between two units (`县审计局 县财政局`) and at 和/与/及 between two units
    that share their first character, the place (`区审计局和区财政局`; `区住房和城乡建设局` and
    `区农业农村和水利局` are one unit each); traditional characters too (`區財政局與區稅務局`)."""
    if not department:
        return []
    parts = (p.strip() for p in JOINT.split(department))
    return [unit for part in parts if part for unit in _split_and(part)]


def _split_and(part):
    folded = fold(part)  # one for one: its positions are the printed part's
    for index in range(1, len(part) - 1):
        if folded[index] in "和与及" and folded[index - 1] in UNIT_ENDS and folded[index + 1] == folded[0]:
            return [part[:index]] + _split_and(part[index + 1:])
    return [part]


@dataclass
class Item:
    seq: int  # 1-based position in the issue
    kind: str  # "lead" (the opening story), "article", or "brief" (△/■/● short items)
    title: str
    body: str  # without the title and without the trailing attribution
    department: str | None  # the trailing （…） attribution, exactly as printed (joint ones whole)
    section: str | None = None  # the section heading the item stands under (`工作动态`), if any
    departments: list | None = None  # each unit of a joint attribution; from `department` if None

    def __post_init__(self):
        if self.departments is None:
            self.departments = split_departments(self.department)

    def to_dict(self):
        return {"seq": self.seq, "kind": self.kind, "title": self.title, "body": self.body,
                "department": self.department, "section": self.section,
                "departments": list(self.departments)}


@dataclass
class ParseWarning:
    """Something the parser is unsure of: `ParseWarning(3, "no_department", "第 3 条没有署名单位。")`."""
    item: int | None  # the item's seq, or None for the whole issue
    code: str
    message: str

    def to_dict(self):
        return {"item": self.item, "code": self.code, "message": self.message}


@dataclass
class Issue:
    issuer: str | None
    date: str | None  # ISO YYYY-MM-DD
    number: str | None  # e.g. "第3期", as printed (spaces repaired)
    items: list[Item] = field(default_factory=list)
    header: str = ""  # header text as repaired (masthead, issuer, date, number)
    footer: str = ""  # footer text as repaired (报：… 送：…, 共印X份)
    # Bookkeeping for "nothing silently lost" (not part of to_dict): the non-content
    # artefacts the parser removed (page numbers, bullets, brackets…), and the seqs of
    # items whose title was made from their body (briefs) rather than printed.
    dropped: list[str] = field(default_factory=list)
    derived_titles: list[int] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    ocr: bool = False  # the text was read from page images (a scan or a photo)
    classification: str | None = None  # "秘密"/"机密"/"绝密" (★期限 kept), "内部", or None
    front: list[str] = field(default_factory=list)  # 编者按, 目录 lines (not items, not lost)
    chrome: list[str] = field(default_factory=list)  # a web copy's navigation, meta lines, forms
    # seqs of items whose department is read from their printed title (`县住建局：全力推进…`), or
    # is the unit line over their block, printed once over its first item (`■ 镇综治中心`): a copy
    # of printed text, like derived_titles not counted twice (bookkeeping, not in to_dict)
    derived_departments: list[int] = field(default_factory=list)

    def to_dict(self):
        """The public JSON shape: {"issuer", "date", "number", "items", "warnings", "ocr", "classification"}."""
        return {
            "issuer": self.issuer,
            "date": self.date,
            "number": self.number,
            "items": [item.to_dict() for item in self.items],
            "warnings": [w.to_dict() for w in self.warnings],
            "ocr": self.ocr,
            "classification": self.classification,
        }

    def warn(self, item, code, message):
        """`issue.warn(3, "no_department", "…")`: record one warning."""
        self.warnings.append(ParseWarning(item, code, message))

    @property
    def departments(self):
        """Departments in order of first appearance, without repeats (joint ones split)."""
        return list(dict.fromkeys(d for i in self.items for d in i.departments))

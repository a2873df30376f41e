"""The parsed shape of a bulletin issue: plain dataclasses, no I/O.

    issue = Issue(issuer="中共上街区委办公室", date="2021-01-06", number=None,
                  items=[Item(seq=1, kind="lead", title="…", body="…", department=None)])
    issue.to_dict()   # the `parse --json` shape
"""

from dataclasses import asdict, dataclass, field

KINDS = ("lead", "article", "brief")


@dataclass
class Item:
    seq: int  # 1-based position in the issue
    kind: str  # "lead" (the opening story), "article", or "brief" (△/■/● short items)
    title: str
    body: str  # without the title and without the trailing attribution
    department: str | None  # from the trailing （…） attribution, exactly as printed

    def to_dict(self):
        return asdict(self)


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

    def to_dict(self):
        """The public JSON shape: {"issuer", "date", "number", "items": [...]}."""
        return {
            "issuer": self.issuer,
            "date": self.date,
            "number": self.number,
            "items": [item.to_dict() for item in self.items],
        }

    @property
    def departments(self):
        """Departments in order of first appearance, without repeats."""
        return list(dict.fromkeys(i.department for i in self.items if i.department))

"""Examples for help texts, taken from the office's own departments and items.

    ex = examples(db)
    ex.short        # "审计": the short name of the department with most items ("部门简称" if none)
    ex.other_short  # a second department's short name
    ex.keyword      # a word from the newest items' titles ("关键词" if none)
    ex.month        # "2021-01": the newest issue's month (None if none)
    ex.queries()    # "项目、财政 项目、2021-01 项目": example searches

Help must never quote a place or department of somebody else's bulletin, so nothing here is
built in: an office with no data yet gets neutral placeholders.
"""

from collections import Counter
from dataclasses import dataclass

from store.departments import cores as department_cores
from store.departments import list_with_counts
from store.review import RELEASED_SQL
from store.search_cache import remember
from store.text import query_words

RECENT_TITLES = 40


@dataclass(frozen=True)
class Examples:
    short: str = "部门简称"
    other_short: str = "部门简称"
    keyword: str = "关键词"
    month: str | None = None

    def queries(self):
        """`ex.queries()` -> "项目、财政 项目、2021-01 项目": example searches, 、-separated."""
        queries = [self.keyword, f"{self.short} {self.keyword}"]
        if self.month:
            queries.append(f"{self.month} {self.keyword}")
        return "、".join(queries)


def examples(db):
    """`examples(db)` -> Examples: the office's own words for "如：…" in help and replies.

    Worked out once per version of the archive (the search answer cache's key: any change to
    items, issues or departments moves it) — 部门 and 帮助 ask for it on every reply."""
    return remember(db, "#examples", lambda: _examples(db))  # frozen: safe to share


def _examples(db):
    busiest = [row["id"] for row in list_with_counts(db)[:2]]  # itself cached
    cores = department_cores(db)
    shorts = [cores[i] for i in busiest if cores.get(i)]
    titles = [r[0] for r in db.execute(  # what cadres see: approved or pushed (store.review)
        "SELECT i.title FROM items i JOIN issues s ON s.id = i.issue_id"
        f" WHERE s.{RELEASED_SQL} ORDER BY i.id DESC LIMIT {RECENT_TITLES}")]
    month = db.execute(f"SELECT substr(MAX(date), 1, 7) FROM issues WHERE {RELEASED_SQL}"
                       ).fetchone()[0]
    default = Examples()
    return Examples(short=shorts[0] if shorts else default.short,
                    other_short=shorts[-1] if shorts else default.other_short,
                    keyword=_keyword(titles, exclude=set(cores.values())) or default.keyword,
                    month=month)


def _keyword(titles, exclude):
    """The two- to four-character word most titles share (a topic, not a department)."""
    counts = Counter()
    for title in titles:
        counts.update({w for w in query_words(title)
                       if 2 <= len(w) <= 4 and not w.isascii() and w not in exclude})
    return counts.most_common(1)[0][0] if counts else None

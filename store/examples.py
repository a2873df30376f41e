"""Examples for help texts, taken from the office's own departments and items.

    ex = examples(db)               # for a cadre; examples(db, public_only=True): a follower
    ex.short        # "审计": the short name of the department with most items ("部门简称" if none)
    ex.other_short  # a second department's short name
    ex.keyword      # a word from the newest items' titles ("关键词" if none)
    ex.month        # "2021-01": the month of the items the keyword is found in (None if none)
    ex.queries()    # "项目、财政 项目、2021-01 项目": example searches

Every example search is one the reader it is shown to really finds something with: each is
searched (store.search, as the chat searches for that reader) before it is offered. The
words come from titles that reader may see — items of approved or pushed issues, not
withdrawn, and only 公开 ones for a follower (`public_only`, store.levels) — so help never
quotes a word of a 内部 title to a follower nor one of an issue awaiting approval.

Help must never quote a place or department of somebody else's bulletin, so nothing here is
built in: an office with no data yet gets neutral placeholders.
"""

from collections import Counter
from dataclasses import dataclass

from store.departments import cores as department_cores
from store.departments import list_with_counts
from store.levels import EFFECTIVE
from store.review import RELEASED_SQL
from store.search import search
from store.search_cache import remember
from store.text import query_words

RECENT_TITLES = 40
KEYWORD_TRIES = 5  # candidate words searched for one that finds something
PAIR_TRIES = 3  # departments tried with the keyword


@dataclass(frozen=True)
class Examples:
    short: str = "部门简称"
    other_short: str = "部门简称"
    keyword: str = "关键词"
    month: str | None = None
    searches: tuple = ()  # example searches that find something, checked by searching

    def queries(self):
        """`ex.queries()` -> "项目、财政 项目、2021-01 项目": example searches, 、-separated
        (placeholders before there is anything to find)."""
        return "、".join(self.searches or (self.keyword, f"{self.short} {self.keyword}"))


def examples(db, public_only=False):
    """`examples(db)` -> Examples: the office's own words for "如：…" in help and replies;
    `public_only=True`: for a follower who sees 公开 items only.

    Worked out once per version of the archive (the search answer cache's key: any change to
    items, issues or departments moves it) — 部门 and 帮助 ask for it on every reply; checking
    the searches costs a few searches then (~2 ms each)."""
    return remember(db, ("#examples", bool(public_only)),  # frozen: safe to share
                    lambda: _examples(db, bool(public_only)))


def _examples(db, public_only):
    busiest = [row["id"] for row in  # itself cached
               list_with_counts(db, for_chat=True, public_only=public_only)[:2]]
    cores = department_cores(db)
    shorts = [cores[i] for i in busiest if cores.get(i)]
    default = Examples()
    short = shorts[0] if shorts else default.short
    other = shorts[-1] if shorts else default.other_short
    rows = _seen_titles(db, public_only)
    for keyword in _keywords([title for title, _, _ in rows], set(cores.values())):
        if not _finds(db, keyword, public_only):
            continue
        found = [(department, date) for title, department, date in rows
                 if keyword in query_words(title)]
        pair = _first_finding(db, public_only, (
            f"{cores[department]} {keyword}" for department, _ in found if cores.get(department)),
            PAIR_TRIES)
        months = {date[:7] for _, date in found if date}
        month_query = _first_finding(db, public_only, (
            f"{month} {keyword}" for month in sorted(months, reverse=True)), 1)
        searches = tuple(q for q in (keyword, pair, month_query) if q)
        return Examples(short=short, other_short=other, keyword=keyword,
                        month=month_query and month_query.split()[0], searches=searches)
    return Examples(short=short, other_short=other)


def _seen_titles(db, public_only):
    """[(title, department id, issue date)] of the newest items the reader may see."""
    public = f" AND {EFFECTIVE} = '公开'" if public_only else ""
    return db.execute(
        "SELECT i.title, i.department_id, s.date FROM items i JOIN issues s ON s.id = i.issue_id"
        f" WHERE s.{RELEASED_SQL} AND i.withdrawn_at IS NULL{public}"
        f" ORDER BY i.id DESC LIMIT {RECENT_TITLES}").fetchall()


def _keywords(titles, exclude):
    """Up to KEYWORD_TRIES two- to four-character words most titles share (topics, not
    departments), commonest first."""
    counts = Counter()
    for title in titles:
        counts.update({w for w in query_words(title)
                       if 2 <= len(w) <= 4 and not w.isascii() and w not in exclude})
    return [word for word, _ in counts.most_common(KEYWORD_TRIES)]


def _first_finding(db, public_only, queries, tries):
    """The first of `queries` (trying at most `tries` distinct ones) that finds something."""
    tried = set()
    for query in queries:
        if query in tried:
            continue
        if _finds(db, query, public_only):
            return query
        tried.add(query)
        if len(tried) >= tries:
            break
    return None


def _finds(db, query, public_only):
    return bool(search(db, query, per_page=1, public_only=public_only).hits)

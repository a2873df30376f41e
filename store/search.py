"""Keyword search over every stored item, with department and date filters inside the query.

    result = search(db, "清河镇 疫情")          # department filter + keyword
    result = search(db, "2021年1月 项目", page=1)
    result.hits       # [{"item_id", "title", "department", "date", "score"}], best first
    result.total, result.has_more

How: each item is indexed (search_index.py) as jieba words and as its character stream
(recall: any 1-, 2-, n-character word is a phrase of characters). A query word matches when
it is a jieba word of the item *or* a run of its characters, in the title, body or
department; all query words must match. (A jieba word is always such a run, so the word
columns add no match — the same 1,500 mix queries give the same rowids either way — but
FTS5 walks an AND of two words up to 3× faster with them: `审计 工作` 0.44 ms, 1.46 ms on
characters alone; on the whole mix the two forms cost the same.) Index rows are kept newest first, so
FTS5 walks a query's matches newest first and stops at WINDOW (then `total_exact=False`);
the newest RANK_WINDOW are scored with BM25F, titles above bodies (ranking.py), newer
issues first among equal scores. Cost stays flat however large the archive grows. A part of the query that names one
department exactly (`清河镇`, `审计`) filters by department when the query has other
words; a date (`2021年1月`, `2021-01`, `2021年`, `2021-01-06`) filters by issue date. Items of
an issue awaiting approval carry the index token `held` and are left out unless asked for;
公开 items carry `public`, and a follower's search (`public_only`) keeps to those.
User text never reaches MATCH: the expression is built from quoted tokens only, so any
input (FTS syntax, quotes, emoji, 5,000 characters) gives hits or an empty result.
"""

import re
from dataclasses import dataclass, field, replace

import metrics
from store.departments import departments_by_id, names, resolve, spelled
from store.issues import dates_by_issue
from store.ranking import idf, newest_first, rank
from store import shared_answers
from store.search_cache import CACHE, cache_key, remember
from store.search_index import HELD, PUBLIC, date_tokens, item_of
from store.text import add_words, chars, normalise, query_words

MAX_QUERY_CHARS = 200  # longer input is cut here
MAX_WORDS = 12  # query words beyond this are ignored
MAX_FILTER_PARTS = 4  # only the first parts of a query are tried as a department
MAX_PER_PAGE = 50
# Each window is a cost per query (100k-item archive, CPU): counting 1,000 matches and
# ranking 200 took 5.1 ms; counting 200 and ranking 100 takes 2.2 ms (bench/search.py).
WINDOW = 200  # matches counted and paged, newest first ("200+" beyond)
RANK_WINDOW = 100  # the newest matches scored by ranking.rank; later pages are newest first
MAX_IDF_WORDS = 4  # words past this weigh the same
HIT_KEYS = ("item_id", "title", "department", "date", "score")
DATE = re.compile(r"""
    (?P<y>(?:19|20)\d\d) \s* (?:
        年 \s* (?P<m1>\d{1,2}) \s* 月 (?: \s* (?P<d1>\d{1,2}) \s* [日号])?
      | [-/.] (?P<m2>\d{1,2}) (?: [-/.] (?P<d2>\d{1,2}) )?
      | 年
    )""", re.VERBOSE)
WORD_COLUMNS = "{title body}"
CHAR_COLUMNS = "{title_chars body_chars department_chars}"


@dataclass
class SearchResult:
    hits: list = field(default_factory=list)  # [{"item_id", "title", "department", "date", "score"}]
    total: int = 0  # all matches, every page (at most WINDOW)
    total_exact: bool = True  # False: more than WINDOW items match ("200+")
    has_more: bool = False  # another page follows
    keywords: list = field(default_factory=list)  # the words searched for
    department: dict | None = None  # the department filter, {"id", "name"}
    date: str | None = None  # the date filter: "2021", "2021-01" or "2021-01-06"


@metrics.timed_search
def search(db, query, page=0, per_page=5, public_only=False, later=None, held=False):
    """`search(db, "项目", page=0, per_page=5)` -> SearchResult; never raises for user text.
    Items of issues awaiting approval are left out (store/review.py: cadres see approved or
    pushed issues only); `held=True` (a staff tool: the CLI) finds them too.
    `public_only=True` (a follower under BOT_OPEN_ACCESS) finds 公开 items only.

    Answers are cached per process until anything they read changes (search_cache.py), and
    shared between processes (shared_answers.py): an answer worked out here is stored by
    `later(write, *args)` — the chat's `ctx.on_reply`, so it joins the reply's transaction;
    without `later` (the console, the CLI) it is kept in this process only."""
    page = max(int(page or 0), 0)
    per_page = min(max(int(per_page or 5), 1), MAX_PER_PAGE)
    key = cache_key(db, query, page, per_page)
    key = key and key + (bool(public_only), bool(held))
    cached = CACHE.get(key)
    if cached is None and key is not None:
        cached = _shared(db, key)  # another process (or this one before a restart) found it
        if cached is not None:
            CACHE.put(key, cached)
    if cached is None:
        cached = _search(db, query, page, per_page, public_only, held)
        if key is not None:
            CACHE.put(key, _copy(cached))
            if later is not None:
                later(shared_answers.put, key, shared_answers.dumps(vars(cached)), CACHE.size)
        return cached
    return _copy(cached)  # callers may change what they get


def _shared(db, key):
    """The SearchResult another process stored for `key`, or None (none stored, or stored by
    a Jianbao whose SearchResult had fields this one does not know)."""
    fields = shared_answers.get(db, key)
    try:
        return None if fields is None else SearchResult(**fields)
    except TypeError:
        return None


def _copy(result):
    """A private copy of a SearchResult (its hits and filter dicts are mutable)."""
    return replace(result, hits=[dict(hit) for hit in result.hits], keywords=list(result.keywords),
                   department=dict(result.department) if result.department else None)


def _search(db, query, page, per_page, public_only=False, held=False):
    remember(db, "#jieba-names", lambda: add_words(names(db)) or True)  # once per version
    parsed = parse_query(db, query)
    expression = match_expression(parsed, _named_department(db, query, parsed))
    if expression is None:
        return SearchResult(**parsed)
    if not held:  # a NOT walks the few held rows only: the cost stays flat
        expression = f"({expression}) NOT filters : {_quote(HELD)}"
    if public_only:  # a token of the index too: no read of items or issues
        expression = f"({expression}) AND filters : {_quote(PUBLIC)}"
    newest = [r[0] for r in db.execute(
        "SELECT rowid FROM items_search WHERE items_search MATCH ?"
        " ORDER BY rowid DESC LIMIT ?", [expression, WINDOW + 1])]
    if not newest:
        return SearchResult(**parsed)
    total = min(len(newest), WINDOW)
    start = page * per_page
    ranked = rank(_rows(db, newest[:RANK_WINDOW]), parsed["keywords"],
                  _idf(db, parsed, expression, len(newest)))
    if start + per_page > len(ranked):  # past the ranked window: newest first
        tail = sorted(_rows(db, newest[len(ranked):total]), key=newest_first)
        ranked += [dict(row, score=0.0) for row in tail]
    hits = [{key: row[key] for key in HIT_KEYS} for row in ranked[start:start + per_page]]
    return SearchResult(hits=hits, total=total, total_exact=len(newest) <= WINDOW,
                        has_more=start + per_page < total, **parsed)


def parse_query(db, query):
    """`parse_query(db, "清河镇 2021年1月 疫情")` -> {"keywords": ["疫情"], "department": {...},
    "date": "2021-01"}."""
    text = normalise(str(query or ""))[:MAX_QUERY_CHARS]
    date = None
    found = DATE.search(text)
    if found:
        date = _iso(found)
        text = (text[:found.start()] + " " + text[found.end():]).strip() if date else text
    parts = text.split()
    department = None
    if len(parts) > 1 or (parts and date):
        for part in parts[:MAX_FILTER_PARTS]:
            resolution = resolve(db, part, strict=True)
            if resolution.department:
                department = resolution.department
                parts.remove(part)
                break
    keywords = []
    for part in parts:
        keywords.extend(query_words(part))
    return {"keywords": list(dict.fromkeys(keywords))[:MAX_WORDS], "department": department,
            "date": date}


def _named_department(db, query, parsed):
    """The department a query of one word names exactly (its name or an alias, folded),
    else None: such a word also finds the department's own items, whatever name they print
    (a department renamed: last year's items print the old name)."""
    parts = normalise(str(query or ""))[:MAX_QUERY_CHARS].split()
    if len(parts) != 1 or parsed["department"] or parsed["date"] or not parsed["keywords"]:
        return None
    return spelled(db, parts[0])


def match_expression(parsed, named=None):
    """The FTS5 MATCH text for a parsed query, built only from quoted tokens; None if empty.
    `named` (a department the query's one word names): its items match too."""
    terms = []
    for word in parsed["keywords"]:
        word_phrase = _quote(word)
        char_phrase = _quote(" ".join(chars(word)))
        terms.append(f"({WORD_COLUMNS} : {word_phrase} OR {CHAR_COLUMNS} : {char_phrase})")
    filters = []
    if parsed["department"]:
        filters.append(f"dept{parsed['department']['id']}")
    if parsed["date"]:
        filters.append(date_tokens(parsed["date"])[-1])
    terms.extend(f"filters : {_quote(token)}" for token in filters)
    if named and terms:
        token = _quote("dept" + str(named["id"]))
        return f"({' AND '.join(terms)}) OR filters : {token}"
    return " AND ".join(terms) if terms else None


def _iso(found):
    year, month = found["y"], found["m1"] or found["m2"]
    day = found["d1"] or found["d2"]
    if month and not 1 <= int(month) <= 12 or day and not 1 <= int(day) <= 31:
        return None
    if day:
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return f"{year}-{int(month):02d}" if month else year


def _quote(text):
    return '"' + text.replace('"', '""') + '"'


def _rows(db, rowids):
    """Items for index rowids, in the same order, with what ranking and hits need.

    One read of `items` by primary key; department names and issue dates come from maps
    kept per version of the archive (a join per row cost as much as the row)."""
    if not rowids:
        return []
    by_id = {item_of(rowid): rowid for rowid in rowids}
    marks = ",".join("?" * len(by_id))
    rows = {row[0]: row for row in db.execute(
        "SELECT id, title, body, department_id, department, issue_id FROM items"
        f" WHERE id IN ({marks})", list(by_id))}
    department_names, issue_dates = departments_by_id(db), dates_by_issue(db)
    found = []
    for item_id, rowid in by_id.items():
        row = rows.get(item_id)
        if row is not None:
            found.append({"item_id": item_id, "title": row[1], "body": row[2],
                          "department": department_names.get(row[3], row[4]),
                          "date": issue_dates.get(row[5]), "rowid": rowid})
    return found


def _idf(db, parsed, expression, matches):
    """IDF per keyword; one keyword needs none (it scales every score alike). A word's count
    of matching items (up to WINDOW) is kept per version of the archive (search_cache's
    memo): queries share their words, and counting costs an FTS5 walk each."""
    keywords = parsed["keywords"]
    if len(keywords) < 2:
        return None
    total = remember(db, "#items", lambda: db.execute("SELECT MAX(id) FROM items").fetchone()[0] or 1)
    return {word: idf(total, remember(db, ("#matches", word), lambda: _count(db, word)))
            for word in keywords[:MAX_IDF_WORDS]}


def _count(db, word):
    single = match_expression({"keywords": [word], "department": None, "date": None})
    return db.execute("SELECT COUNT(*) FROM (SELECT 1 FROM items_search WHERE items_search "
                      "MATCH ? LIMIT ?)", [single, WINDOW]).fetchone()[0]

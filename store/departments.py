"""Departments: learned, resolved forgivingly, suggested (the file import: department_file.py).

    resolve(db, "审计").department       # -> {"id": 3, "name": "区审计局"}
    resolve(db, "督察局").department     # -> 区督查局 (察/查 folded)
    resolve(db, "局").choices            # -> [{"id", "name"}, ...]: ask, never guess
    learn(db, "区审计局")                # -> department id (created when new)

Matching, from strict to loose; the first tier with any match decides:
1. the name or an alias, after folding (NFKC, spaces, variant characters such as 察/查);
2. the core: the district's own prefix (BOT_DISTRICT, else the `X区`/`X县`/`X市` most
   department names share, else the district the issues' issuer names: the last unit of
   its chain of places, 中共X市Y区委办公室 -> Y区, `district_of`), then
   区委/区/市/县, and 局/委/办/镇/街道… suffixes stripped: `X区审计局` = `区审计局`
   (a word under the district's own name is matched without it in every tier);
3. the word inside a name (`资源规划` -> 区资源规划局);
4. the word's characters in order within a name (`资规` -> 区资源规划局).
One match is the answer; several are `choices` (at most MAX_CHOICES); none is `unknown`.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from store.review import RELEASED_SQL
from store.search_cache import remember
from store.search_index import count_by_department
from store.text import add_words, fold
from store.transaction import write

MAX_CHOICES = 9
PREFIXES = ("区委", "县委", "市委", "区", "市", "县")
# How Chinese administrative names are built: a chain of units, each a name and a unit word —
# 省/自治区, then 市 (地级)/自治州/地区/盟, then the district-level 区/县/市 (县级)/旗 — and then
# what the body is (委, 人民政府, 办公室…, or a bureau: 财政局). The district is the last unit
# of the chain: 中共X市Y区委办公室 -> Y区. (州 alone is part of city names, 郑州, not a unit.)
UPPER_UNIT = r"\w{1,7}?(?:省|自治区|自治州|地区|盟|市)"
DISTRICT_UNIT = r"\w{1,7}?(?:自治县|自治旗|[县市旗]|(?<!自治)(?<!地)区)"
ORGAN = r"(?:委|党|人民|政府|人大|政协|纪|监|办)"  # an issuer's body, after its district
PLACE_CHARS = 40  # longer names are cut here before matching (the chain is short)
DISTRICT = re.compile(rf"^(?:中共|中国共产党)?(?:{UPPER_UNIT}){{0,3}}({DISTRICT_UNIT})(?=\w{{2,}})")
ISSUING_DISTRICT = re.compile(rf"^(?:中共|中国共产党)?(?:{UPPER_UNIT}){{0,3}}({DISTRICT_UNIT})(?={ORGAN})")
_district = {"configured": None}
SUFFIXES = ("办事处", "委员会", "街道", "管委会", "中心", "局", "委", "办", "镇", "乡", "部",
            "室", "所", "院", "会")


@dataclass
class Resolution:
    """The answer to "which department does this word mean?"."""
    word: str
    department: dict | None = None  # {"id", "name"} when exactly one matches
    choices: list = field(default_factory=list)  # several matches: ask the user to pick
    exact: bool = False  # matched a name or alias (tier 1) or the core (tier 2)

    @property
    def unknown(self):
        return self.department is None and not self.choices


def configure(district=None):
    """`configure("东城区")`: the district's own prefix (BOT_DISTRICT); None: learn it from
    the department names (store.init_app calls this)."""
    _district["configured"] = fold(district) if district else None


def district_prefix(department_names, issuers=()):
    """`district_prefix(["东城区财政局", "东城区审计局", "区委办"])` -> "东城区": BOT_DISTRICT,
    else the place prefix that at least two names (and most of those with one) share, else
    the one most of the issues' issuers name (`issuers`: [(issuer, issues)], as
    `[("中共东城区委办公室", 40)]`: the office's own name) — never a place built in."""
    if _district["configured"]:
        return _district["configured"]
    found = Counter(filter(None, (district_of(name, issuer=False) for name in department_names)))
    if found:
        prefix, n = found.most_common(1)[0]
        if n >= 2 and n * 2 > sum(found.values()):
            return prefix
    named = Counter()
    for issuer, issues in issuers:
        place = district_of(issuer)
        if place:
            named[place] += issues
    if not named:
        return None
    prefix, n = named.most_common(1)[0]
    return prefix if n * 2 > sum(named.values()) else None


def district_of(name, issuer=True):
    """`district_of("中共青禾市临川区委办公室")` -> "临川区": the district-level unit (区, 县,
    县级市, 旗) an issuer's name ends its chain of places with, before its body (委, 人民政府,
    办公室…; `issuer=False`, a department's name: before any two characters, as
    `临川区财政局`); None when it names no place (`区委办公室`)."""
    folded = fold(name or "")[:PLACE_CHARS]
    found = (issuer and ISSUING_DISTRICT.match(folded)) or DISTRICT.match(folded)
    return found.group(1) if found else None


def core(name, district=None):
    """`core("区审计局")` -> "审计": folded, one known prefix and one known suffix removed;
    `district` ("东城区") is stripped first when the name starts with it, as 区 would be
    (`东城区委办公室` is `区委办公室`)."""
    text = local_name(fold(name), district)
    for prefix in PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):]
            break
    for suffix in SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text


def local_name(folded, district):
    """`local_name("东城区审计局", "东城区")` -> "审计局", `("东城区委办", …)` -> "区委办": a
    folded name without the district's own place name (its 区/县/市 kept before 委)."""
    if not district or not folded.startswith(district) or len(folded) <= len(district):
        return folded
    rest = folded[len(district):]
    return district[-1] + rest if (district[-1] + rest).startswith(PREFIXES[:3]) else rest


def resolve(db, word, strict=False):
    """Which department `word` means; `strict=True` stops after name/alias/core matches."""
    word = (word or "").strip()
    folded = fold(word)
    if not folded:
        return Resolution(word)
    departments = _all_with_aliases(db)
    district = departments[0]["district"] if departments else None
    word_core = core(word, district)
    local = local_name(folded, district)  # the word as the district's own names print it
    tiers = [
        lambda d: folded in d["folded"] or local in d["folded"],
        lambda d: word_core == d["core"],
    ]
    if not strict:
        tiers += [
            lambda d: any(local in name for name in d["folded"]),
            lambda d: len(local) > 1 and any(_in_order(local, name) for name in d["folded"]),
        ]
    for tier, matches in enumerate(tiers):
        found = [d for d in departments if matches(d)]
        if len(found) == 1:
            return Resolution(word, department=_public(found[0]), exact=tier < 2)
        if found:
            found.sort(key=lambda d: (len(d["name"]), d["name"]))
            return Resolution(word, choices=[_public(d) for d in found[:MAX_CHOICES]])
    return Resolution(word)


def learn(db, name):
    """`learn(db, "区督察局")` -> id: the department this printed name means, created if new.

    Only a name or alias equal after folding counts as the same department, so 区督察局
    joins 区督查局 (and is kept as an alias) while 区农业局 never merges into 区农委.
    """
    name = " ".join((name or "").split())
    if not name:
        return None
    folded = fold(name)
    for department in _all_with_aliases(db):
        if folded in department["folded"]:
            if _is_new_spelling(db, name, department):
                add_alias(db, name, department["id"])
            return department["id"]
    with write(db):
        db.execute("INSERT OR IGNORE INTO departments (name) VALUES (?)", [name])
        department_id = db.execute("SELECT id FROM departments WHERE name = ?", [name]).fetchone()[0]
    add_words([name])
    return department_id


def add_alias(db, alias, department):
    """`add_alias(db, "审计", "区审计局")`: another name for a department (id or name).

    Returns the department id; raises ValueError when `department` is not one department.
    """
    alias = " ".join((alias or "").split())
    department_id = department if isinstance(department, int) else _id_of(db, department)
    if not alias:
        raise ValueError("别名不能为空")
    with write(db):
        db.execute("INSERT INTO department_aliases (alias, department_id) VALUES (?, ?) "
                   "ON CONFLICT(alias) DO UPDATE SET department_id = excluded.department_id",
                   [alias, department_id])
    add_words([alias])
    return department_id


def now_called(db, department_id, name):
    """The department a choice made earlier (its id and name then) means now -> {"id",
    "name"} or None: the same department by its name now (renamed since), or — merged into
    another since (store/department_merge.py: the id gone, the name an alias) — the one it
    joined; None when neither is left."""
    row = db.execute("SELECT id, name FROM departments WHERE id = ?", [department_id]).fetchone()
    if row is None:
        row = db.execute("SELECT d.id, d.name FROM department_aliases a JOIN departments d"
                         " ON d.id = a.department_id WHERE a.alias = ?", [name]).fetchone()
    return row and {"id": row[0], "name": row[1]}


def get_department(db, department_id):
    """`get_department(db, 3)` -> {"id", "name", "aliases": [...]} or None."""
    row = db.execute("SELECT id, name FROM departments WHERE id = ?", [department_id]).fetchone()
    if row is None:
        return None
    aliases = [r[0] for r in db.execute(
        "SELECT alias FROM department_aliases WHERE department_id = ? ORDER BY alias", [row[0]])]
    return {"id": row[0], "name": row[1], "aliases": aliases}


def list_with_counts(db, for_chat=False, public_only=False):
    """`list_with_counts(db)` -> [{"id", "name", "items", "aliases", "parent"}], busiest
    first (`parent`: the name of the department above it in the org chart, or None).

    `items` counts what the reader can find: every item for the staff (the default);
    `for_chat=True`, what a cadre's chat finds — items of approved or pushed issues
    (store/review.py), not withdrawn; `public_only=True` (a follower, store.levels), of
    those the 公开 ones only.

    A chat reader's counts are the search index's (store.search_index.count_by_department:
    what their searches find, by the same tokens). Counting takes 25–90 ms on a 100k archive
    and 部门 asks it often: each reader's answer is kept in the search answer cache's memo,
    keyed by the same version (any change to items, issues, departments or aliases moves
    it)."""
    reader = "public" if public_only else "chat" if for_chat else "staff"
    shared = remember(db, ("#departments", reader), lambda: _count_items(db, reader))
    return [dict(row, aliases=list(row["aliases"])) for row in shared]  # the caller's copy


def _count_items(db, reader):
    rows = db.query("""
        SELECT d.id, d.name, COUNT(i.id) AS items,
               (SELECT p.name FROM departments p WHERE p.id = d.parent_id) AS parent,
               (SELECT group_concat(alias, '|') FROM department_aliases a
                WHERE a.department_id = d.id) AS aliases
        FROM departments d LEFT JOIN items i ON i.department_id = d.id
        GROUP BY d.id ORDER BY items DESC, d.name""")
    rows = [dict(row, aliases=tuple(sorted(row["aliases"].split("|")) if row["aliases"] else ()))
            for row in rows]
    if reader != "staff":  # what the reader's searches find: counted in the search index
        found = count_by_department(db, [row["id"] for row in rows if row["items"]],
                                    public_only=reader == "public")
        rows = sorted((dict(row, items=found.get(row["id"], 0)) for row in rows),
                      key=lambda row: (-row["items"], row["name"]))
    return rows


def item_states(db):
    """`item_states(db)` -> {department id: {"released", "awaiting_approval", "withdrawn"}}:
    what the staff's `items` (list_with_counts) is made of — items of approved or pushed
    issues that cadres can find, items of issues awaiting approval (待审核), and withdrawn
    items (whatever their issue's state). Counted by main attribution, as `items` is."""
    return {row[0]: {"released": row[1], "awaiting_approval": row[2], "withdrawn": row[3]}
            for row in db.execute(f"""
        SELECT i.department_id,
               SUM(i.withdrawn_at IS NULL AND s.{RELEASED_SQL}),
               SUM(i.withdrawn_at IS NULL AND NOT s.{RELEASED_SQL}),
               SUM(i.withdrawn_at IS NOT NULL)
        FROM items i JOIN issues s ON s.id = i.issue_id
        WHERE i.department_id IS NOT NULL GROUP BY i.department_id""")}


def departments_by_id(db):
    """`{id: name}` of every department, kept per version of the archive (search_cache's memo):
    shared between callers, so read it, never change it."""
    return remember(db, "#department-names",
                    lambda: dict(db.execute("SELECT id, name FROM departments").fetchall()))


def names(db):
    """Every department name and alias, for jieba's dictionary."""
    return [r[0] for r in db.execute(
        "SELECT name FROM departments UNION SELECT alias FROM department_aliases")]


def _is_new_spelling(db, name, department):
    """区督察局 is worth keeping as an alias of 区督查局; 区 督查局 (a space) is not."""
    squashed = name.replace(" ", "")
    known = [department["name"]] + [r[0] for r in db.execute(
        "SELECT alias FROM department_aliases WHERE department_id = ?", [department["id"]])]
    return all(squashed != spelling.replace(" ", "") for spelling in known)


def owner_of(db, name):
    """`owner_of(db, "区财政局")` -> the id of the department with exactly that canonical name
    (after folding), or None."""
    folded = fold(name)
    for department in _all_with_aliases(db):
        if department["folded"][0] == folded:
            return department["id"]
    return None


def _id_of(db, name):
    resolution = resolve(db, name, strict=True)
    if resolution.department is None:
        raise ValueError(f"未知部门：{name}" if resolution.unknown else f"部门不唯一：{name}")
    return resolution.department["id"]


def _all_with_aliases(db):
    """Every department with its folded names and core, read once per version of the
    departments (the answer cache's key): resolving a word is on every search's path."""
    return remember(db, "#department-index", lambda: _read_all_with_aliases(db))


def _read_all_with_aliases(db):
    rows = db.execute("""
        SELECT d.id, d.name, a.alias FROM departments d
        LEFT JOIN department_aliases a ON a.department_id = d.id ORDER BY d.id""").fetchall()
    issuers = db.execute("SELECT issuer, COUNT(*) FROM issues WHERE issuer IS NOT NULL"
                         " GROUP BY issuer").fetchall()
    district = district_prefix({r[1] for r in rows}, issuers)
    departments = {}
    for department_id, name, alias in rows:
        entry = departments.setdefault(department_id, {
            "id": department_id, "name": name, "folded": [fold(name)],
            "core": core(name, district), "district": district})
        if alias:
            entry["folded"].append(fold(alias))
    return list(departments.values())


def is_known(db, name):
    """True when `name` is a department's name or alias (after folding)."""
    return spelled(db, name) is not None


def spelled(db, word):
    """`spelled(db, "区审计局")` -> {"id", "name"} when `word` is exactly a department's name or
    one of its aliases (after folding), else None: a dict lookup in a map kept per version
    of the departments (search asks it for every one-word query; resolve() tries far more)."""
    return remember(db, "#department-spellings", lambda: _spellings(db)).get(fold(word))


def _spellings(db):
    """{folded name or alias: department}; a spelling two departments share names neither."""
    found, shared = {}, set()
    for department in _all_with_aliases(db):
        for spelling in set(department["folded"]):
            if spelling in found:
                shared.add(spelling)
            found[spelling] = _public(department)
    return {spelling: d for spelling, d in found.items() if spelling not in shared}


def cores(db):
    """`cores(db)` -> {department id: core}: each department's short name (区审计局 -> 审计)."""
    return {d["id"]: d["core"] for d in _all_with_aliases(db)}


def suggest(db, word, limit=3):
    """`suggest(db, "财政")` -> up to `limit` known names closest to an unknown word (shared
    characters of the cores, then of the names), for "did you mean" answers."""
    departments = _all_with_aliases(db)
    if not departments:
        return []
    district = departments[0]["district"]
    wanted, whole = set(core(word, district)), set(fold(word))

    def score(d):
        return (len(wanted & set(d["core"])) / max(1, len(wanted | set(d["core"]))),
                len(whole & set(d["folded"][0])))

    ranked = sorted(departments, key=lambda d: (score(d), -len(d["name"])), reverse=True)
    return [d["name"] for d in ranked[:limit] if score(d)[1] > 0]


def _public(department):
    return {"id": department["id"], "name": department["name"]}


def _in_order(needle, haystack):
    position = 0
    for ch in needle:
        position = haystack.find(ch, position) + 1
        if position == 0:
            return False
    return True

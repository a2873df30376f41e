"""Departments: learned from item attributions, imported with aliases, resolved forgivingly.

    resolve(db, "审计").department       # -> {"id": 3, "name": "区审计局"}
    resolve(db, "督察局").department     # -> 区督查局 (察/查 folded)
    resolve(db, "局").choices            # -> [{"id", "name"}, ...]: ask, never guess
    learn(db, "区审计局")                # -> department id (created when new)

Matching, from strict to loose; the first tier with any match decides:
1. the name or an alias, after folding (NFKC, spaces, variant characters such as 察/查);
2. the core: the district's own prefix (BOT_DISTRICT, else the `X区`/`X县`/`X市` most
   department names share), then 区委/区/市/县, and 局/委/办/镇/街道… suffixes stripped;
3. the word inside a name (`资源规划` -> 区资源规划局);
4. the word's characters in order within a name (`资规` -> 区资源规划局).
One match is the answer; several are `choices` (at most MAX_CHOICES); none is `unknown`.
"""

import csv
import re
from collections import Counter
from dataclasses import dataclass, field

from bulletin import ParseError
from bulletin.read import decode_text
from store.search_cache import CACHE, cache_key
from store.text import add_words, fold
from store.transaction import write

MAX_CHOICES = 9
PREFIXES = ("区委", "县委", "市委", "区", "市", "县")
DISTRICT = re.compile(r"^(?:中共)?(\w{1,4}?[区县市旗])(?=\w{2,})")
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


def district_prefix(department_names):
    """`district_prefix(["东城区财政局", "东城区审计局", "区委办"])` -> "东城区": BOT_DISTRICT,
    else the place prefix that at least two names (and most of those with one) share."""
    if _district["configured"]:
        return _district["configured"]
    found = Counter(m.group(1) for m in map(DISTRICT.match, map(fold, department_names)) if m)
    if not found:
        return None
    prefix, n = found.most_common(1)[0]
    return prefix if n >= 2 and n * 2 > sum(found.values()) else None


def core(name, district=None):
    """`core("区审计局")` -> "审计": folded, one known prefix and one known suffix removed;
    `district` ("东城区") is stripped first when the name starts with it."""
    text = fold(name)
    if district and text.startswith(district) and len(text) > len(district):
        text = text[len(district):]
    for prefix in PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):]
            break
    for suffix in SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text


def resolve(db, word, strict=False):
    """Which department `word` means; `strict=True` stops after name/alias/core matches."""
    word = (word or "").strip()
    folded = fold(word)
    if not folded:
        return Resolution(word)
    departments = _all_with_aliases(db)
    district = departments[0]["district"] if departments else None
    tiers = [
        lambda d: folded in d["folded"],
        lambda d: core(word, district) == d["core"],
    ]
    if not strict:
        tiers += [
            lambda d: any(folded in name for name in d["folded"]),
            lambda d: len(folded) > 1 and any(_in_order(folded, name) for name in d["folded"]),
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


def get_department(db, department_id):
    """`get_department(db, 3)` -> {"id", "name", "aliases": [...]} or None."""
    row = db.execute("SELECT id, name FROM departments WHERE id = ?", [department_id]).fetchone()
    if row is None:
        return None
    aliases = [r[0] for r in db.execute(
        "SELECT alias FROM department_aliases WHERE department_id = ? ORDER BY alias", [row[0]])]
    return {"id": row[0], "name": row[1], "aliases": aliases}


def list_with_counts(db):
    """`list_with_counts(db)` -> [{"id", "name", "items", "aliases", "parent"}], busiest
    first (`parent`: the name of the department above it in the org chart, or None).

    Counting every item takes ~3 ms on a 100k archive and 部门 asks it often: the answer is
    kept in the search answer cache, keyed by the same version (any change to items,
    issues, departments or aliases moves it)."""
    key = cache_key(db, "#departments", 0, 0)
    cached = CACHE.get(key)
    if cached is not None:
        return [dict(row, aliases=list(row["aliases"])) for row in cached]
    rows = db.query("""
        SELECT d.id, d.name, COUNT(i.id) AS items,
               (SELECT p.name FROM departments p WHERE p.id = d.parent_id) AS parent,
               (SELECT group_concat(alias, '|') FROM department_aliases a
                WHERE a.department_id = d.id) AS aliases
        FROM departments d LEFT JOIN items i ON i.department_id = d.id
        GROUP BY d.id ORDER BY items DESC, d.name""")
    answer = [dict(row, aliases=sorted(row["aliases"].split("|")) if row["aliases"] else [])
              for row in rows]
    CACHE.put(key, [dict(row, aliases=tuple(row["aliases"])) for row in answer])
    return answer


def names(db):
    """Every department name and alias, for jieba's dictionary."""
    return [r[0] for r in db.execute(
        "SELECT name FROM departments UNION SELECT alias FROM department_aliases")]


def import_departments(db, path):
    """`import_departments(db, "departments.csv")` -> {"departments", "aliases", "errors"}.

    The org chart as CSV with a header row `name,aliases,parent` (中文表头 名称/部门,
    别名, 上级 also work): `aliases` is `|`-separated, `parent` names another department
    (in the file or already known; created when new). Without that header, one department
    per line: the canonical name, then its aliases, separated by commas, tabs, `|` or
    spaces — `区审计局,审计,审计局`. Blank lines and lines starting with `#` are skipped.
    UTF-8 (with or without BOM) or GBK. An alias already used by another department is
    refused with its line; other errors name the line too.
    """
    summary = {"departments": 0, "aliases": 0, "errors": []}
    with write(db):
        for number, name, aliases, parent in _rows(path):
            folded = fold(name)
            known = any(folded in d["folded"] for d in _all_with_aliases(db))
            department_id = learn(db, name)
            summary["departments"] += 0 if known else 1
            for alias in aliases:
                owner = _owner_by_name(db, alias)
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
                if parent_id == department_id:
                    summary["errors"].append(f"第{number}行：上级不能是部门自己")
                else:
                    set_parent(db, department_id, parent_id)
    return summary


def set_parent(db, department_id, parent_id):
    """`set_parent(db, 5, 2)`: department 5 sits under 2 in the org chart (None: top level)."""
    with write(db):
        db.execute("UPDATE departments SET parent_id = ? WHERE id = ?", [parent_id, department_id])


HEADER_NAMES = {"name": "name", "名称": "name", "部门": "name", "aliases": "aliases",
                "别名": "aliases", "简称": "aliases", "parent": "parent", "上级": "parent",
                "上级部门": "parent"}


def _rows(path):
    """(line number, name, [aliases], parent or None) per department line of the file."""
    with open(path, "rb") as f:
        text = _decode(f.read())
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()
                  and not line.lstrip().startswith("#")), None)
    header = ([HEADER_NAMES.get(h.strip().lower()) for h in next(csv.reader([lines[first]]))]
              if first is not None else [])
    if "name" in header:
        for number, fields in enumerate(csv.reader(lines[first + 1:]), start=first + 2):
            row = dict(zip(header, (" ".join(f.split()) for f in fields)))
            if not row.get("name") or row["name"].startswith("#"):
                continue
            aliases = [a.strip() for a in re.split(r"[|｜]", row.get("aliases") or "") if a.strip()]
            yield number, row["name"], aliases, row.get("parent") or None
        return
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


def _is_new_spelling(db, name, department):
    """区督察局 is worth keeping as an alias of 区督查局; 区 督查局 (a space) is not."""
    squashed = name.replace(" ", "")
    known = [department["name"]] + [r[0] for r in db.execute(
        "SELECT alias FROM department_aliases WHERE department_id = ?", [department["id"]])]
    return all(squashed != spelling.replace(" ", "") for spelling in known)


def _owner_by_name(db, name):
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
    key = cache_key(db, "#department-index", 0, 0)
    cached = CACHE.get(key)
    if cached is None:
        cached = _read_all_with_aliases(db)
        CACHE.put(key, cached)
    return cached


def _read_all_with_aliases(db):
    rows = db.execute("""
        SELECT d.id, d.name, a.alias FROM departments d
        LEFT JOIN department_aliases a ON a.department_id = d.id ORDER BY d.id""").fetchall()
    district = district_prefix({r[1] for r in rows})
    departments = {}
    for department_id, name, alias in rows:
        entry = departments.setdefault(department_id, {
            "id": department_id, "name": name, "folded": [fold(name)],
            "core": core(name, district), "district": district})
        if alias:
            entry["folded"].append(fold(alias))
    return list(departments.values())


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

"""A department renamed, or two departments found to be one: `departments rename` / `alias`.

    rename(db, "区农委", "区农业农村局")   # -> {"id", "name", "merged": False, "items": 0, …}
    merge(db, source_id, target_id)        # source joins target: its items, followers, cadres

An office's departments change over a year: 区农委 becomes 区农业农村局; an issue printed the
new name before anyone told Jianbao, so it was learned as a department of its own. Both
names must then mean one department — its items (search, 部门 counts), its followers (订阅,
我的订阅), its cadres (their own department) and the audience of the next push.

`rename` gives a department a new name and keeps the old one as an alias (items printed with
it still resolve); when the new name is already another department's, the renamed one joins
it. `merge` moves everything that names `source` to `target` — items (the attribution as
printed stays), joint attributions, subscriptions, cadres, aliases, the org chart's children,
`kept`, a WeCom id the target lacks — makes the source's name an alias of the target and
deletes the source. Departments linked to two WeCom departments are not merged (the address
book would split them again at the next sync: merge them there). The search index follows
through the items' triggers, the answer cache through the departments' version.
"""

from store.department_refs import check_name
from store.departments import add_alias, get_department, owner_of, resolve
from store.text import add_words
from store.transaction import write


def find(db, name):
    """The department `name` names (its name or an alias, folded) -> id; ValueError if none
    or several."""
    found = resolve(db, name, strict=True)
    if found.department is None:
        raise ValueError(f"未知部门：{name}" if found.unknown else f"部门不唯一：{name}")
    return found.department["id"]


def rename(db, old, new):
    """`rename(db, "区农委", "区农业农村局")` -> {"id", "name", "old_name", "merged", "items",
    "subscriptions", "cadres"}: the department `old` names is called `new` from now on (the
    old name an alias); a department already called `new` absorbs it (`merged`)."""
    new = " ".join((new or "").split())
    problem = check_name(new)
    if problem:
        raise ValueError(problem)
    with write(db):
        department_id = find(db, old)
        current = get_department(db, department_id)
        holder = owner_of(db, new)
        if holder is None:  # the new name may be an alias already: of this one or another
            row = db.execute("SELECT department_id FROM department_aliases WHERE alias = ?",
                             [new]).fetchone()
            holder = row and row[0]
        if holder == department_id and current["name"] == new:
            raise ValueError(f"“{old}”与“{new}”已是同一个部门")
        if holder is not None and holder != department_id:
            moved = merge(db, department_id, holder)
            return {**moved, "old_name": current["name"]}
        db.execute("DELETE FROM department_aliases WHERE alias = ?", [new])
        db.execute("UPDATE departments SET name = ? WHERE id = ?", [new, department_id])
        db.execute("INSERT OR IGNORE INTO department_aliases (alias, department_id) VALUES (?, ?)",
                   [current["name"], department_id])
        db.execute("UPDATE cadres SET department = ? WHERE department_id = ?", [new, department_id])
    add_words([new])
    return {"id": department_id, "name": new, "old_name": current["name"], "merged": False,
            "items": 0, "subscriptions": 0, "cadres": 0}


def alias_or_merge(db, alias, department):
    """`departments alias A D`: A becomes another name of D; when A is another department's
    name, that department joins D -> the same dict as `rename` (`merged` True then)."""
    with write(db):
        target = find(db, department)
        source = owner_of(db, alias)
        if source is None or source == target:
            add_alias(db, alias, target)
            name = get_department(db, target)["name"]
            return {"id": target, "name": name, "old_name": None, "merged": False,
                    "items": 0, "subscriptions": 0, "cadres": 0}
        return {**merge(db, source, target), "old_name": alias}


def merge(db, source_id, target_id):
    """Department `source_id` joins `target_id` -> {"id", "name", "merged": True, "items",
    "subscriptions", "cadres"} (what moved)."""
    with write(db):
        source, target = (db.execute("SELECT id, name, wecom_id, kept FROM departments"
                                     " WHERE id = ?", [i]).fetchone()
                          for i in (source_id, target_id))
        if source is None or target is None or source_id == target_id:
            raise ValueError("没有两个可以合并的部门")
        if source[2] is not None and target[2] is not None:
            raise ValueError(f"“{source[1]}”和“{target[1]}”都来自企业微信通讯录，"
                             "请在通讯录中合并后再同步")
        run = db.conn.execute
        items = run("UPDATE items SET department_id = ? WHERE department_id = ?",
                    [target_id, source_id]).rowcount
        run("INSERT OR IGNORE INTO item_departments (item_id, department_id)"
            " SELECT item_id, ? FROM item_departments WHERE department_id = ?",
            [target_id, source_id])
        gained = run("INSERT OR IGNORE INTO subscriptions (cadre_id, department_id, created_at)"
                     " SELECT cadre_id, ?, created_at FROM subscriptions WHERE department_id = ?",
                     [target_id, source_id]).rowcount
        cadres = run("UPDATE cadres SET department_id = ?, department = ? WHERE department_id = ?",
                     [target_id, target[1], source_id]).rowcount
        run("UPDATE department_aliases SET department_id = ? WHERE department_id = ?",
            [target_id, source_id])
        run("UPDATE departments SET parent_id = ? WHERE parent_id = ? AND id != ?",
            [target_id, source_id, target_id])
        run("UPDATE departments SET parent_id = NULL WHERE id = ? AND parent_id = ?",
            [target_id, source_id])
        run("DELETE FROM departments WHERE id = ?", [source_id])  # its rows above cascade
        run("UPDATE departments SET kept = MAX(kept, ?), wecom_id = COALESCE(wecom_id, ?)"
            " WHERE id = ?", [source[3], source[2], target_id])
        run("INSERT OR IGNORE INTO department_aliases (alias, department_id) VALUES (?, ?)",
            [source[1], target_id])
    return {"id": target_id, "name": target[1], "merged": True, "items": items,
            "subscriptions": gained, "cadres": cadres}

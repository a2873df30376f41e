"""A department split in two or more (机构改革): `departments split OLD NEW1 NEW2`.

    split(db, "区农委", ["区农业农村局", "区水利局"])
        # -> {"id", "name", "new": [{"id", "name", "created"}], "cadres", "subscriptions"}
    split(db, "区农委", ["区农业农村局", "区水利局"], own_follows=False)  # BOT_DEFAULT_FOLLOW≠own

The reverse of a merge (store.department_merge): one department's work goes to several.
Nobody can say which of the new departments a follower of the old one meant, nor which one
each of its cadres now works in, so every cadre who followed it — subscribed, or (with
`own_follows`, BOT_DEFAULT_FOLLOW=own) belonging to it — follows each new department (a
subscription each: 我的订阅 shows them, 退订 drops one). The old department stays as it
was: its items keep their attribution and its followers, its cadres their department until
the roster or the address book moves them, its aliases stay its own; it is an alias of no
new department (a later issue printing the old name means the old department, and no new
one inherits its archive). A new name that is already a department (an issue printed it)
is that department; otherwise it is created and kept. Splitting again adds nothing.
"""

from store.department_merge import find
from store.department_refs import check_name
from store.departments import learn
from store.transaction import write


def split(db, old, new_names, own_follows=True):
    """The department `old` names split into `new_names` (two or more) -> what was done;
    ValueError (Chinese, one line) for an unknown old name, a bad or repeated new name, or a
    new name that is the old department (its name or alias)."""
    names = [" ".join((name or "").split()) for name in new_names]
    if len(names) < 2:
        raise ValueError("拆分至少需要两个新部门；一个新名称请用 departments rename")
    if len(set(names)) != len(names):
        raise ValueError("新部门重复：" + "、".join(names))
    for name in names:
        if problem := check_name(name):
            raise ValueError(problem)
    with write(db):
        old_id = find(db, old)
        old_name = db.execute("SELECT name FROM departments WHERE id = ?", [old_id]).fetchone()[0]
        known = {r[0] for r in db.execute("SELECT id FROM departments")}
        new = []
        for name in names:
            holder = learn(db, name)  # as an issue printing the name would: same after folding
            if holder == old_id:
                raise ValueError(f"“{name}”就是“{old_name}”（名称或别名），不能作为拆分后的新部门")
            db.execute("UPDATE departments SET kept = 1 WHERE id = ?", [holder])
            new.append({"id": holder, "name": name, "created": holder not in known})
        if len({d["id"] for d in new}) != len(new):
            raise ValueError("新部门中有两个是同一个部门：" + "、".join(names))
        followers = [r[0] for r in db.execute(
            "SELECT cadre_id FROM subscriptions WHERE department_id = ?"
            + (" UNION SELECT id FROM cadres WHERE department_id = ? AND removed_at IS NULL"
               if own_follows else ""),
            [old_id, old_id] if own_follows else [old_id])]
        gained, cadres = 0, set()
        for cadre_id in sorted(followers):
            for department in new:
                if db.execute("INSERT OR IGNORE INTO subscriptions (cadre_id, department_id)"
                              " VALUES (?, ?)", [cadre_id, department["id"]]).rowcount:
                    gained += 1
                    cadres.add(cadre_id)
    return {"id": old_id, "name": old_name, "new": new, "cadres": len(cadres),
            "subscriptions": gained}


"""Which departments are in use, and the names a correction may create.

    keep(db, 5)                        # the office's own (department file, roster): never forgotten
    forget_unused(db, [5, 9])          # -> names deleted: nothing refers to them any more
    check_name("xyz<b>")               # -> "单位名称含有不允许的字符“<”" (None for a fine name)

A department is learned from whatever names it (an item's attribution, a correction, the
roster, the department file, the WeCom address book). One that only an item named — a typo
in the document or in a correction — must not outlive the item's fix: after an item's
department changes (store.issues.update_item) or an issue's items are replaced
(store.issue_identity.replace), the departments they named are deleted if nothing refers to
them any more: no item (as its department or one of a joint attribution), no cadre, no
subscription, no alias, no place in the org chart (a parent, a child, a WeCom id), and not
kept. The department file and the roster keep what they name (`keep`).
"""

import re

from store.transaction import write

IN_USE = """(d.kept = 1 OR d.wecom_id IS NOT NULL OR d.parent_id IS NOT NULL
    OR EXISTS (SELECT 1 FROM items i WHERE i.department_id = d.id)
    OR EXISTS (SELECT 1 FROM item_departments j WHERE j.department_id = d.id)
    OR EXISTS (SELECT 1 FROM cadres c WHERE c.department_id = d.id)
    OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.department_id = d.id)
    OR EXISTS (SELECT 1 FROM department_aliases a WHERE a.department_id = d.id)
    OR EXISTS (SELECT 1 FROM departments p WHERE p.parent_id = d.id))"""
NAME_MIN, NAME_MAX = 2, 60
# letters and ideographs, digits, spaces and the punctuation department names carry
NAME_CHARS = re.compile(r"[^\w\s（）()·・、\-—]")


def keep(db, department_id):
    """The office keeps this department even when nothing names it."""
    if department_id is not None:
        with write(db):
            db.execute("UPDATE departments SET kept = 1 WHERE id = ?", [department_id])


def forget_unused(db, department_ids):
    """Delete those of `department_ids` nothing refers to -> their names."""
    ids = sorted({int(i) for i in department_ids if i is not None})
    if not ids:
        return []
    with write(db):
        unused = db.execute(f"SELECT id, name FROM departments d WHERE d.id IN"
                            f" ({','.join('?' * len(ids))}) AND NOT {IN_USE}", ids).fetchall()
        db.conn.executemany("DELETE FROM departments WHERE id = ?", [(r[0],) for r in unused])
    return [r[1] for r in unused]


def check_name(name):
    """Why `name` cannot be a new department (a short Chinese reason), or None."""
    name = " ".join((name or "").split())
    squashed = name.replace(" ", "")
    if len(squashed) < NAME_MIN:
        return f"单位名称“{name}”太短，请写全称"
    if len(name) > NAME_MAX:
        return f"单位名称太长（至多 {NAME_MAX} 字）"
    odd = NAME_CHARS.search(name)
    if odd:
        return f"单位名称含有不允许的字符“{odd.group(0)}”"
    if not re.search(r"[^\W\d_]", name):
        return f"单位名称“{name}”不像单位名称，请写全称"
    return None

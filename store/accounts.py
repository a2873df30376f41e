"""Named console accounts: a role each, a password hash, disabled or not, session generations.

    add(db, "li", "approver", hash)        # ValueError when the name is taken or bad
    get(db, "li")                          # {"name", "role", "disabled", "password_hash", …}
    set_disabled(db, "li"); set_password(db, "li", hash); set_role(db, "li", "editor")
    generation(db, "li"); end_sessions(db, "li")   # cookies carry the generation they got

Roles rank editor < approver < admin (at_least). `admin` is reserved for the bootstrap
account of BOT_ADMIN_PASSWORD, which has no row here but a session generation like the rest.
Hashing is the caller's (web/auth.py): this module stores what it is given.
"""

import re

from store.db import NOW
from store.transaction import write, write_one

ROLES = ("editor", "approver", "admin")
BOOTSTRAP = "admin"
NAME = re.compile(r"[\w.\-@]{1,40}")
PASSWORD_MIN = 10  # characters


def at_least(role, needed):
    """`at_least("approver", "editor")` -> True: `role` may do what `needed` may."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def check_name(name):
    """ValueError (in Chinese: the console shows it, the CLI prints it) for a name that
    cannot be an account's."""
    if not NAME.fullmatch(name or ""):
        raise ValueError(f"账号名“{name or ''}”不可用：须为 1–40 个字母、数字或 . - _ @")
    if name == BOOTSTRAP:
        raise ValueError(f"“{BOOTSTRAP}”是 BOT_ADMIN_PASSWORD 的内置账号，不能再添加")


def check_role(role):
    if role not in ROLES:
        raise ValueError(f"没有角色“{role or ''}”：可选 {', '.join(ROLES)}")


def add(db, name, role, password_hash):
    """Create an account; ValueError when the name is bad or taken, or the role unknown."""
    check_name(name)
    check_role(role)
    with write(db):
        if db.execute("SELECT 1 FROM accounts WHERE name = ?", [name]).fetchone():
            raise ValueError(f"账号 {name} 已存在")
        db.execute("INSERT INTO accounts (name, role, password_hash) VALUES (?, ?, ?)",
                   [name, role, password_hash])


def get(db, name):
    row = db.execute("SELECT name, role, password_hash, disabled, created_at, updated_at"
                     " FROM accounts WHERE name = ?", [name]).fetchone()
    keys = ("name", "role", "password_hash", "disabled", "created_at", "updated_at")
    return dict(zip(keys, row), disabled=bool(row[3])) if row else None


def list_accounts(db):
    rows = db.execute("SELECT name, role, disabled, created_at, updated_at FROM accounts"
                      " ORDER BY name").fetchall()
    return [{"name": r[0], "role": r[1], "disabled": bool(r[2]), "created_at": r[3],
             "updated_at": r[4]} for r in rows]


def any_active(db):
    return db.execute("SELECT 1 FROM accounts WHERE disabled = 0 LIMIT 1").fetchone() is not None


def _change(db, name, sql, args):
    with write(db):
        changed = db.execute(f"UPDATE accounts SET {sql}, updated_at = {NOW} WHERE name = ?",
                             [*args, name]).rowcount
        if not changed:
            raise LookupError(f"no account {name}")
        end_sessions(db, name)


def set_disabled(db, name, disabled=True):
    """Disable (or enable) an account; its sessions end at once. LookupError: unknown."""
    _change(db, name, "disabled = ?", [int(disabled)])


def set_password(db, name, password_hash):
    """Replace the password; the account's sessions end at once."""
    _change(db, name, "password_hash = ?", [password_hash])


def set_role(db, name, role):
    check_role(role)
    _change(db, name, "role = ?", [role])


def generation(db, name):
    row = db.execute("SELECT generation FROM session_generations WHERE name = ?",
                     [name]).fetchone()
    return row[0] if row else 0


def end_sessions(db, name):
    """Move the account's session generation on: every cookie issued before stops working."""
    write_one(db, "INSERT INTO session_generations (name, generation) VALUES (?, 1)"
                  " ON CONFLICT (name) DO UPDATE SET generation = generation + 1", [name])

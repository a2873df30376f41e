"""Backups: a consistent copy while the app serves and sends; restore with the app stopped.

    python bot.py backup [DIR] [--keep N] [--json]   # {"path", "bytes", "kept"}
    python bot.py restore FILE                       # checks FILE, keeps the replaced db aside

    path, size, kept = make_backup(db_path, "/srv/backups", keep=14)
    aside = restore(backup_file, db_path)

The copy is made with SQLite's online backup API in one step: it reads one snapshot of the
database (WAL mode: writers carry on meanwhile), so every delivery committed before the
backup began is in it. The copy is then switched out of WAL mode (one self-contained file),
checked with `PRAGMA integrity_check`, written 0600 and renamed into place under a UTC time
name (`jianbao-20260130T021500Z.sqlite3`); only then are backups beyond the `keep` newest
removed. A copy that fails its check is deleted and the command fails.

With the services stopped on a full disk, SQLite cannot open the database at all (a WAL
database's first reader creates its `-shm` file beside it). Then, while no process uses the
database (store/presence.py), the file and its WAL, if any, are copied as bytes into the
backup's folder and opened there, where SQLite has room to replay the WAL: the same
consistent, checked, single-file backup, made on another disk before space is freed.
"""

import datetime
import os
import shutil
import sqlite3
import time

from store import presence
from store.db import DAMAGED_SCHEMA, read_only

PREFIX, SUFFIX = "jianbao-", ".sqlite3"
DEFAULT_KEEP = 14


class BackupError(Exception):
    """The backup or restore could not be made; the message says why."""


def backup_name(now=None):
    now = datetime.datetime.now(datetime.timezone.utc) if now is None else now
    return f"{PREFIX}{now:%Y%m%dT%H%M%SZ}{SUFFIX}"


def integrity(path):
    """'ok', or the first problems `PRAGMA integrity_check` reports for the file at `path`."""
    try:
        conn = read_only(path)
        try:
            rows = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return f"not a readable SQLite database ({error})"
    except UnicodeDecodeError:  # store.db.DAMAGED_SCHEMA
        return f"not a readable SQLite database ({DAMAGED_SCHEMA})"
    return "ok" if rows == ["ok"] else "; ".join(rows)


def make_backup(db_path, directory, keep=DEFAULT_KEEP):
    """Copy the database into `directory` -> (path, bytes, backups kept)."""
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    if not os.path.isfile(db_path):
        raise BackupError(f"no database at {db_path}")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    final = os.path.join(directory, backup_name())
    while os.path.exists(final):  # two backups within one second
        time.sleep(0.2)
        final = os.path.join(directory, backup_name())
    draft = final + ".partial"
    try:
        _copy(db_path, draft)
        verdict = integrity(draft)
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check: {verdict}")
        missing = _missing_tables(draft)
        if missing:  # a wrong BOT_DATABASE: its copies would replace the real backups
            raise BackupError(f"{db_path} is not a Jianbao database (no {', '.join(missing)} "
                              "table): check BOT_DATABASE; nothing backed up, no backup removed")
        os.replace(draft, final)
    finally:
        if os.path.exists(draft):
            os.unlink(draft)
    _fsync_dir(directory)
    kept = prune(directory, keep)
    return final, os.path.getsize(final), kept


def _copy(db_path, target):
    _create_private(target)
    source = read_only(db_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: one consistent snapshot, writers not blocked (WAL)
        copy.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        copy.commit()
    except sqlite3.OperationalError as error:
        copy.close()
        source.close()
        _copy_stopped(db_path, target, error)  # cannot be opened: a full disk, services stopped
    except sqlite3.Error as error:
        raise BackupError(f"could not copy the database: {error}") from None
    finally:
        copy.close()
        source.close()
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())


def _copy_stopped(db_path, target, error):
    """The database could not be opened (`error`): copy its bytes while no process uses it
    (the shared lock of store/presence.py), WAL included, and open the copy where there is
    room — it replays the WAL — as one self-contained file. Refused while anyone uses it: the
    bytes of a database being written are no backup."""
    try:
        with presence.sole_user(db_path):
            shutil.copyfile(db_path, target)
            wal = db_path + "-wal"
            if os.path.isfile(wal) and os.path.getsize(wal):
                _create_private(target + "-wal")
                shutil.copyfile(wal, target + "-wal")
        copy = sqlite3.connect(target)
        try:
            copy.execute("PRAGMA journal_mode = DELETE")  # the WAL replayed into the file
        finally:
            copy.close()
    except presence.InUse as busy:
        raise BackupError(f"could not copy the database: {error}; {busy}: stop the web app "
                          "and the worker first") from None
    except (OSError, sqlite3.Error) as failed:
        raise BackupError(f"could not copy the database: {error} ({failed})") from None
    finally:
        for suffix in ("-wal", "-shm"):
            if os.path.exists(target + suffix):
                os.unlink(target + suffix)


def _create_private(path):
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


def backups(directory):
    """Backup files in `directory`, oldest first (their names sort by time)."""
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):  # none made yet; a file is no backup folder
        return []
    return [os.path.join(directory, name) for name in sorted(names)
            if name.startswith(PREFIX) and name.endswith(SUFFIX)]


def prune(directory, keep):
    """Delete all but the `keep` newest backups; returns how many are kept."""
    found = backups(directory)
    for path in found[:-keep]:
        os.unlink(path)
    return min(len(found), keep)


def check_backup(path):
    """Raise BackupError unless `path` is a sound Jianbao database."""
    if not os.path.isfile(path):
        raise BackupError(f"no file at {path}")
    with open(path, "rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path} is not a SQLite database")
    verdict = integrity(path)
    if verdict != "ok":
        raise BackupError(f"{path} failed its integrity check: {verdict}")
    missing = _missing_tables(path)
    if missing:
        raise BackupError(f"{path} is not a Jianbao database (no {', '.join(missing)} table)")


def _missing_tables(path):
    """Jianbao's own tables the SQLite file at `path` lacks, sorted ([] for a Jianbao one)."""
    conn = read_only(path)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    return sorted({"issues", "items", "cadres", "deliveries"} - tables)


def restore(backup_path, db_path):
    """Put `backup_path` in place of the database -> where the replaced one was kept (or None).

    Refuses (presence.InUse) while a server, worker or command has the database open."""
    check_backup(backup_path)
    if os.path.abspath(backup_path) == os.path.abspath(db_path):
        raise BackupError("that file is the database itself")
    folder = os.path.dirname(os.path.abspath(db_path))
    os.makedirs(folder, mode=0o700, exist_ok=True)  # a new server's data folder
    with presence.sole_user(db_path):
        aside = None
        if os.path.exists(db_path):
            _checkpoint(db_path)
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            aside = f"{db_path}.replaced-{stamp}"
            os.replace(db_path, aside)
            for extra in ("-wal", "-shm"):
                if os.path.exists(db_path + extra):
                    os.replace(db_path + extra, aside + extra)
        draft = db_path + ".restoring"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as target, open(backup_path, "rb") as source:
            shutil.copyfileobj(source, target, 1024 * 1024)
            target.flush()
            os.fsync(target.fileno())
        os.replace(draft, db_path)
        _fsync_dir(os.path.dirname(os.path.abspath(db_path)))
    return aside


def owner_of(db_path):
    """(uid, gid) the database's files belong to: the database's own, else its folder's (the
    nearest that exists) -> for `hand_over` after a restore run as root."""
    path = os.path.abspath(db_path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    found = os.stat(path)
    return found.st_uid, found.st_gid


def hand_over(db_path, owner):
    """Run as root, give the database's files (the file, -wal, -shm, the locks beside it) to
    `owner` (from `owner_of` before the restore): a restore by root left a file only root could
    open, and the service then stopped with "unable to open database file". Returns the
    files changed; does nothing for any other user (their files are theirs already)."""
    if os.geteuid() != 0 or owner[0] == 0:
        return []
    changed = []
    for suffix in ("", "-wal", "-shm", ".in-use", ".migrate-lock"):
        if os.path.exists(db_path + suffix):
            os.chown(db_path + suffix, *owner)
            changed.append(db_path + suffix)
    return changed


def _checkpoint(db_path):
    """Fold the WAL into the file before it is moved aside (best effort: it may be damaged)."""
    try:
        conn = sqlite3.connect(db_path, timeout=5)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error:
        pass


def _fsync_dir(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

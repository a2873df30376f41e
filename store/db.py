"""The SQLite database: one file, WAL mode, a busy timeout, migrations applied in order.

WAL with `synchronous = NORMAL` (a commit is durable once the OS has it; a power cut may lose
the last commits, never corrupt the file) and checkpoints every CHECKPOINT_PAGES.

    db = open_db("instance/jianbao.sqlite3")   # a migrated sqlite_utils.Database
    db = get_db()                              # inside a Flask app context: this request's one
    with borrowed(app) as db: ...              # the same pool, no app context (/wechat)

Every package keeps its tables in a `schema` module holding a `sqlite_utils.Migrations`
set, and its `init_app` registers it (`add_schema(app, migrations)`): the database is
migrated then, and every later `open_db` applies what is registered. All SQL lives in
storage modules
(`subscriptions/`, `push/`), never in views or handlers.
"""

import contextlib
import fcntl
import os
import queue
import sqlite3
import urllib.parse

from flask import current_app, g
from sqlite_utils import Database

from store import schema as store_schema
from store.search_index import register_functions

BUSY_TIMEOUT_MS = 5000
# SQLite names the schema entry it cannot read in its error message; when damage left bytes
# there that are not UTF-8, Python's sqlite3 raises UnicodeDecodeError instead of the
# DatabaseError: callers catch it and say this (a damaged file, not a traceback).
DAMAGED_SCHEMA = "malformed database schema (not UTF-8)"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # every stored time: UTC, ISO 8601, to the second


def at(modifier):
    """`at("'-1 day'")` -> the SQL for "now, shifted by that SQLite modifier", as stored."""
    return f"strftime('{TIME_FORMAT}', 'now', {modifier})"


NOW = f"strftime('{TIME_FORMAT}', 'now')"  # the SQL for "now" in stored time format
EXPIRED = at("'-1 second'")  # a moment ago: what an expiry is set to, to end it at once
POOL_SIZE = 16  # idle connections an app keeps for reuse
# A commit that takes the WAL past this many pages copies them into the database file and
# fsyncs it (a checkpoint) before its request answers. SQLite's default, 1,000 pages, meant
# a checkpoint every ~140 chat messages (each stores ~7 pages) and 15 % fewer messages
# answered per second under load; at 4,000 the hot pages are copied once for four times as
# many messages. Larger still, each checkpoint stalls its request longer (bench/load.py).
CHECKPOINT_PAGES = 4000  # ~16 MB of WAL
WAL_SIZE_LIMIT = 64 * 1024 * 1024  # a WAL grown past this (a long reader) shrinks back on reset
# Reads through a memory map rather than read() into each connection's own page cache: a
# search's FTS5 walk and its 100 item rows cost ~40 % less (bench/load.py), and a commit by
# another worker, which empties this connection's page cache, no longer means copying every
# hot page in again. Address space, not memory: the OS page cache is shared by all workers.
MMAP_BYTES = 1024 ** 3
# Registered Migrations sets, in the order the components registered them; the store's own
# tables come first and need no app (benches and scripts open a bare store).
SCHEMAS = [store_schema.migrations]


def read_only(path, timeout=5.0):
    """`read_only("/var/lib/jianbao/jianbao.sqlite3")` -> a sqlite3 connection that cannot write
    (integrity checks, backups). The path is quoted into the URI: unquoted, a `#` or `?` in a
    folder's name ended the file name there (a "backup" of an empty file beside it), and a
    `%41` was read as an escape (a sound database called damaged)."""
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=timeout)


def open_db(path, migrate=True):
    """Open (and create) the database at `path`, ready for use from one thread."""
    if str(path) != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        _create_private(path)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = Database(conn)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    register_functions(conn)  # the search index's triggers call these
    try:
        with _migration_lock(path) if migrate else contextlib.nullcontext():
            if str(path) != ":memory:":
                db.enable_wal()
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
                conn.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
                conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
            if migrate:
                migrate_db(db)
    except UnicodeDecodeError:
        conn.close()
        raise sqlite3.DatabaseError(DAMAGED_SCHEMA) from None
    return db


def _create_private(path):
    """A new database file is readable by its owner only (0600); SQLite gives its -wal and
    -shm files the same mode. It holds the roster, tokens and every delivery."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except (FileExistsError, IsADirectoryError):
        pass


@contextlib.contextmanager
def _migration_lock(path):
    """One process at a time sets WAL and migrates (gunicorn workers start together)."""
    if str(path) == ":memory:":
        yield
        return
    with open(os.path.abspath(path) + ".migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def migrate_db(db):
    """Apply every pending migration, set by set, in the order they were registered."""
    for migrations in SCHEMAS:
        migrations.apply(db)


def add_schema(app, migrations):
    """A component's `init_app` registers its tables: migrated now, and by every open_db."""
    if all(known is not migrations for known in SCHEMAS):
        SCHEMAS.append(migrations)
    open_db(app.config["DATABASE_PATH"]).conn.close()


def database_path(app):
    return app.config.get("BOT_DATABASE") or os.path.join(app.instance_path, "jianbao.sqlite3")


def get_db():
    """This app context's database connection, lent from the app's pool until teardown.

    Connections are reused across requests: opening one per request costs a connect, the
    PRAGMAs and, when the last one closes, a WAL checkpoint (~20 ms a request under load).
    """
    if "db" not in g:
        g.db = _lend(current_app)
    return g.db


def close_db(exception=None):
    """Give this context's connection back to the pool (rolled back if left mid-transaction)."""
    db = g.pop("db", None)
    if db is not None:
        _give_back(current_app, db)


@contextlib.contextmanager
def borrowed(app):
    """`with borrowed(app) as db:` a connection from `app`'s pool for the block, without an
    app context: /wechat answers every chat message in front of Flask, and pushing an app
    context to reach get_db cost 25 µs of a message (handlers/callback.py)."""
    db = _lend(app)
    try:
        yield db
    finally:
        _give_back(app, db)


def _lend(app):
    try:
        return app.extensions["db_pool"].get_nowait()
    except queue.Empty:
        return open_db(app.config["DATABASE_PATH"], migrate=False)


def _give_back(app, db):
    try:
        if db.conn.in_transaction:
            db.conn.rollback()
        app.extensions["db_pool"].put_nowait(db)
    except (sqlite3.Error, queue.Full):
        db.conn.close()


def init_app(app):
    """Resolve the database path, migrate the store's tables, pool connections for requests."""
    app.config["DATABASE_PATH"] = database_path(app)
    add_schema(app, store_schema.migrations)
    app.extensions["db_pool"] = queue.LifoQueue(maxsize=POOL_SIZE)
    app.teardown_appcontext(close_db)

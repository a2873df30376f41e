"""The SQLite database: one file, WAL mode, a busy timeout, migrations applied in order.

WAL with `synchronous = NORMAL` (a commit is durable once the OS has it; a power cut may lose
the last commits, never corrupt the file) and checkpoints every CHECKPOINT_PAGES.

    db = open_db("instance/jianbao.sqlite3")   # a migrated sqlite_utils.Database
    db = get_db()                              # inside a Flask app context: this request's one

Every package keeps its tables in a `schema` module holding a `sqlite_utils.Migrations`
set; `SCHEMAS` lists them in the order they apply. All SQL lives in storage modules
(`subscriptions/`, `push/`), never in views or handlers.
"""

import contextlib
import fcntl
import importlib
import os
import queue
import sqlite3

import click
from flask import current_app, g
from sqlite_utils import Database

BUSY_TIMEOUT_MS = 5000
POOL_SIZE = 16  # idle connections an app keeps for reuse
# A commit that takes the WAL past this many pages copies them into the database file and
# fsyncs it (a checkpoint) before its request answers. SQLite's default, 1,000 pages, meant
# a checkpoint every ~140 chat messages (each stores ~7 pages) and 15 % fewer messages
# answered per second under load; at 4,000 the hot pages are copied once for four times as
# many messages. Larger still, each checkpoint stalls its request longer (bench/load.py).
CHECKPOINT_PAGES = 4000  # ~16 MB of WAL
WAL_SIZE_LIMIT = 64 * 1024 * 1024  # a WAL grown past this (a long reader) shrinks back on reset
SCHEMAS = ("subscriptions.schema", "push.schema", "push.channels.schema", "web.schema", "ops.schema")


def open_db(path, migrate=True):
    """Open (and create) the database at `path`, ready for use from one thread."""
    if str(path) != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        _create_private(path)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = Database(conn)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    with _migration_lock(path) if migrate else contextlib.nullcontext():
        if str(path) != ":memory:":
            db.enable_wal()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
            conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        if migrate:
            migrate_db(db)
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
    """Apply every pending migration, package by package, in `SCHEMAS` order."""
    for name in SCHEMAS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:
                continue  # that package keeps no tables (yet)
            raise
        module.migrations.apply(db)


def database_path(app):
    return app.config.get("BOT_DATABASE") or os.path.join(app.instance_path, "jianbao.sqlite3")


def get_db():
    """This app context's database connection, lent from the app's pool until teardown.

    Connections are reused across requests: opening one per request costs a connect, the
    PRAGMAs and, when the last one closes, a WAL checkpoint (~20 ms a request under load).
    """
    if "db" not in g:
        pool = current_app.extensions["db_pool"]
        try:
            g.db = pool.get_nowait()
        except queue.Empty:
            g.db = open_db(current_app.config["DATABASE_PATH"], migrate=False)
    return g.db


def close_db(exception=None):
    """Give this context's connection back to the pool (rolled back if left mid-transaction)."""
    db = g.pop("db", None)
    if db is None:
        return
    try:
        if db.conn.in_transaction:
            db.conn.rollback()
        current_app.extensions["db_pool"].put_nowait(db)
    except (sqlite3.Error, queue.Full):
        db.conn.close()


@click.command("init-db")
def init_db_command():
    """Create the database and apply pending migrations (safe to run again)."""
    path = current_app.config["DATABASE_PATH"]
    open_db(path).conn.close()
    click.echo(f"Database ready: {path}")


def init_app(app):
    """Resolve the database path, migrate once at start-up, pool connections for requests."""
    app.config["DATABASE_PATH"] = database_path(app)
    open_db(app.config["DATABASE_PATH"]).conn.close()
    app.extensions["db_pool"] = queue.LifoQueue(maxsize=POOL_SIZE)
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)

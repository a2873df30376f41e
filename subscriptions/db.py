"""The SQLite database: one file, WAL mode, a busy timeout, migrations applied in order.

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
import sqlite3

import click
from flask import current_app, g
from sqlite_utils import Database

BUSY_TIMEOUT_MS = 5000
SCHEMAS = ("subscriptions.schema", "push.schema", "push.channels.schema", "web.schema")


def open_db(path, migrate=True):
    """Open (and create) the database at `path`, ready for use from one thread."""
    if str(path) != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = Database(conn)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    with _migration_lock(path) if migrate else contextlib.nullcontext():
        if str(path) != ":memory:":
            db.enable_wal()
            conn.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            migrate_db(db)
    return db


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
    """This app context's database connection (opened on first use, closed on teardown)."""
    if "db" not in g:
        g.db = open_db(current_app.config["DATABASE_PATH"], migrate=False)
    return g.db


def close_db(exception=None):
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


@click.command("init-db")
def init_db_command():
    """Create the database and apply pending migrations (safe to run again)."""
    path = current_app.config["DATABASE_PATH"]
    open_db(path).conn.close()
    click.echo(f"Database ready: {path}")


def init_app(app):
    """Resolve the database path, migrate once at start-up, close connections on teardown."""
    app.config["DATABASE_PATH"] = database_path(app)
    open_db(app.config["DATABASE_PATH"]).conn.close()
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)

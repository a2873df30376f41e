"""Upkeep commands: `backup`, `restore`, `stats` (and `check`, in commands/preflight.py).

    python bot.py backup /srv/jianbao/backups --keep 14 --json
    python bot.py restore /srv/jianbao/backups/jianbao-20260130T021500Z.sqlite3
    python bot.py stats

Errors are one line on stderr with exit status 2.
"""

import json
import os
import sqlite3

import click
from flask import current_app
from flask.cli import with_appcontext

import config as settings
from commands.errors import Fail
from store import backup as backups, presence


def backup_dir(configured, instance_path):
    """BOT_BACKUP_DIR, else the instance folder's `backups` (backup and stats alike)."""
    return configured or os.path.join(instance_path, "backups")


@click.command("backup")
@click.argument("directory", required=False)
@click.option("--keep", default=backups.DEFAULT_KEEP, show_default=True, type=int,
              help="How many of the newest backups to keep in DIR.")
@click.option("--json", "as_json", is_flag=True, help='Print {"path", "bytes", "kept"}.')
def backup_command(directory, keep, as_json):
    """Copy the database into DIR (default BOT_BACKUP_DIR) while the app runs, check it,
    keep the N newest. Works without the app: with the services stopped on a full disk,
    when nothing can open the database, it still copies it to DIR on another disk."""
    values = _env_settings()
    db_path = _database(values)
    directory = directory or backup_dir(values["BOT_BACKUP_DIR"], settings.instance_path(None))
    try:
        presence.hold(db_path)  # a restore waits until this copy is made
    except OSError:
        pass  # no lock file and no room for one: nothing can be running either
    try:
        path, size, kept = backups.make_backup(db_path, directory, keep=keep)
    except (backups.BackupError, OSError) as error:
        raise Fail(str(error))
    finally:
        presence.release(db_path)
    if as_json:
        click.echo(json.dumps({"path": path, "bytes": size, "kept": kept}))
    else:
        click.echo(f"Backup: {path} ({size:,} bytes, integrity ok; {kept} kept in {directory})")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
def restore_command(file):
    """Replace the database with FILE (a backup). Stop the web app and the worker first; the
    replaced database is kept beside it."""
    db_path = database_from_env()
    owner = backups.owner_of(db_path)
    try:
        aside = backups.restore(file, db_path)
    except presence.InUse as error:
        raise Fail(f"{error}: stop the web app and the worker first")
    except (backups.BackupError, OSError) as error:
        raise Fail(str(error))
    waiting = _log_restore(db_path, file, aside)
    backups.hand_over(db_path, owner)
    click.echo(f"Restored {file} into {db_path}.")
    if aside:
        click.echo(f"The replaced database is kept at {aside}.")
    click.echo("Start the web app and the worker again (systemctl start jianbao-web"
               " jianbao-worker).")
    click.echo("Pushes: withdrawals, corrections, pushes and reminders made after the backup"
               " are gone from the database (what reached phones stays there).")
    click.echo(_waiting_text(waiting))


def _waiting_text(waiting):
    """What the restored database will send when a worker starts (push.status.waiting)."""
    if waiting is None:
        return ("Messages the backup holds as queued go out when a worker starts, also those"
                " sent after the backup; `python bot.py status ID` follows them.")
    if waiting["messages"]:
        issues = ", ".join(map(str, waiting["issues"]))
        line = (f"{waiting['messages']} message{'s' if waiting['messages'] != 1 else ''}"
                f" queued in the backup (issue"
                f"{'s' if len(waiting['issues']) > 1 else ''} {issues})"
                f" go{'es' if waiting['messages'] == 1 else ''} out when a worker"
                " starts, also those sent after the backup (WeCom drops a repeat within 4 hours;"
                " other channels deliver it again); `python bot.py status ID` follows them.")
    else:
        line = "No message was queued in the backup: none goes out again when a worker starts."
    if waiting["paused"]:
        line += f" {waiting['paused']} more wait in paused pushes until resumed."
    if waiting["schedules"]:
        n = waiting["schedules"]
        line += (f" {n} scheduled push or reminder{' is' if n == 1 else 's are'} pending (those"
                 " past their time fire at once).")
    return line


def _log_restore(db_path, file, aside):
    """The restored database's audit log says it was restored, from what, and where the
    replaced one went (the log itself came back with the backup). The restored database is
    migrated first, as any start would: a backup older than the audit log has none to write
    to (that ended in a traceback, the restore done but never reported)."""
    from push import status
    from store import audit
    from store.db import open_db

    db = open_db(db_path)
    try:
        audit.record(db, "cli", "cli", "restore", None,
                     {"file": os.path.basename(file), "aside": aside and os.path.basename(aside)})
        try:
            return status.waiting(db)
        except sqlite3.Error:  # a backup older than the push's tables (migrated at start)
            return None
    finally:
        db.conn.close()


@click.command("stats")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"files": {name: bytes}, "tables": [{"name", "rows", "bytes"}], '
                   '"pages": {"size", "count", "free"}, "search_index": {"segments"}}.')
@with_appcontext
def stats_command(as_json):
    """Sizes: the database and its WAL, the backups, each table's rows and bytes, and how
    many segments the search index is read from (the worker merges them into one)."""
    from store import search_index, upkeep
    from store.db import get_db

    path = current_app.config["DATABASE_PATH"]
    directory = backup_dir(current_app.config.get("BOT_BACKUP_DIR"), current_app.instance_path)
    files = {"database": _size(path), "wal": _size(path + "-wal"),
             "backups": sum(_size(p) for p in backups.backups(directory))}
    db = get_db()
    space = upkeep.space_by_table(db)
    tables = [{"name": name, "rows": rows, "bytes": space.get(name)}
              for name, rows in upkeep.table_sizes(db)]
    size, count, free = upkeep.page_figures(db)
    segments = search_index.segments(db)
    if as_json:
        click.echo(json.dumps({"files": files, "tables": tables,
                               "pages": {"size": size, "count": count, "free": free},
                               "search_index": {"segments": segments}}))
        return
    click.echo(f"Database {path}: {files['database']:,} bytes (WAL {files['wal']:,}); "
               f"{count:,} pages of {size:,} bytes, {free:,} free")
    click.echo(f"Backups in {directory}: {len(backups.backups(directory))}, "
               f"{files['backups']:,} bytes")
    click.echo(f"{'table':<24}{'rows':>12}{'bytes':>14}")
    for table in tables:
        shown = "" if table["bytes"] is None else f"{table['bytes']:,}"
        click.echo(f"{table['name']:<24}{table['rows']:>12,}{shown:>14}")
    merged = "merged" if segments <= 1 else "the worker merges them into one"
    click.echo(f"Search index: {segments} segment{'s' if segments != 1 else ''} ({merged})")


def database_from_env():
    """The database path from BOT_DATABASE / BOT_INSTANCE_PATH, without building the app.

    `restore` and `backup` must work when the app cannot start — the database is damaged,
    which is when a restore is wanted, or its disk is full, when a backup is — so they are
    commands of bot.py's group, not of the app's."""
    return _database(_env_settings())


def _env_settings():
    try:
        return settings.from_env()
    except settings.ConfigError as error:
        raise Fail(str(error))


def _database(values):
    return values["BOT_DATABASE"] or os.path.join(settings.instance_path(None), "jianbao.sqlite3")


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


COMMANDS = (stats_command,)  # backup, restore: bot.py's own group (no app needed)

"""The audit log from the command line, and how every data-changing command writes to it.

    python bot.py audit                          # newest first, one line each, BOT_TIMEZONE times
    python bot.py audit --since 2026-11-01 --until 2026-11-30 --json
        # [{"at", "who", "where", "action", "target", "details", "local_time"}]

Days and times given and shown are BOT_TIMEZONE's, as on the console's audit page (a day
is the whole local day; `--until` a day includes it); a time ending in `Z` is UTC. The JSON
keeps `at` as stored (UTC ISO, `2026-11-28T17:39:03Z`) and adds `local_time`
(`2026-11-29 01:39:03`), like the console's CSV export.

    note("push", "issue:7", queued=12)           # in a command: one row, who = the CLI's actor

Commands act as `cli` (the server's operator) from `where` `cli`; with BOT_CLI_USER=NAME they
act as that console account.
"""

import json
import re
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from commands.errors import Fail
from config import setting
from store import audit, local_time
from store.db import TIME_FORMAT, get_db

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?Z?")


def actor():
    """Who the CLI acts as: the BOT_CLI_USER account, else `cli`."""
    return current_app.config.get("BOT_CLI_USER") or "cli"


def note(action, target=None, **details):
    """Append one audit row for a command that changed data."""
    audit.record(get_db(), actor(), "cli", action, target, details)


@click.command("audit")
@click.option("--since", metavar="DAY|TIME",
              help="Only from this day (YYYY-MM-DD) or time (YYYY-MM-DD HH:MM) on, in"
                   " BOT_TIMEZONE as the console reads them (a time ending in Z: UTC).")
@click.option("--until", metavar="DAY|TIME",
              help="Only up to this day (YYYY-MM-DD, inclusive) or time (exclusive), in"
                   " BOT_TIMEZONE (a time ending in Z: UTC).")
@click.option("--action", help="Only this action (publish, push, approve, login_failed, …).")
@click.option("--json", "as_json", is_flag=True,
              help='Print [{"at", "who", "where", "action", "target", "details", "local_time"}]'
                   ' (`at` stored UTC, `local_time` in BOT_TIMEZONE).')
@with_appcontext
def audit_command(since, until, action, as_json):
    """Show the audit log: who did what, from where, newest first; times in BOT_TIMEZONE."""
    config = current_app.config
    if action and action not in audit.ACTIONS:
        raise Fail(f"--action {action!r} is not an action: one of {', '.join(audit.ACTIONS)}")
    rows = audit.entries(get_db(), since=_bound(config, "--since", since, 0),
                         until=_bound(config, "--until", until, 1), action=action)
    for row in rows:
        row["local_time"] = local_time.shown(config, row["at"], seconds=True)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("No audit rows match" + (" (--since/--until/--action)" if since or until
                                             or action else "") + ".", err=True)
    for row in rows:
        details = json.dumps(row["details"], ensure_ascii=False) if row["details"] else ""
        click.echo(f"{row['local_time']}  {row['who']:<10} {row['where']:<15} {row['action']:<14} "
                   f"{row['target'] or '-'}  {details}".rstrip())


def _bound(config, option, text, end):
    """`--since`/`--until` as a stored (UTC) time: a BOT_TIMEZONE day starts (`end` 0) or the
    next day starts (`end` 1: the day is included); a local time as it is; `…Z` is UTC."""
    if not text:
        return None
    text = text.strip()
    try:
        if DAY.fullmatch(text):
            return local_time.day_bounds(config, text)[end]
        if TIME.fullmatch(text):
            if text.endswith("Z"):  # UTC, as stored
                return datetime.fromisoformat(text[:-1].replace(" ", "T")).strftime(TIME_FORMAT)
            return local_time.stored(config, text)
    except (ValueError, OverflowError):
        pass
    raise Fail(f"{option} {text!r}: give a day as YYYY-MM-DD or a time as \"YYYY-MM-DD HH:MM\""
               f" ({setting(config, 'BOT_TIMEZONE')})")


COMMANDS = (audit_command,)
COMMANDS = (audit_command,)

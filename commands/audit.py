"""The audit log from the command line, and how every data-changing command writes to it.

    python bot.py audit                          # newest first, one line each
    python bot.py audit --since 2026-11-01 --json   # [{"at", "who", "where", "action", "target", "details"}]

    note("push", "issue:7", queued=12)           # in a command: one row, who = the CLI's actor

Commands act as `cli` (the server's operator) from `where` `cli`; with BOT_CLI_USER=NAME they
act as that console account.
"""

import json
import re

import click
from flask import current_app
from flask.cli import with_appcontext

from commands.errors import Fail
from store import audit
from store.db import get_db


def actor():
    """Who the CLI acts as: the BOT_CLI_USER account, else `cli`."""
    return current_app.config.get("BOT_CLI_USER") or "cli"


def note(action, target=None, **details):
    """Append one audit row for a command that changed data."""
    audit.record(get_db(), actor(), "cli", action, target, details)


@click.command("audit")
@click.option("--since", help="Only from this date (YYYY-MM-DD, UTC) or time on.")
@click.option("--action", help="Only this action (publish, push, approve, login_failed, …).")
@click.option("--json", "as_json", is_flag=True,
              help='Print [{"at", "who", "where", "action", "target", "details"}].')
@with_appcontext
def audit_command(since, action, as_json):
    """Show the audit log: who did what, from where, newest first."""
    if since and not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?Z?)?", since):
        raise Fail(f"--since {since!r}: give a date as YYYY-MM-DD")
    rows = audit.entries(get_db(), since=since and since.replace(" ", "T"), action=action)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        details = json.dumps(row["details"], ensure_ascii=False) if row["details"] else ""
        click.echo(f"{row['at']}  {row['who']:<10} {row['where']:<15} {row['action']:<14} "
                   f"{row['target'] or '-'}  {details}".rstrip())


COMMANDS = (audit_command,)

"""`python bot.py roster sync`: the roster and departments from the WeCom address book.

    python bot.py roster sync                # 600 added, 0 updated, 0 removed (31 departments)
    python bot.py roster sync --dry-run      # the same counts and who; nothing changes
    python bot.py roster sync --json         # {"added": 600, "updated": 0, "removed": 0, "departments": 31}

Only on BOT_CHANNEL=work. A failure (wrong secret, no address-book permission, untrusted IP,
network) is one line on stderr, exit status 2, and the database is unchanged. The rules are
in store/addressbook.py and docs/storage.md.
"""

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from channels.addressbook import AddressBookError, sync_roster
from commands.audit import note
from commands.errors import Fail
from commands.review import require
from store.db import get_db

SHOWN = 50  # cadres a --dry-run lists by name
WORDS = {"added": "add", "updated": "update", "removed": "remove"}


@click.command("sync")
@click.option("--dry-run", is_flag=True,
              help="Show what would change (counts, and who unless --json); change nothing.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"added", "updated", "removed", "departments"}.')
@with_appcontext
def roster_sync_command(dry_run, as_json):
    """Bring the roster and departments in line with the WeCom address book (work only)."""
    if not dry_run:
        require("admin", "sync the roster")
    changes = [] if dry_run and not as_json else None
    try:
        counts = sync_roster(current_app.config, get_db(), dry_run=dry_run, changes=changes)
    except AddressBookError as error:
        raise Fail.from_error(error)
    if not dry_run:
        note("roster_sync", None, **counts)
    if as_json:
        click.echo(json.dumps(counts))
        return
    for outcome, name, userid in (changes or [])[:SHOWN]:
        click.echo(f"would {WORDS[outcome]}\t{name}\t{userid}")
    if changes and len(changes) > SHOWN:
        click.echo(f"… and {len(changes) - SHOWN} more")
    would = "would be " if dry_run else ""
    click.echo(f"{counts['added']} {would}added, {counts['updated']} {would}updated, "
               f"{counts['removed']} {would}removed ({counts['departments']} departments in "
               f"the address book)" + ("; nothing changed (--dry-run)" if dry_run else ""))

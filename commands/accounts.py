"""Console accounts from the command line.

    python bot.py user add li --role approver            # prompts twice for the password
    python bot.py user add li --role editor --password-file pw.txt   # scripts: first line
    python bot.py user list [--json]                     # [{"name", "role", "disabled"}]
    python bot.py user disable li                        # its sessions end at once
    python bot.py user password li [--password-file F]   # likewise

Each change is in the audit log (who: `cli`, or BOT_CLI_USER). The name `admin` is the
bootstrap account of BOT_ADMIN_PASSWORD and cannot be added.
"""

import json

import click
from flask.cli import with_appcontext

from commands.audit import note
from commands.errors import Fail
from commands.review import require
from store import accounts
from store.db import get_db
from werkzeug.security import generate_password_hash as password_hash


def _read_password(password_file):
    if password_file:
        try:
            with open(password_file, encoding="utf-8") as f:
                password = f.readline().rstrip("\r\n")
        except OSError as error:
            raise Fail.from_error(error)
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                err=True)
    if len(password) < accounts.PASSWORD_MIN:
        raise Fail(f"the password must have at least {accounts.PASSWORD_MIN} characters")
    return password


@click.group("user")
def user_group():
    """Console accounts: add, list, disable, password."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(accounts.ROLES))
@click.option("--password-file", type=click.Path(), help="Read the password from this file's first line.")
@with_appcontext
def user_add_command(name, role, password_file):
    """Add a console account with a role (editor, approver, admin)."""
    require("admin", "manage accounts")
    try:
        accounts.check_name(name)
    except ValueError as error:
        raise Fail.from_error(error)
    password = _read_password(password_file)
    try:
        accounts.add(get_db(), name, role, password_hash(password))
    except ValueError as error:
        raise Fail.from_error(error)
    note("account_add", f"account:{name}", role=role)
    click.echo(f"account {name} added ({role})")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help='Print [{"name", "role", "disabled"}].')
@with_appcontext
def user_list_command(as_json):
    """List the console accounts."""
    rows = accounts.list_accounts(get_db())
    if as_json:
        click.echo(json.dumps([{k: r[k] for k in ("name", "role", "disabled")} for r in rows]))
        return
    if not rows:
        click.echo("No console accounts yet: the bootstrap admin signs in with BOT_ADMIN_PASSWORD;"
                   " add named ones with `user add NAME --role admin|approver|editor`.", err=True)
    for row in rows:
        click.echo(f"{row['name']:<20} {row['role']:<9} {'disabled' if row['disabled'] else 'active'}")


@user_group.command("disable")
@click.argument("name")
@with_appcontext
def user_disable_command(name):
    """Disable an account; its console sessions end at once."""
    require("admin", "manage accounts")
    try:
        accounts.set_disabled(get_db(), name)
    except LookupError as error:
        raise Fail.from_error(error)
    note("account_disable", f"account:{name}")
    click.echo(f"account {name} disabled")


@user_group.command("password")
@click.argument("name")
@click.option("--password-file", type=click.Path(), help="Read the password from this file's first line.")
@with_appcontext
def user_password_command(name, password_file):
    """Set an account's password; its console sessions end at once."""
    require("admin", "manage accounts")
    if accounts.get(get_db(), name) is None:
        raise Fail(f"no account {name}")
    password = _read_password(password_file)
    accounts.set_password(get_db(), name, password_hash(password))
    note("account_password", f"account:{name}")
    click.echo(f"password of {name} changed")


COMMANDS = (user_group,)

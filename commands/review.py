"""Approval from the command line, and the rules every CLI command acts under.

    python bot.py approve 7                  # approver or admin (BOT_CLI_USER), or the operator
    python bot.py approve 7 --version 1a2b3c4d5e6f7a8b   # only if it is still what you read

`approve` approves the issue as it is when the command runs, and prints that content version
and the items it approved. `--version` (shown on the console's issue page as 内容版本) refuses
when anyone changed the issue since that version was shown (exit 2).

Without BOT_CLI_USER the CLI is the server's operator (`cli`): it may do everything, pushing
unapproved issues included, as existing scripts do. With BOT_CLI_USER=NAME it acts as that
console account: an active account, its role and the approval rules (an editor's `push` is
refused in one line, exit 2; an approver pushes approved issues only; four-eyes applies).
"""

import click
from flask import current_app
from flask.cli import with_appcontext

from commands.audit import actor, note
from commands.errors import Fail
from store import accounts, issue_identity, review
from store.db import get_db
from store.issues import issue_items


def account():
    """The BOT_CLI_USER account {"name", "role"}, or None for the operator; Fail if unusable."""
    name = current_app.config.get("BOT_CLI_USER")
    if not name:
        return None
    row = accounts.get(get_db(), name)
    if row is None or row["disabled"]:
        raise Fail(f"BOT_CLI_USER={name}: no such active console account (python bot.py user "
                   f"list): add it (`BOT_CLI_USER= python bot.py user add {name} --role "
                   "approver`), enable it on the console, or unset BOT_CLI_USER")
    return {"name": name, "role": row["role"]}


def require(role, action):
    """Fail unless the CLI's account (if any) has `role` or above."""
    acting = account()
    if acting and not accounts.at_least(acting["role"], role):
        raise Fail(f"BOT_CLI_USER {acting['name']} is {acting['role']}: to {action} needs the "
                   f"{role} role or above")


def require_push(issue_id, action="push"):
    """Fail unless the CLI may push this issue now (see the module docstring). An upload held
    as another version of a stored issue is pushed or scheduled by nobody, the operator
    included, until the console's issue page replaces the earlier items or keeps both."""
    require("approver", action)
    if action == "push" and (earlier := issue_identity.same_as(get_db(), issue_id)):
        raise Fail(f"not pushed: {held_message(earlier, issue_id)}")
    if account() and review.state(get_db(), issue_id) and not review.is_approved(get_db(), issue_id):
        raise Fail(f"issue {issue_id} is not approved yet: `python bot.py approve {issue_id}` "
                   "by another approver first")


def held_message(earlier, issue_id):
    """Why an upload held as another version (`same_as`) is not pushed, for one CLI line."""
    return (f"issue {earlier} has this number and date with other content: issue {issue_id}"
            " is another version of it, held from the push until the console's issue page"
            " replaces the earlier items or keeps both")


def uploaded(issue_id):
    review.changed(get_db(), issue_id, actor(), uploaded=True)


@click.command("approve")
@click.argument("issue_id", type=int)
@click.option("--version", "seen", metavar="VERSION",
              help="Approve only if the content is still this version (the console's 内容版本).")
@with_appcontext
def approve_command(issue_id, seen):
    """Approve a pending issue (已批准) so that it can be pushed."""
    require("approver", "approve")
    four_eyes = bool(account()) and current_app.config.get("BOT_FOUR_EYES", True)
    db = get_db()
    current = review.versions(db, issue_id)
    items = issue_items(db, issue_id)  # read with the version: what is printed is what is approved
    try:
        review.approve(db, issue_id, actor(), four_eyes=four_eyes,
                       seen=seen or (current and current["version"]))
    except LookupError:
        raise Fail(f"no issue {issue_id}")
    except review.ReviewStale:
        raise Fail(f"issue {issue_id} changed since version {seen or current['version']} (now "
                   f"{review.versions(db, issue_id)['version']}): nothing approved; "
                   "review it again")
    except review.ReviewRefused as error:
        raise Fail.from_error(error)
    note("approve", f"issue:{issue_id}", version=current["version"])
    click.echo(f"issue {issue_id} approved (version {current['version']})")
    for item in items:
        if not item.get("withdrawn_at"):
            click.echo(f"  {item['seq']:>3}. {item['title']}"
                       + (f"（{item['department']}）" if item.get("department") else ""))


COMMANDS = (approve_command,)

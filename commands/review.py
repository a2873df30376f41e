"""Approval from the command line, and the rules every CLI command acts under.

    python bot.py approve 7                  # approver or admin (BOT_CLI_USER), or the operator

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
from store import accounts, review
from store.db import get_db


def account():
    """The BOT_CLI_USER account {"name", "role"}, or None for the operator; Fail if unusable."""
    name = current_app.config.get("BOT_CLI_USER")
    if not name:
        return None
    row = accounts.get(get_db(), name)
    if row is None or row["disabled"]:
        raise Fail(f"BOT_CLI_USER={name}: no such active console account (python bot.py user list)")
    return {"name": name, "role": row["role"]}


def require(role, action):
    """Fail unless the CLI's account (if any) has `role` or above."""
    acting = account()
    if acting and not accounts.at_least(acting["role"], role):
        raise Fail(f"BOT_CLI_USER {acting['name']} is {acting['role']}: to {action} needs the "
                   f"{role} role or above")


def require_push(issue_id, action="push"):
    """Fail unless the CLI may push this issue now (see the module docstring)."""
    require("approver", action)
    if account() and review.state(get_db(), issue_id) and not review.is_approved(get_db(), issue_id):
        raise Fail(f"issue {issue_id} is not approved yet: `python bot.py approve {issue_id}` "
                   "by another approver first")


def uploaded(issue_id):
    review.changed(get_db(), issue_id, actor(), uploaded=True)


@click.command("approve")
@click.argument("issue_id", type=int)
@with_appcontext
def approve_command(issue_id):
    """Approve a pending issue (已批准) so that it can be pushed."""
    require("approver", "approve")
    four_eyes = bool(account()) and current_app.config.get("BOT_FOUR_EYES", True)
    try:
        review.approve(get_db(), issue_id, actor(), four_eyes=four_eyes)
    except LookupError:
        raise Fail(f"no issue {issue_id}")
    except review.ReviewRefused as error:
        raise Fail.from_error(error)
    note("approve", f"issue:{issue_id}")
    click.echo(f"issue {issue_id} approved")


COMMANDS = (approve_command,)

"""Follow-up after the push: `item correct ITEM_ID …` (更正), `item withdraw ITEM_ID …` (撤回),
`item recall ITEM_ID` (retry its recalls), `remind ID` (催办).

    python bot.py remind 3 [--dry-run] --json
        -> {"issue": 3, "reminded": 4, "already_read": 9, "skipped": 1}

    python bot.py item withdraw 7 --note "误发" --json
        -> {"item": 7, "change": 4, "recall": {"calls", "recalled", "too_old", "failed",
                                                "not_recallable", "retryable"}, "requeued": 0}
    python bot.py item recall 7 --json       # again: only the recalls that failed transiently
        -> {"item": 7, "recall": {…the same counts…}}

    python bot.py item correct 7 --title "新标题" --note "标题有误" --notify
    python bot.py item correct 7 --body-file fixed.txt --department 审计局 --note "…" --json
        -> {"item": 7, "change": 3, "notified": {"recipients": 12, "queued": 12} | null,
            "gained": {"recipients": 3, "queued": 3, "new_to_issue": 1} | null}
            # a new department: push.gained

Each change is kept (store.corrections: before, after, who = the CLI's actor — `cli`, or the
BOT_CLI_USER account — when, the note) and written to the audit log; the
item page shows the current text with `已更正（时间）：说明`. `--notify` queues one short
correction notice to each cadre the item reached, through the outbox (once per correction:
the same correction notified again queues nothing), then sends what is queued unless
`--no-wait` (a worker sends it). With BOT_CLI_USER the account's role applies as in the
console: correcting a pushed issue's item, withdrawing, recalling and reminding are an
approver's; correcting an item not yet pushed an editor's.
"""

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from commands.audit import actor, note as audit_note
from commands.errors import Fail
from commands.review import require
from push import item_actions, publish, worker


@click.group("item")
def item():
    """Correct (更正) or withdraw (撤回) an item after its issue was pushed."""


@item.command("correct")
@click.argument("item_id", type=int)
@click.option("--title", help="The corrected title.")
@click.option("--body-file", type=click.Path(dir_okay=False),
              help="A UTF-8 text file holding the corrected body.")
@click.option("--department", help="The corrected department (\"\" clears it).")
@click.option("--note", required=True, help="说明: why, shown on the item page and in the notice.")
@click.option("--notify", is_flag=True,
              help="Send everyone who received the item one short correction notice.")
@click.option("--no-wait", is_flag=True, help="Only queue the notices; a worker sends them.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"item", "change", "notified", "gained"} as JSON.')
@with_appcontext
def correct(item_id, title, body_file, department, note, notify, no_wait, as_json):
    """Correct ITEM_ID's title, body and/or department, with a note (说明)."""
    from store import review
    from store.db import get_db
    from store.issues import get_item

    body = _read_body(body_file) if body_file else None
    config = current_app.config
    db = get_db()
    before = get_item(db, item_id)
    if before is None:
        raise Fail(f"no item {item_id}")
    state = review.state(db, before["issue_id"])
    pushed = bool(state) and state["state"] == "pushed"
    require("approver" if pushed else "editor",
            "correct a pushed item" if pushed else "correct an item")
    try:
        result = item_actions.correct_item(db, item_id, config, config["DATABASE_PATH"], title=title,
                                      body=body, department=department, note=note, who=actor(),
                                      notify=notify)
    except item_actions.UnknownItem:
        raise Fail(f"no item {item_id}")
    except ValueError as error:
        raise Fail.from_error(error)
    review.changed(db, before["issue_id"], actor())  # approved, not pushed: back to 待审核
    after = {key: value for key, value in
             (("title", title), ("body", body), ("department", department)) if value is not None}
    audit_note("correct", f"item:{item_id}", issue=before["issue_id"], note=note, after=after,
               before={key: before.get(key) for key in after}, change=result["change"],
               notified=result["notified"], gained=result["gained"])
    queued = sum((result[key] or {}).get("queued", 0) for key in ("notified", "gained"))
    if queued and not no_wait:
        worker.run_until_idle(config["DATABASE_PATH"], config)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"Item {item_id} corrected (change {result['change']}).")
    issue_id = before["issue_id"]
    if result["notified"] is not None:
        click.echo(f"Correction notice: {result['notified']['queued']} queued for"
                   f" {result['notified']['recipients']} recipients of the item"
                   + _outcome(issue_id, f"correct:{result['change']}", queued, no_wait))
    if result["gained"] is not None:
        gained = result["gained"]
        click.echo(f"New department: the item sent to {gained['recipients']} followers"
                   f" ({gained['recipients'] - gained['new_to_issue']} who had the issue"
                   f" without it, {gained['new_to_issue']} it had not reached;"
                   f" {gained['queued']} queued)"
                   + _outcome(issue_id, f"item:{item_id}", queued, no_wait))
    if queued and no_wait:
        click.echo(f"A worker sends them (`python bot.py worker`, or the web app's own);"
                   f" `python bot.py status {issue_id}` follows them.")


def _outcome(issue_id, kind, queued, no_wait):
    """What became of the notices of `kind` once sent (as `push ID` ends with its counts):
    ` — 2 sent, 0 failed, 0 pending.`; just `.` when nothing was queued or with --no-wait."""
    from push import status
    from store.db import get_db

    counts = status.notices(get_db(), issue_id).get(kind)
    if not queued or no_wait or not counts:
        return "."
    return (f" — {counts['sent']} sent, {counts['failed']} failed, {counts['pending']}"
            " pending.")


RECALL_KEYS = '{"calls", "recalled", "too_old", "failed", "not_recallable", "retryable"}'


@item.command("withdraw")
@click.argument("item_id", type=int)
@click.option("--note", required=True, help="说明: why, shown on the item page.")
@click.option("--json", "as_json", is_flag=True,
              help=f'Print {{"item", "change", "recall": {RECALL_KEYS}, "requeued"}} as JSON.')
@with_appcontext
def withdraw(item_id, note, as_json):
    """Withdraw ITEM_ID: its page then shows 该条已撤回, search and 最新 drop it; on WeCom
    the messages that carried it are recalled (within 24 hours)."""
    from store.db import get_db
    from store.issues import get_item

    require("approver", "withdraw an item")
    config = current_app.config
    db = get_db()
    try:
        result = item_actions.withdraw_item(db, item_id, config, config["DATABASE_PATH"],
                                       note=note, who=actor())
    except item_actions.UnknownItem:
        raise Fail(f"no item {item_id}")
    except ValueError as error:
        if (get_item(db, item_id) or {}).get("withdrawn_at"):
            raise Fail(f"{error} (item {item_id} is withdrawn); `python bot.py item recall "
                       f"{item_id}` retries the recalls that failed")
        raise Fail.from_error(error)
    audit_note("withdraw", f"item:{item_id}", note=note, change=result["change"],
               recall=result["recall"], requeued=result["requeued"])
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"Item {item_id} withdrawn (change {result['change']}).")
    if result["requeued"]:
        click.echo(f"{result['requeued']} queued messages carried it: queued again without it.")
    _echo_recall(item_id, result["recall"])


@item.command("recall")
@click.argument("item_id", type=int)
@click.option("--json", "as_json", is_flag=True,
              help=f'Print {{"item", "recall": {RECALL_KEYS}}} as JSON.')
@with_appcontext
def recall(item_id, as_json):
    """Retry recalling a withdrawn ITEM_ID's messages: exactly those whose recall failed
    transiently (network, 5xx, busy, token) and that are still within WeCom's 24 hours."""
    from store.db import get_db

    require("approver", "recall an item")
    config = current_app.config
    try:
        result = item_actions.recall_again(get_db(), item_id, config, config["DATABASE_PATH"])
    except item_actions.UnknownItem:
        raise Fail(f"no item {item_id}")
    except ValueError as error:
        raise Fail.from_error(error)
    audit_note("recall", f"item:{item_id}", recall=result["recall"])
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    _echo_recall(item_id, result["recall"])


def _echo_recall(item_id, recall):
    if not recall["calls"]:
        click.echo(f"No sent message carried item {item_id}.")
        return
    click.echo(f"Messages that carried it: {recall['calls']} — {recall['recalled']} recalled,"
               f" {recall['too_old']} too old, {recall['failed']} not recalled,"
               f" {recall['not_recallable']} on a channel that cannot recall"
               " (the page changed).")
    if recall["retryable"]:
        click.echo(f"{recall['retryable']} failed for a passing reason: `python bot.py item "
                   f"recall {item_id}` tries them again (within 24 hours of sending).")


@click.command("remind")
@click.argument("issue_id", type=int)
@click.option("--dry-run", is_flag=True, help="Count who would be reminded; send nothing.")
@click.option("--no-wait", is_flag=True, help="Only queue the reminders; a worker sends them.")
@click.option("--urgent", is_flag=True, help="Send now even inside BOT_QUIET_HOURS.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"issue", "reminded", "already_read", "skipped"} as JSON '
                   '(plus "scheduled" and "replaced" when quiet hours hold it).')
@with_appcontext
def remind(issue_id, dry_run, no_wait, urgent, as_json):
    """Remind (催办) each cadre who opened none of ISSUE_ID's items they were sent: one short
    message with their unread titles, once per cadre per issue."""
    from store.db import get_db

    if not dry_run:
        require("approver", "remind")
    config = current_app.config
    try:
        result = publish.remind_issue(get_db(), issue_id, config, config["DATABASE_PATH"],
                                      dry_run=dry_run, urgent=urgent)
    except publish.UnknownIssue:
        raise Fail(f"no issue {issue_id}")
    if not dry_run:
        audit_note("remind", f"issue:{issue_id}", reminded=result["reminded"],
                   scheduled=result.get("scheduled"))
    if result["reminded"] and not (dry_run or no_wait):
        worker.run_until_idle(config["DATABASE_PATH"], config)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    if result.get("scheduled"):
        click.echo(f"Issue {issue_id}: inside the quiet hours (BOT_QUIET_HOURS) — the reminders"
                   f" go at {result['scheduled']}; --urgent sends them now.")
        return
    verb = "would be reminded" if dry_run else "reminded"
    click.echo(f"Issue {issue_id}: {result['reminded']} {verb}, {result['already_read']} already"
               f" read, {result['skipped']} skipped (already reminded, removed, nothing left to"
               " read, or on WeCom in a group whose reader cannot be named).")
    if result["reminded"] and not dry_run:
        if no_wait:
            click.echo(f"A worker sends them; `python bot.py status {issue_id}` follows them.")
        else:
            click.echo("Reminders" + _outcome(issue_id, "remind", result["reminded"], False)
                       .replace(" — ", ": ", 1))


def _read_body(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise Fail(f"cannot read {path}: {error}")


COMMANDS = [item, remind]

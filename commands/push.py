"""Push commands: `python bot.py push ID`, `resend ID`, `status ID [--json] [--wait]`, `worker`.

    python bot.py push 3            # queue issue 3 and send it now, with a progress bar
    python bot.py push 3 --at "2026-11-28 08:00"   # scheduled (local time); --cancel undoes
    python bot.py push 3 --urgent   # now, even inside BOT_QUIET_HOURS (else held until it ends)
    python bot.py status 3 --json   # {"issue", "total", "sent", "failed", "pending", "by_reason"}
                                    # (+ "notices": {kind: counts} when any were queued)
    python bot.py worker            # a separate sending process (stops cleanly on SIGTERM)

`send_with_progress(issue_id)` is what `publish FILE --push` calls after storing the file.
"""

import json
import signal
import sys
import threading
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from channels import channel_class
from push import item_actions, publish, status, worker
from commands.audit import note
from commands.errors import Fail
from commands.review import require_push
from config import setting




def send_with_progress(issue_id, queue=True, err=False, urgent=False):
    """Queue the issue (if `queue`: one audit row, `push` with the counts, or `schedule` when
    the quiet hours hold it), send what is pending with a progress bar, print the counts.

    `err=True` prints the messages on stderr (when stdout carries JSON)."""
    from store.db import get_db

    config = current_app.config
    db = get_db()
    try:
        if queue:
            result = publish.push_issue(db, issue_id, config, config["DATABASE_PATH"],
                                        urgent=urgent)
            if result.get("scheduled"):  # inside BOT_QUIET_HOURS: a worker sends it later
                note("schedule", f"issue:{issue_id}", at=result["scheduled"],
                     replaced=result.get("replaced") or None)
                click.echo(f"Issue {issue_id}: inside the quiet hours (BOT_QUIET_HOURS) — it"
                           f" will be pushed at {result['scheduled']}"
                           f" ({setting(config, 'BOT_TIMEZONE')}).", err=err)
                return
            note("push", f"issue:{issue_id}", queued=result["queued"],
                 recipients=result["recipients"])
            click.echo(f"Issue {issue_id}: {result['queued']} new deliveries queued"
                       f" for {result['recipients']} recipients.", err=err)
            if not result["recipients"]:
                why = why_nobody(publish.preview_push(db, issue_id, config,
                                                      config["DATABASE_PATH"]), config)
                if why:
                    click.echo(why, err=err)
    except publish.UnknownIssue:
        raise Fail(f"no issue {issue_id}")
    first = status.summary(db, issue_id)
    threads = [threading.Thread(target=worker.run_until_idle, daemon=True,
                                args=(config["DATABASE_PATH"], config))
               for _ in range(max(1, int(setting(config, "BOT_WORKER_THREADS"))))]
    for thread in threads:
        thread.start()
    with click.progressbar(length=first["total"], label="Sending",
                           show_pos=True, file=sys.stderr) as bar:
        shown = 0
        while True:
            running = any(thread.is_alive() for thread in threads)
            now = status.summary(db, issue_id)
            bar.update(now["total"] - now["pending"] - shown)
            shown = now["total"] - now["pending"]
            if not running:
                break
            time.sleep(0.2)
    echo_summary(db, issue_id, err=err)


def describe_preview(preview, config=None):
    """The dry run in words: who would receive what, and who would not, and why."""
    lines = [f"Issue {preview['issue']}: {preview['recipients']} recipients,"
             f" {preview['messages']} messages in {preview['api_calls']} API calls (nothing sent)."]
    for name, n in sorted(preview["by_department"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {name or '(no department)'}: {n}")
    unreached = {reason: n for reason, n in preview["unreached"].items() if n}
    if unreached:
        lines.append("Not reached: " + ", ".join(f"{r} {n}" for r, n in unreached.items()))
    if preview.get("already_planned"):
        line = f"Already pushed to {preview['already_planned']} recipients"
        if preview.get("already_planned_other_account"):
            line += (f" ({preview['already_planned_other_account']} of them on a WeChat"
                     " account since replaced: nothing again to the new one)")
        lines.append(line + ".")
    why = why_nobody(preview, config or {})
    if why:
        lines.append(why)
    return "\n".join(lines)


def why_nobody(preview, config):
    """A dry run that reaches nobody (and no one had it already) -> why, and what to do;
    else None. `config` tells whether the channel has an address book (WeCom)."""
    if preview["recipients"] or preview.get("already_planned"):
        return None
    address_book = channel_class(setting(config, "BOT_CHANNEL")).has_address_book
    unreached = preview["unreached"]
    if not any(unreached.values()):
        fill = ("`python bot.py roster sync` (the WeCom address book) or " if address_book
                else "") + "`python bot.py roster import FILE.csv`"
        return f"Nobody would receive it: the roster is empty. Add cadres with {fill}."
    parts = []
    if unreached.get("unbound"):
        parts.append(f"{unreached['unbound']} have not bound " + (
            "(no WeCom userid): `python bot.py roster sync` matches them to address-book "
            "members, `python bot.py roster invite` gives the others a binding code"
            if address_book else "their WeChat: `python bot.py roster invite` gives them "
            "binding codes (they send 绑定 <code>)"))
    if unreached.get("removed"):
        parts.append(f"{unreached['removed']} removed from the roster")
    if unreached.get("no_matching_items"):
        parts.append(f"{unreached['no_matching_items']} follow none of its departments and it "
                     "has no lead item (BOT_DEFAULT_FOLLOW, 订阅)")
    return "Nobody would receive it: of the cadres on file, " + "; ".join(parts) + "."


def notice_line(kind, counts):
    """`Correction notice (change 3): 2 — 2 sent, 0 failed, 0 pending.` for one notice kind
    (status.notices): correction notices, reminders, items sent on their own."""
    what = kind
    if kind == "remind":
        what = "Reminders (催办)"
    elif kind.startswith("correct:"):
        what = f"Correction notices (change {kind.split(':', 1)[1]})"
    elif kind.startswith("item:"):
        what = f"Item {kind.split(':', 1)[1]} to readers who gained it"
    return (f"{what}: {counts['total']} — {counts['sent']} sent, {counts['failed']} failed,"
            f" {counts['pending']} pending.")


def echo_summary(db, issue_id, err=False):
    counts = status.summary(db, issue_id)
    click.echo(f"Issue {issue_id}: {counts['total']} deliveries — {counts['sent']} sent,"
               f" {counts['failed']} failed, {counts['pending']} pending.", err=err)
    for reason, n in sorted(counts["by_reason"].items(), key=lambda kv: -kv[1]):
        click.echo(f"  {reason}: {n}", err=err)
    run = status.run_state(db, issue_id)
    if run and run["status"] == "paused":
        click.echo(f"Paused for review: {run['paused_reason']}."
                   f" Resume with `python bot.py push {issue_id}` or `resend {issue_id}`.", err=err)


@click.command("push")
@click.argument("issue_id", type=int)
@click.option("--no-wait", is_flag=True, help="Only queue the messages; a worker sends them.")
@click.option("--dry-run", is_flag=True, help="Count who would receive what; send nothing.")
@click.option("--json", "as_json", is_flag=True,
              help='With --dry-run: {"issue", "recipients", "messages", "api_calls", '
                   '"by_department", "unreached", "already_planned", '
                   '"already_planned_other_account"}.')
@click.option("--at", "at_text", metavar='"YYYY-MM-DD HH:MM"',
              help="Schedule the push for this local time (BOT_TIMEZONE); a worker sends it.")
@click.option("--urgent", is_flag=True, help="Send now even inside BOT_QUIET_HOURS.")
@click.option("--cancel", is_flag=True, help="Cancel the issue's pending scheduled pushes.")
@with_appcontext
def push_command(issue_id, no_wait, dry_run, as_json, at_text, urgent, cancel):
    """Push an issue to its cadres (pushing again sends nothing new)."""
    from store.db import get_db

    _refuse_together(dry_run, as_json, at_text, cancel)
    if cancel or at_text or not (urgent or dry_run):
        held = _schedule(get_db(), issue_id, at_text, urgent, cancel)
        if held:
            return

    if dry_run:
        try:
            preview = publish.preview_push(get_db(), issue_id, current_app.config,
                                           current_app.config["DATABASE_PATH"])
        except publish.UnknownIssue:
            raise Fail(f"no issue {issue_id}")
        click.echo(json.dumps(preview, ensure_ascii=False) if as_json
                   else describe_preview(preview, current_app.config))
        return
    require_push(issue_id)
    if no_wait:
        try:
            result = publish.push_issue(get_db(), issue_id, current_app.config,
                                        current_app.config["DATABASE_PATH"], urgent=True)
        except publish.UnknownIssue:
            raise Fail(f"no issue {issue_id}")
        note("push", f"issue:{issue_id}", queued=result["queued"])
        click.echo(f"Issue {issue_id}: {result['queued']} new deliveries queued.")
        return
    send_with_progress(issue_id, urgent=True)  # quiet hours were checked by _schedule


def _refuse_together(dry_run, as_json, at_text, cancel):
    """Options that cannot go together, refused before anything changes: a dry run that
    scheduled (`--at`) or cancelled (`--cancel`), `--json` that scheduled in the quiet hours
    and printed text, `--at` with `--cancel` (which one was meant?)."""
    if dry_run and (at_text or cancel):
        raise Fail(f"--dry-run changes nothing: leave out {'--at' if at_text else '--cancel'}"
                   " (the dry run shows who would receive the push, whenever it goes)")
    if as_json and not dry_run:
        raise Fail("--json goes with --dry-run (use `status ID --json` after a push)")
    if at_text and cancel:
        raise Fail("--at schedules and --cancel cancels: give one of them")


def _schedule(db, issue_id, at_text, urgent, cancel):
    """`--cancel`, `--at`, or quiet hours holding a non-urgent push: True when handled here
    (the push is scheduled or cancelled), False to push now."""
    config = current_app.config
    try:
        if cancel:
            require_push(issue_id, "cancel a scheduled push")
            n = publish.cancel_schedules(db, issue_id)
            if not n:  # nothing done: nothing to log
                click.echo(f"Issue {issue_id}: nothing scheduled to cancel (no pending push"
                           " or reminder; `status` lists them).")
                return True
            note("schedule_cancel", f"issue:{issue_id}", cancelled=n)
            click.echo(f"Issue {issue_id}: {n} scheduled push(es) cancelled.")
            return True
        at = None
        if at_text:
            try:
                at = publish.schedule_time(config, at_text)
            except ValueError as error:
                raise Fail(f"--at {at_text!r}: {error} ({setting(config, 'BOT_TIMEZONE')},"
                           " YYYY-MM-DD HH:MM)")
        elif urgent or publish.quiet_until(config) is None:
            return False
        require_push(issue_id)
        result = publish.push_issue(db, issue_id, config, config["DATABASE_PATH"], at=at)
        note("schedule", f"issue:{issue_id}", at=result.get("scheduled"),
             replaced=result.get("replaced") or None)
    except publish.UnknownIssue:
        raise Fail(f"no issue {issue_id}")
    why = "scheduled" if at_text else "inside the quiet hours (BOT_QUIET_HOURS); --urgent sends now"
    click.echo(f"Issue {issue_id}: {why} — it will be pushed at {result['scheduled']}"
               f" ({setting(config, 'BOT_TIMEZONE')}) by a worker (`push {issue_id} --cancel`"
               " cancels)." + (f" It replaces the push scheduled for {', '.join(result['replaced'])}."
                               if result.get("replaced") else ""))
    return True


@click.command("resend")
@click.argument("issue_id", type=int)
@click.option("--no-wait", is_flag=True, help="Only queue the retries; a worker sends them.")
@with_appcontext
def resend_command(issue_id, no_wait):
    """Retry the failed deliveries of an issue (and resume it if paused)."""
    from store.db import get_db

    require_push(issue_id, "resend")

    try:
        queued = publish.resend_failed(get_db(), issue_id, current_app.config,
                                       current_app.config["DATABASE_PATH"])
    except publish.UnknownIssue:
        raise Fail(f"no issue {issue_id}")
    note("resend", f"issue:{issue_id}", queued=queued)
    click.echo(f"Issue {issue_id}: {queued} failed deliveries queued again.")
    if not no_wait:
        send_with_progress(issue_id, queue=False)


@click.command("status")
@click.argument("issue_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.option("--wait", is_flag=True, help="Block until no delivery is pending (or paused).")
@click.option("--timeout", type=float, default=None, help="With --wait: give up after SECONDS.")
@with_appcontext
def status_command(issue_id, as_json, wait, timeout):
    """Show how an issue's push went: sent, failed (by reason), pending; its scheduled
    pushes and reminders, with why a push is held."""
    from store.db import get_db

    db = get_db()
    if not publish.issue_exists(db, issue_id):
        raise Fail(f"no issue {issue_id}")
    deadline = None if timeout is None else time.monotonic() + timeout
    while wait and status.summary(db, issue_id)["pending"]:
        run = status.run_state(db, issue_id)
        if (run and run["status"] == "paused") or (deadline and time.monotonic() > deadline):
            break
        time.sleep(0.5)
    late = item_actions.withdrawn_in_flight(db, issue_id, current_app.config)
    notices = status.notices(db, issue_id)
    if as_json:
        click.echo(json.dumps(status.summary(db, issue_id)
                              | ({"withdrawn_in_flight": late} if late["messages"] else {})
                              | ({"notices": notices} if notices else {}),
                              ensure_ascii=False))
        return
    echo_summary(db, issue_id)
    for kind, counts in sorted(notices.items()):
        click.echo(notice_line(kind, counts))
    if late["messages"]:
        ids = ", ".join(map(str, late["items"]))
        click.echo(f"{late['messages']} messages already on their way when item {ids} was"
                   " withdrawn carried it (the call was in flight: it could not be taken back).")
        if late["recallable"]:
            click.echo(f"{late['recallable']} of those calls can still be recalled (WeCom,"
                       " within 24 h): " + "; ".join(f"python bot.py item recall {item}"
                                                    for item in late["items"]))
    zone = setting(current_app.config, "BOT_TIMEZONE")
    for row in publish.pending_schedules(db, issue_id, current_app.config):
        click.echo(f"Scheduled {row['action']} at {row['due']} ({zone})"
                   + (f": held — {row['paused']}" if row["paused"] else "."))


@click.command("worker")
@with_appcontext
def worker_command():
    """Send queued messages until stopped (SIGTERM/Ctrl-C finish the current call first)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    config = dict(current_app.config)
    click.echo(f"Push worker on {config['DATABASE_PATH']} (channel {config['BOT_CHANNEL']})",
               err=True)
    worker.run_forever(config["DATABASE_PATH"], config, stop, poll=0.5)


COMMANDS = (push_command, resend_command, status_command, worker_command)

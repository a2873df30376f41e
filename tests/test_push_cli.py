"""Push commands: publish --push, push, resend, status [--json] [--wait], worker (help)."""

import json

import pytest

from channels import inbox
from test_plan import add_cadre, publish
from store.db import open_db


def test_publish_with_push_shows_progress_and_ends_with_the_counts(runner, db, sample_path):
    add_cadre(db, "审计", "sandbox-1", ["区审计局"])
    add_cadre(db, "镇", "sandbox-2", ["峡窝镇"])
    result = runner.invoke(args=["publish", str(sample_path), "--push"])
    assert result.exit_code == 0, result.output
    assert "Sending" in result.output  # the progress bar (stderr, mixed in by the runner)
    assert "2 deliveries — 2 sent, 0 failed, 0 pending." in result.output
    assert len(inbox(db, "sandbox-1")) == 1 and len(inbox(db, "sandbox-2")) == 1
    again = runner.invoke(args=["publish", str(sample_path), "--push"])
    assert "0 new deliveries queued" in again.output
    assert len(inbox(db, "sandbox-1")) == 1


def test_publish_json_with_push_keeps_stdout_json(app, db, sample_path):
    add_cadre(db, "审计", "sandbox-1", ["区审计局"])
    result = app.test_cli_runner().invoke(
        args=["publish", str(sample_path), "--push", "--json"])
    assert result.exit_code == 0, result.stderr
    assert set(json.loads(result.stdout)) == {"id", "items", "same_as", "differs"}
    assert "1 sent" in result.stderr


def test_status_json_is_exactly_the_documented_shape(runner, db):
    issue_id = publish(db)
    add_cadre(db, "审计", "sandbox-1", ["区审计局"])
    runner.invoke(args=["push", str(issue_id), "--no-wait"])
    pending = json.loads(runner.invoke(args=["status", str(issue_id), "--json"]).output)
    assert pending == {"issue": issue_id, "total": 1, "sent": 0, "failed": 0, "pending": 1,
                       "by_reason": {}}
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    done = json.loads(runner.invoke(args=["status", str(issue_id), "--json", "--wait"]).output)
    assert done == dict(pending, sent=1, pending=0)


def test_status_wait_gives_up_after_its_timeout(runner, db):
    issue_id = publish(db)
    add_cadre(db, "审计", "sandbox-1", ["区审计局"])
    runner.invoke(args=["push", str(issue_id), "--no-wait"])  # no worker runs
    result = runner.invoke(args=["status", str(issue_id), "--wait", "--timeout", "0.3"])
    assert result.exit_code == 0 and "1 pending" in result.output


def pushed_to_a_member_and_a_stranger(fake_wechat, make_app, stranger):
    """A WeCom app whose cadre `stranger` is not (yet) a member of the app: the sample issue
    pushed to them and to a member -> (runner, db, issue_id); the stranger's call failed."""
    app = make_app(**fake_wechat.app_config("work"), BOT_RETRY_BASE_SECONDS=0.01)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    add_cadre(db, "在职", "member", ["区审计局"], identity="userid")
    add_cadre(db, "另一人", stranger, ["区审计局"], identity="userid")
    fake_wechat.add_members(["member"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    return runner, db, issue_id


def test_failed_deliveries_are_counted_by_reason_and_resend_retries_them(fake_wechat, make_app):
    runner, db, issue_id = pushed_to_a_member_and_a_stranger(fake_wechat, make_app, "gone")
    status = runner.invoke(args=["status", str(issue_id)]).output
    assert "2 deliveries — 1 sent, 1 failed, 0 pending." in status and "invaliduser: 1" in status
    fake_wechat.add_members(["gone"])
    result = runner.invoke(args=["resend", str(issue_id)])
    assert "1 failed deliveries queued again" in result.output
    assert "2 deliveries — 2 sent, 0 failed, 0 pending." in result.output
    assert fake_wechat.delivered() == {"member": 1, "gone": 1}


@pytest.mark.parametrize("command", [["status", "99"], ["push", "99"], ["resend", "99"],
                                     ["push", "99", "--no-wait"]])
def test_unknown_issue_is_one_line_and_exit_2(runner, command):
    result = runner.invoke(args=command)
    assert result.exit_code == 2 and result.output.strip() == "Error: no issue 99"


@pytest.mark.parametrize("command", ["push", "resend", "status", "worker"])
def test_every_command_has_help(runner, command):
    result = runner.invoke(args=[command, "--help"])
    assert result.exit_code == 0 and len(result.output.splitlines()) > 3


# ---- a push nobody would receive: who would be reached and why nobody is ------------------

def test_a_push_to_an_empty_roster_says_the_roster_is_empty_and_how_to_fill_it(
        fake_wechat, make_app):
    # Day one on WeCom: an issue published before the address book was synced. The dry run
    # said "0 recipients, 0 messages in 0 API calls" and the push "0 new deliveries queued
    # for 0 recipients", and nothing said why.
    app = make_app(**fake_wechat.app_config("work"))
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["push", str(issue_id), "--dry-run"])
    assert dry.exit_code == 0 and "the roster is empty" in dry.output
    assert "roster sync" in dry.output and "roster import" in dry.output
    pushed = runner.invoke(args=["push", str(issue_id)])
    assert pushed.exit_code == 0 and "the roster is empty" in pushed.output
    assert fake_wechat.messages == []


def test_a_push_to_cadres_none_of_them_bound_says_so_and_how_to_bind_them(runner, db):
    issue_id = publish(db)
    add_cadre(db, "甲", None, ["区审计局"], bound=False)
    add_cadre(db, "乙", None, bound=False)
    add_cadre(db, "丙", "sandbox-3", removed=True)
    result = runner.invoke(args=["push", str(issue_id), "--dry-run"])
    assert result.exit_code == 0
    assert "Nobody would receive it" in result.output
    assert "2 have not bound" in result.output and "roster invite" in result.output
    assert "1 removed" in result.output
    assert "roster is empty" not in result.output
    # the JSON stays exactly as documented
    shape = json.loads(runner.invoke(args=["push", str(issue_id), "--dry-run", "--json"]).output)
    assert shape["unreached"] == {"unbound": 2, "removed": 1, "no_matching_items": 0}

"""Scheduled pushes and quiet hours: a scheduled push survives a restart and fires; a push or
reminder inside BOT_QUIET_HOURS waits for the window's end, an urgent one does not."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from channels import inbox
from config import ConfigError
from push import schedules, worker
from store.db import open_db
from test_console import csrf_from, login
from test_plan import add_cadre, publish

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(dt):
    return dt.strftime("%Y-%m-%d %H:%M")


def quiet_now():
    """A quiet window around the present minute (local time): 'HH:MM-HH:MM'."""
    now = datetime.now(SHANGHAI)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    return f"{start:%H:%M}-{end:%H:%M}"


def arranged(app):
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    add_cadre(db, "甲", "sandbox-1", ["区审计局"])
    return db, issue_id


def test_a_scheduled_push_survives_a_restart_and_fires(make_app):
    app = make_app()
    db, issue_id = arranged(app)
    at = local(datetime.now(SHANGHAI) + timedelta(minutes=30))
    result = app.test_cli_runner().invoke(args=["push", str(issue_id), "--at", at])
    assert result.exit_code == 0 and f"pushed at {at}" in result.output
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    db.conn.close()
    restarted = make_app()  # a new app on the same database file
    db = open_db(restarted.config["DATABASE_PATH"])
    [row] = schedules.pending(db, issue_id, restarted.config)
    assert (row["action"], row["due"], row["why"]) == ("push", at, "scheduled")
    worker.run_until_idle(restarted.config["DATABASE_PATH"], restarted.config)
    assert inbox(db, "sandbox-1") == []  # not yet due
    db.execute("UPDATE push_schedules SET due_at = due_at - 3600")  # half an hour later
    db.conn.commit()
    worker.run_until_idle(restarted.config["DATABASE_PATH"], restarted.config)
    assert len(inbox(db, "sandbox-1")) == 1
    assert schedules.pending(db, issue_id) == []
    worker.run_until_idle(restarted.config["DATABASE_PATH"], restarted.config)
    assert len(inbox(db, "sandbox-1")) == 1  # fired once
    db.conn.close()


def test_a_scheduled_push_can_be_cancelled(make_app):
    app = make_app()
    db, issue_id = arranged(app)
    runner = app.test_cli_runner()
    runner.invoke(args=["push", str(issue_id), "--at",
                        local(datetime.now(SHANGHAI) + timedelta(minutes=5))])
    result = runner.invoke(args=["push", str(issue_id), "--cancel"])
    assert "1 scheduled push(es) cancelled" in result.output
    db.execute("UPDATE push_schedules SET due_at = 0")
    db.conn.commit()
    worker.run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert inbox(db, "sandbox-1") == []
    db.conn.close()


@pytest.mark.parametrize("at, words", [("2020-01-01 08:00", "in the past"),
                                       ("tomorrow 8am", "YYYY-MM-DD HH:MM"),
                                       ("2026-13-01 08:00", "YYYY-MM-DD HH:MM")])
def test_a_bad_time_is_one_line_with_status_2(runner, db, at, words):
    issue_id = publish(db)
    result = runner.invoke(args=["push", str(issue_id), "--at", at])
    assert result.exit_code == 2 and words in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_inside_quiet_hours_a_push_waits_and_an_urgent_one_does_not(make_app):
    app = make_app(BOT_QUIET_HOURS=quiet_now())
    db, issue_id = arranged(app)
    runner = app.test_cli_runner()
    held = runner.invoke(args=["push", str(issue_id)])
    assert held.exit_code == 0 and "quiet hours" in held.output
    [row] = schedules.pending(db, issue_id, app.config)
    assert row["why"] == "quiet_hours"
    assert abs(row["due_at"] - (datetime.now(SHANGHAI) + timedelta(hours=1)).timestamp()) < 120
    worker.run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert inbox(db, "sandbox-1") == []  # the worker holds it too
    runner.invoke(args=["push", str(issue_id)])  # pushing again keeps one schedule
    assert len(schedules.pending(db, issue_id)) == 1
    urgent = runner.invoke(args=["push", str(issue_id), "--urgent"])
    assert urgent.exit_code == 0 and len(inbox(db, "sandbox-1")) == 1
    db.conn.close()


def test_outside_quiet_hours_a_push_goes_at_once(make_app):
    later = datetime.now(SHANGHAI) + timedelta(hours=3)
    app = make_app(BOT_QUIET_HOURS=f"{later:%H:%M}-{later + timedelta(hours=1):%H:%M}")
    db, issue_id = arranged(app)
    assert app.test_cli_runner().invoke(args=["push", str(issue_id)]).exit_code == 0
    assert len(inbox(db, "sandbox-1")) == 1
    db.conn.close()


def test_reminders_wait_for_the_quiet_hours_too(make_app):
    app = make_app()
    db, issue_id = arranged(app)
    assert app.test_cli_runner().invoke(args=["push", str(issue_id)]).exit_code == 0
    quiet = make_app(BOT_QUIET_HOURS=quiet_now())
    runner = quiet.test_cli_runner()
    held = runner.invoke(args=["remind", str(issue_id)])
    assert "quiet hours" in held.output
    assert [r["action"] for r in schedules.pending(db, issue_id)] == ["remind"]
    sent = runner.invoke(args=["remind", str(issue_id), "--urgent", "--json"])
    assert '"reminded": 1' in sent.output
    db.conn.close()


def test_quiet_window_arithmetic_across_midnight():
    config = {"BOT_QUIET_HOURS": "22:00-07:30", "BOT_TIMEZONE": "Asia/Shanghai"}

    def at(text):
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI).timestamp()

    assert schedules.quiet_until(config, at("2026-11-28 23:00")) == at("2026-11-29 07:30")
    assert schedules.quiet_until(config, at("2026-11-28 06:10")) == at("2026-11-28 07:30")
    assert schedules.quiet_until(config, at("2026-11-28 07:30")) is None
    assert schedules.quiet_until(config, at("2026-11-28 12:00")) is None
    day = {"BOT_QUIET_HOURS": "12:00-13:30", "BOT_TIMEZONE": "Asia/Shanghai"}
    assert schedules.quiet_until(day, at("2026-11-28 12:45")) == at("2026-11-28 13:30")
    assert schedules.quiet_until({"BOT_TIMEZONE": "Asia/Shanghai"}, at("2026-11-28 23:00")) is None


@pytest.mark.parametrize("setting", [{"BOT_QUIET_HOURS": "25:00-07:00"},
                                     {"BOT_QUIET_HOURS": "22:00"},
                                     {"BOT_QUIET_HOURS": "08:00-08:00"},
                                     {"BOT_TIMEZONE": "Mars/Olympus"}])
def test_bad_settings_stop_start_up_naming_them(make_app, setting):
    with pytest.raises(ConfigError, match=next(iter(setting))):
        make_app(**setting)


def test_the_console_schedules_shows_and_cancels(make_app):
    app = make_app()
    db, issue_id = arranged(app)
    client = app.test_client()
    login(client)
    page = client.get(f"/admin/issues/{issue_id}")
    when = datetime.now(SHANGHAI) + timedelta(hours=2)
    done = client.post(f"/admin/issues/{issue_id}/push", follow_redirects=True,
                       data={"csrf_token": csrf_from(page), "at": f"{when:%Y-%m-%dT%H:%M}"})
    html = done.get_data(as_text=True)
    assert f"定时推送将于 {local(when)} 发出" in html
    assert re.search(rf"推送 {local(when)}</span>", html)
    bad = client.post(f"/admin/issues/{issue_id}/push", follow_redirects=True,
                      data={"csrf_token": csrf_from(page), "at": "2020-01-01T08:00"})
    assert "未能定时" in bad.get_data(as_text=True)
    client.post(f"/admin/issues/{issue_id}/schedules/cancel", data={"csrf_token": csrf_from(page)})
    assert schedules.pending(db, issue_id) == []
    db.conn.close()


def test_the_console_push_inside_quiet_hours_says_when_and_urgent_sends(make_app):
    app = make_app(BOT_QUIET_HOURS=quiet_now())
    db, issue_id = arranged(app)
    client = app.test_client()
    login(client)
    token = csrf_from(client.get(f"/admin/issues/{issue_id}"))
    held = client.post(f"/admin/issues/{issue_id}/push", data={"csrf_token": token},
                       headers={"Accept": "application/json"})
    assert held.get_json()["scheduled"] and held.get_json()["queued"] == 0
    sent = client.post(f"/admin/issues/{issue_id}/push", data={"csrf_token": token, "urgent": "1"},
                       headers={"Accept": "application/json"})
    assert sent.get_json()["queued"] == 1
    db.conn.close()


def test_an_automatic_reminder_follows_the_push_once_and_respects_quiet_hours(make_app):
    app = make_app(BOT_REMIND_AFTER_HOURS=2)
    db, issue_id = arranged(app)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    [row] = schedules.pending(db, issue_id)
    assert (row["action"], row["why"]) == ("remind", "auto")
    assert abs(row["due_at"] - (datetime.now(SHANGHAI) + timedelta(hours=2)).timestamp()) < 60
    quiet = make_app(BOT_REMIND_AFTER_HOURS=2, BOT_QUIET_HOURS=quiet_now())
    db.execute("UPDATE push_schedules SET due_at = due_at - 3 * 3600")  # two hours later…
    db.conn.commit()
    worker.run_until_idle(quiet.config["DATABASE_PATH"], quiet.config)  # …but inside quiet hours
    [held] = schedules.pending(db, issue_id)
    assert held["due_at"] > datetime.now(SHANGHAI).timestamp()
    reminders = [m for m in inbox(db, "sandbox-1") if m["payload"].get("msgtype") == "text"]
    assert reminders == []
    db.execute("UPDATE push_schedules SET due_at = 0")
    db.conn.commit()
    worker.run_until_idle(app.config["DATABASE_PATH"], app.config)  # outside quiet hours
    texts = [m["payload"]["text"]["content"] for m in inbox(db, "sandbox-1")
             if m["payload"].get("msgtype") == "text"]
    assert len(texts) == 1 and texts[0].startswith("【催办】")
    runner.invoke(args=["push", str(issue_id)])  # pushing again adds no second reminder
    assert schedules.pending(db, issue_id) == []
    db.conn.close()


def test_scheduling_again_replaces_the_pending_push_and_says_so(make_app):
    """Moving a push to a later time: the earlier schedule is cancelled, the issue goes once,
    at the later time (console and CLI alike)."""
    app = make_app()
    db, issue_id = arranged(app)
    client = app.test_client()
    login(client)
    token = csrf_from(client.get(f"/admin/issues/{issue_id}"))
    now = datetime.now(SHANGHAI)
    first, second = now + timedelta(hours=2), now + timedelta(hours=3)
    client.post(f"/admin/issues/{issue_id}/push",
                data={"csrf_token": token, "at": f"{first:%Y-%m-%dT%H:%M}"})
    moved = client.post(f"/admin/issues/{issue_id}/push", follow_redirects=True,
                        data={"csrf_token": token, "at": f"{second:%Y-%m-%dT%H:%M}"})
    html = moved.get_data(as_text=True)
    assert f"定时推送将于 {local(second)} 发出。原定 {local(first)} 的定时推送已取消" in html
    [row] = schedules.pending(db, issue_id, app.config)
    assert row["due"] == local(second)
    assert f"推送 {local(first)}" not in html.split('id="schedules"')[1]
    db.execute("UPDATE push_schedules SET due_at = ? WHERE id = ?",
               [datetime.now(SHANGHAI).timestamp() - 1, row["id"]])
    db.conn.commit()
    worker.run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert len(inbox(db, "sandbox-1")) == 1          # went at the later time, and only then
    runner = app.test_cli_runner()
    other = publish(db, __import__("test_plan").make_issue(number="第2期", date="2021-01-13"))
    runner.invoke(args=["push", str(other), "--at", local(first)])
    again = runner.invoke(args=["push", str(other), "--at", local(second)])
    assert f"It replaces the push scheduled for {local(first)}" in again.output
    assert [r["due"] for r in schedules.pending(db, other, app.config)] == [local(second)]
    db.conn.close()


def test_a_reminder_asked_for_again_replaces_the_pending_one(make_app):
    app = make_app()
    db, issue_id = arranged(app)
    assert app.test_cli_runner().invoke(args=["push", str(issue_id)]).exit_code == 0
    quiet = make_app(BOT_QUIET_HOURS=quiet_now())
    db.execute("INSERT INTO push_schedules (issue_id, action, due_at, why) VALUES (?, 'remind', ?,"
               " 'scheduled')", [issue_id, datetime.now(SHANGHAI).timestamp() + 7200])
    db.conn.commit()
    assert "quiet hours" in quiet.test_cli_runner().invoke(args=["remind", str(issue_id)]).output
    [row] = schedules.pending(db, issue_id)
    assert (row["action"], row["why"]) == ("remind", "quiet_hours")
    db.conn.close()


def test_a_dry_run_or_json_never_schedules_or_cancels(make_app):
    """`push ID --dry-run --at …` scheduled the push, `--dry-run --cancel` cancelled the
    pending one, and `push ID --json` inside the quiet hours scheduled it and printed text
    (exit 0): a dry run changed what the office had planned. Options that cannot go together
    are refused in one line (exit 2) before anything changes."""
    app = make_app(BOT_QUIET_HOURS=quiet_now())
    db, issue_id = arranged(app)
    runner = app.test_cli_runner()
    at = local(datetime.now(SHANGHAI) + timedelta(hours=3))
    for args in (["--dry-run", "--at", at], ["--dry-run", "--cancel"], ["--json"],
                 ["--at", at, "--cancel"], ["--json", "--at", at]):
        result = runner.invoke(args=["push", str(issue_id), *args])
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert schedules.pending(db, issue_id) == [], args
    runner.invoke(args=["push", str(issue_id), "--at", at])
    assert runner.invoke(args=["push", str(issue_id), "--dry-run", "--cancel"]).exit_code == 2
    assert len(schedules.pending(db, issue_id)) == 1
    assert runner.invoke(args=["push", str(issue_id), "--dry-run"]).exit_code == 0
    assert len(schedules.pending(db, issue_id)) == 1
    db.conn.close()


def test_the_consoles_cancel_and_held_reminder_are_in_the_audit_log(make_app):
    """取消定时 on the console cancelled the issue's schedules without an audit row (the CLI's
    `push --cancel` writes `schedule_cancel`), and a 提醒未读 held by the quiet hours left no
    row either: the log did not say who stopped or moved a push. Its flash says how many."""
    from store import audit

    app = make_app(BOT_QUIET_HOURS=quiet_now())
    db, issue_id = arranged(app)
    app.test_cli_runner().invoke(args=["push", str(issue_id), "--urgent"])
    client = app.test_client()
    login(client)
    token = csrf_from(client.get(f"/admin/issues/{issue_id}"))
    client.post(f"/admin/issues/{issue_id}/remind", data={"csrf_token": token})
    [held] = audit.entries(db, action="remind")
    assert held["who"] == "admin" and held["details"]["scheduled"]
    answer = client.post(f"/admin/issues/{issue_id}/schedules/cancel",
                         data={"csrf_token": token}, follow_redirects=True)
    assert "已取消 1 个定时任务" in answer.get_data(as_text=True)
    [cancelled] = audit.entries(db, action="schedule_cancel")
    assert cancelled["who"] == "admin" and cancelled["target"] == f"issue:{issue_id}"
    assert cancelled["details"] == {"cancelled": 1}
    db.conn.close()


def test_cancelling_when_nothing_is_scheduled_says_so_and_logs_nothing(make_app):
    """`push ID --cancel` with nothing pending said "0 scheduled push(es) cancelled" and wrote
    a `schedule_cancel` row for nothing (the console's 取消定时, from a page left open, did
    the same: "已取消 0 个定时任务"). It says there was nothing to cancel, exit 0, no row."""
    from store import audit

    app = make_app()
    db, issue_id = arranged(app)
    result = app.test_cli_runner().invoke(args=["push", str(issue_id), "--cancel"])
    assert result.exit_code == 0, result.output
    assert "nothing scheduled to cancel" in result.output and "0 scheduled" not in result.output
    client = app.test_client()
    login(client)
    token = csrf_from(client.get(f"/admin/issues/{issue_id}"))
    answer = client.post(f"/admin/issues/{issue_id}/schedules/cancel",
                         data={"csrf_token": token}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "没有待发的定时任务" in page and "已取消 0" not in page
    assert audit.entries(db, action="schedule_cancel") == []
    db.conn.close()


def test_a_reminder_in_the_quiet_hours_with_nobody_left_to_remind_schedules_nothing(make_app):
    """A 提醒未读 (or `remind`) held by the quiet hours was scheduled although every cadre had
    been reminded already: a schedule that would send nothing, and the console said it would
    go at the window's end. With nobody left it says so and schedules nothing, as `remind`
    says outside the quiet hours ("0 reminded")."""
    app = make_app()
    db, issue_id = arranged(app)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    assert '"reminded": 1' in runner.invoke(args=["remind", str(issue_id), "--json"]).output
    quiet = make_app(BOT_QUIET_HOURS=quiet_now())
    client = quiet.test_client()
    login(client)
    token = csrf_from(client.get(f"/admin/issues/{issue_id}"))
    page = client.post(f"/admin/issues/{issue_id}/remind", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "没有需要提醒的人" in page and "提醒将于" not in page
    assert schedules.pending(db, issue_id) == []
    held = quiet.test_cli_runner().invoke(args=["remind", str(issue_id)])
    assert held.exit_code == 0 and "0 reminded" in held.output and "quiet hours" not in held.output
    assert schedules.pending(db, issue_id) == []
    db.conn.close()

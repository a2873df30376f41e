"""A scheduled push sends only what was approved: a change after scheduling holds it (shown on
the issue page, one `schedule_held` audit row by `scheduler`) until the issue is approved
again; every firing is in the audit log. Driven through the console and the CLI, fired by
the real worker loop (push.worker.run_until_idle) on a real SQLite file."""

import json
from datetime import datetime, timedelta

import pytest

from channels import inbox
from push import schedules, worker
from store import accounts, audit, review
from store.db import open_db
from store.issues import issue_items
from test_approval import approve
from test_console import csrf_from
from test_plan import add_cadre, publish
from test_roles import HASH, sign_in
from test_schedules import SHANGHAI

AUDIT_ITEM = "区审计局“四个一”提升信息宣传工作"


@pytest.fixture
def office(make_app):
    app = make_app(BOT_REMIND_AFTER_HOURS=1)
    db = open_db(app.config["DATABASE_PATH"])
    for name, role in (("zhang", "editor"), ("li", "approver"), ("wang", "approver")):
        accounts.add(db, name, role, HASH)
    issue_id = publish(db)
    review.changed(db, issue_id, "zhang", uploaded=True)
    add_cadre(db, "甲", "sandbox-1", ["区审计局"])
    yield app, db, issue_id
    db.conn.close()


def run_worker(app):
    worker.run_until_idle(app.config["DATABASE_PATH"], app.config)


def fall_due(db):
    db.execute("UPDATE push_schedules SET due_at = 0 WHERE status = 'pending' AND action = 'push'")
    db.conn.commit()


def sent_titles(db):
    return [a["title"] for m in inbox(db, "sandbox-1") if m["payload"].get("msgtype") == "news"
            for a in m["payload"]["news"]["articles"]]


def trail(db, issue_id):
    return [(r["who"], r["action"]) for r in reversed(audit.entries(db, target=f"issue:{issue_id}"))]


def test_a_change_after_scheduling_holds_the_push_until_it_is_approved_again(office):
    app, db, issue_id = office
    zhang, _ = sign_in(app, "zhang")
    li, _ = sign_in(app, "li")
    wang, _ = sign_in(app, "wang")
    approve(li, issue_id)
    when = datetime.now(SHANGHAI) + timedelta(minutes=1)
    li.post(f"/admin/issues/{issue_id}/push", data={
        "csrf_token": csrf_from(li.get("/admin/")), "at": f"{when:%Y-%m-%dT%H:%M}"})
    item = next(i for i in issue_items(db, issue_id) if i["title"] == AUDIT_ITEM)
    edited = zhang.post(f"/admin/items/{item['id']}", follow_redirects=True, data={
        "title": "【未审核】编辑改的标题", "department": item["department"],
        "csrf_token": csrf_from(zhang.get("/admin/"))}).get_data(as_text=True)
    assert review.state(db, issue_id)["state"] == "pending"
    assert "定时推送" in edited and "已暂停" in edited                  # said at once, and
    page = li.get(f"/admin/issues/{issue_id}").get_data(as_text=True)  # shown on the page
    assert "已暂停：定时后本期被修改，回到待审核" in page

    fall_due(db)
    run_worker(app)
    run_worker(app)
    assert inbox(db, "sandbox-1") == [] and review.state(db, issue_id)["state"] == "pending"
    [row] = schedules.pending(db, issue_id)
    assert row["held"] and row["action"] == "push"
    assert trail(db, issue_id).count(("scheduler", "schedule_held")) == 1  # once, not each round
    held = audit.entries(db, action="schedule_held")[0]
    assert held["details"]["schedule"] == row["id"] and held["where"] == "worker"
    assert "时间已过，批准后立即发出" in li.get(f"/admin/issues/{issue_id}").get_data(as_text=True)

    approved = approve(wang, issue_id, follow_redirects=True).get_data(as_text=True)
    assert "定时推送时间已过，即将发出" in approved
    run_worker(app)
    assert "【未审核】编辑改的标题" in sent_titles(db)  # now approved: it goes, once
    assert review.state(db, issue_id)["state"] == "pushed"
    assert schedules.pending(db, issue_id)[0]["action"] == "remind"   # the automatic one
    fired = audit.entries(db, action="push")[0]
    assert (fired["who"], fired["details"]["schedule"], fired["details"]["queued"]) == (
        "scheduler", row["id"], 1)
    db.execute("UPDATE push_schedules SET due_at = 0 WHERE status = 'pending'")
    db.conn.commit()
    run_worker(app)
    assert trail(db, issue_id)[-2:] == [("scheduler", "push"), ("scheduler", "remind")]


def test_without_a_change_an_approved_schedule_fires_and_is_audited(office):
    app, db, issue_id = office
    li, _ = sign_in(app, "li")
    approve(li, issue_id)
    when = datetime.now(SHANGHAI) + timedelta(minutes=5)
    li.post(f"/admin/issues/{issue_id}/push", data={
        "csrf_token": csrf_from(li.get("/admin/")), "at": f"{when:%Y-%m-%dT%H:%M}"})
    assert "已暂停" not in li.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    fall_due(db)
    run_worker(app)
    assert AUDIT_ITEM in sent_titles(db)
    assert ("scheduler", "schedule_held") not in trail(db, issue_id)
    assert ("scheduler", "push") in trail(db, issue_id)


def test_an_unapproved_schedule_by_the_operator_fires_unless_the_issue_changed(make_app):
    """The CLI operator may push unapproved issues (and schedule them): the schedule stands
    for the content it was made for, so a later change holds it too."""
    app = make_app()
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    add_cadre(db, "甲", "sandbox-1", ["区审计局"])
    runner = app.test_cli_runner()
    later = f"{datetime.now(SHANGHAI) + timedelta(minutes=30):%Y-%m-%d %H:%M}"
    assert runner.invoke(args=["push", str(issue_id), "--at", later]).exit_code == 0
    item = next(i for i in issue_items(db, issue_id) if i["title"] == AUDIT_ITEM)
    assert runner.invoke(args=["item", "correct", str(item["id"]), "--title", "改过的标题",
                               "--note", "标题有误"]).exit_code == 0
    fall_due(db)
    run_worker(app)
    assert inbox(db, "sandbox-1") == []
    [row] = schedules.pending(db, issue_id)
    assert "待审核" in row["held"]
    assert audit.entries(db, action="schedule_held")[0]["who"] == "scheduler"

    other = publish(db, __import__("test_plan").make_issue(number="第2期", date="2021-01-13"))
    assert runner.invoke(args=["push", str(other), "--at", later]).exit_code == 0
    fall_due(db)
    run_worker(app)                                       # unchanged: goes as scheduled
    assert len(inbox(db, "sandbox-1")) == 1
    result = json.loads(db.execute("SELECT result FROM push_schedules WHERE issue_id = ?",
                                   [other]).fetchone()[0])
    assert result["queued"] == 1
    db.conn.close()

"""A pushed item's department corrected: the new department's followers who got the issue
without the item receive it, through the outbox, once — however often it is moved — and
count as its recipients afterwards (correction notices, the item page's reader check)."""

import json

from channels import inbox
from fake_oauth import WECOM_PHONE
from push import status, worker
from store import accounts
from test_concurrent_edits import item_form
from test_plan import add_cadre, item_ids, message_urls, publish
from test_readers import link_of
from test_roles import HASH, sign_in

TOWN = "峡窝镇扎实做好冬季疫情防控"  # 峡窝镇's item (test_plan.ITEMS)


def titles(db, recipient):
    return [a["title"] for m in inbox(db, recipient) if m["payload"].get("msgtype") == "news"
            for a in m["payload"]["news"]["articles"]]


def notices(db, recipient):
    return [m["payload"]["text"]["content"] for m in inbox(db, recipient)
            if m["payload"].get("msgtype") == "text"]


def test_moving_a_pushed_item_sends_it_to_the_new_departments_followers_once(app, runner, db):
    issue_id = publish(db)
    add_cadre(db, "甲", "sandbox-1", ["区审计局"])
    add_cadre(db, "乙", "sandbox-2", ["区审计局"])
    add_cadre(db, "丙", "sandbox-3", ["峡窝镇"])
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    late = add_cadre(db, "丁", "sandbox-4", ["区审计局"])  # bound after the push
    item_id = item_ids(db, issue_id)[TOWN]
    assert TOWN not in titles(db, "sandbox-1")
    accounts.add(db, "li", "approver", HASH)
    li, _ = sign_in(app, "li")
    form = item_form(li, issue_id, item_id)
    done = li.post(f"/admin/items/{item_id}", follow_redirects=True, data=dict(
        form, department="区审计局", note="单位有误，应为区审计局", notify="1"))
    page = done.get_data(as_text=True)
    assert "新单位的订阅者中有 2 人收到过本期但没有这一条，已排队补发给他们" in page
    worker.run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert titles(db, "sandbox-1").count(TOWN) == 1 and titles(db, "sandbox-2").count(TOWN) == 1
    assert len(notices(db, "sandbox-3")) == 1 and "单位有误" in notices(db, "sandbox-3")[0]
    assert notices(db, "sandbox-1") == [] and inbox(db, "sandbox-4") == []
    assert status.summary(db, issue_id)["total"] == 3        # the push's own figures unchanged
    assert status.kinds(db, issue_id)[f"item:{item_id}"] == {"sent": 2}

    # moved back and forth: nobody gets it twice; pushing to new subscribers reaches only 丁
    for department in ("峡窝镇", "区审计局"):
        form = item_form(li, issue_id, item_id)
        li.post(f"/admin/items/{item_id}", data=dict(form, department=department, note="再改"))
    token = item_form(li, issue_id, item_id)["csrf_token"]
    li.post(f"/admin/issues/{issue_id}/push", data={"csrf_token": token})
    worker.run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert titles(db, "sandbox-1").count(TOWN) == 1 and titles(db, "sandbox-2").count(TOWN) == 1
    assert titles(db, "sandbox-4").count(TOWN) == 1 and late

    # a later correction's notice reaches those who received it late too
    result = runner.invoke(args=["item", "correct", str(item_id), "--title", "新标题",
                                 "--note", "标题有误", "--notify", "--json"])
    answer = json.loads(result.stdout)
    assert answer["notified"]["recipients"] == 4 and answer["gained"] is None
    assert len(notices(db, "sandbox-1")) == 1


def test_the_cli_sends_it_and_says_so(app, runner, db):
    issue_id = publish(db)
    add_cadre(db, "甲", "sandbox-1", ["区审计局"])
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    item_id = item_ids(db, issue_id)[TOWN]
    result = runner.invoke(args=["item", "correct", str(item_id), "--department", "区审计局",
                                 "--note", "单位有误", "--json"])
    assert json.loads(result.stdout)["gained"] == {"recipients": 1, "queued": 1, "new_to_issue": 0}
    assert titles(db, "sandbox-1").count(TOWN) == 1           # sent before the command returned


def test_on_wecom_the_new_reader_gets_it_and_may_open_it(fake_wechat, make_app):
    from store.db import open_db

    app = make_app(**fake_wechat.app_config("work"))
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    for name, user, department in (("甲", "m1", "区审计局"), ("乙", "m2", "区审计局"),
                                   ("丙", "m3", "峡窝镇")):
        add_cadre(db, name, user, [department], identity="userid")
    fake_wechat.add_members(["m1", "m2", "m3"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    item_id = item_ids(db, issue_id)[TOWN]
    result = runner.invoke(args=["item", "correct", str(item_id), "--department", "区审计局",
                                 "--note", "单位有误", "--json"])
    assert json.loads(result.stdout)["gained"] == {"recipients": 2, "queued": 2, "new_to_issue": 0}
    link = link_of(fake_wechat, "m1", item_id)
    page = fake_wechat.open_on_phone(app.test_client(), "m1", link, WECOM_PHONE)
    assert page.status_code == 200 and TOWN in page.get_data(as_text=True)
    assert sum(f"/items/{item_id}?" in url for m in fake_wechat.received("m2")
               for url in message_urls(m["body"])) == 1
    db.conn.close()


def test_moving_a_pushed_item_to_a_department_the_issue_never_reached_tells_its_followers(
        app, runner, db):
    """The item was 峡窝镇's by mistake and is really 区财政局's, which had no other item in
    the issue: its followers had received nothing of the issue, so nobody told them — only a
    push 'to new subscribers' someone happened to make later would. They get the issue (now
    their item) at once, once; 峡窝镇's follower keeps what they had. (An issue without a
    lead: a lead goes to everyone, so all had the issue.)"""
    from test_plan import ITEMS, make_issue

    issue_id = publish(db, make_issue(ITEMS[1:]))
    add_cadre(db, "丙", "sandbox-3", ["峡窝镇"])
    add_cadre(db, "戊", "sandbox-5", ["区财政局"])
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    assert inbox(db, "sandbox-5") == []  # nothing of the issue was theirs
    item_id = item_ids(db, issue_id)[TOWN]
    moved = runner.invoke(args=["item", "correct", str(item_id), "--department", "区财政局",
                                "--note", "单位有误，应为区财政局", "--json"])
    assert moved.exit_code == 0, moved.output
    gained = json.loads(moved.stdout)["gained"]
    assert gained["recipients"] == 1 and gained["queued"] == 1
    assert titles(db, "sandbox-5") == [TOWN]
    assert status.item_recipients(db, item_id) == [
        (c, r) for c, r in status.item_recipients(db, item_id) if r in ("sandbox-3", "sandbox-5")]
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0  # again: nothing new
    assert titles(db, "sandbox-5") == [TOWN] and titles(db, "sandbox-3") == [TOWN]

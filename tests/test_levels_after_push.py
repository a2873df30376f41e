"""公开 made 内部 after the push: the followers who enrolled themselves under BOT_OPEN_ACCESS=1
were sent the item while it was 公开; what the office sends about it afterwards — a
correction notice (更正), a reminder (催办) — must not carry a 内部 item to them."""

import json

from channels import inbox
from store import levels
from test_console import login, page_token
from test_corrections import texts
from test_levels import open_follower
from test_plan import add_cadre, item_ids, publish

AUDIT = "区审计局“四个一”提升信息宣传工作"


def pushed_public(runner, db):
    """A 公开 issue pushed to a roster cadre (甲) and a self-enrolled follower (o)."""
    issue_id = publish(db)
    levels.set_issue_level(db, issue_id, "公开")
    add_cadre(db, "甲", "sandbox-1", everything=True)
    open_follower(db, "sandbox-o")
    result = runner.invoke(args=["push", str(issue_id)])
    assert result.exit_code == 0, result.output
    assert AUDIT in json.dumps(inbox(db, "sandbox-o"), ensure_ascii=False)  # sent while 公开
    return issue_id, item_ids(db, issue_id)[AUDIT]


def make_internal(client, item_id):
    login(client)
    answer = client.post(f"/admin/items/{item_id}/level",
                         data={"level": "内部", "csrf_token": page_token(client)})
    assert answer.status_code == 302


def test_a_correction_notice_about_an_item_made_internal_skips_self_enrolled_followers(
        client, runner, db):
    """The office marked the item 内部 after the push, then corrected its title with 通知:
    the notice carried the new title of a 内部 item to every self-enrolled follower."""
    issue_id, item_id = pushed_public(runner, db)
    make_internal(client, item_id)
    corrected = runner.invoke(args=["item", "correct", str(item_id), "--title", "区审计局内部通报",
                                    "--note", "标题有误", "--notify", "--json"])
    assert corrected.exit_code == 0, corrected.output
    assert json.loads(corrected.stdout)["notified"]["recipients"] == 1
    assert any("区审计局内部通报" in t for t in texts(db, "sandbox-1"))
    assert not any("区审计局内部通报" in t for t in texts(db, "sandbox-o"))


def test_a_reminder_leaves_out_items_made_internal_for_self_enrolled_followers(
        client, runner, db):
    """A reminder listed a 内部 item's title to a self-enrolled follower (whose link to it
    opens nothing: 403)."""
    issue_id, item_id = pushed_public(runner, db)
    make_internal(client, item_id)
    result = runner.invoke(args=["remind", str(issue_id), "--json"])
    assert result.exit_code == 0, result.output
    [mine] = [t for t in texts(db, "sandbox-1") if t.startswith("【催办】")]
    assert "四个一" in mine
    [theirs] = [t for t in texts(db, "sandbox-o") if t.startswith("【催办】")]
    assert "四个一" not in theirs and "有4条您还未读" in theirs


TOWN = "峡窝镇扎实做好冬季疫情防控"


def pushed_internal(runner, db):
    """An issue pushed while 内部 (the default): the roster cadre 甲 received all of it, the
    self-enrolled follower o nothing (they may be sent 公开 items only)."""
    issue_id = publish(db)
    add_cadre(db, "甲", "sandbox-1", everything=True)
    open_follower(db, "sandbox-o")
    result = runner.invoke(args=["push", str(issue_id)])
    assert result.exit_code == 0, result.output
    assert inbox(db, "sandbox-o") == [] and len(inbox(db, "sandbox-1")) >= 1
    return issue_id, item_ids(db, issue_id)


def set_level(client, path, level):
    answer = client.post(path, data={"level": level, "csrf_token": page_token(client)},
                         follow_redirects=True)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def sent_titles(db, recipient):
    return json.dumps(inbox(db, recipient), ensure_ascii=False)


def test_an_item_made_public_after_the_push_reaches_the_self_enrolled_followers_once(
        app, client, runner, db):
    """Staff made an item 公开 after the push: the followers who may be sent 公开 items only
    never got it. They get it once — however often its level is changed back and forth —
    and the roster's cadres, who had it, get nothing new."""
    from push import worker

    issue_id, ids = pushed_internal(runner, db)
    roster_had = len(inbox(db, "sandbox-1"))
    login(client)
    page = set_level(client, f"/admin/items/{ids[AUDIT]}/level", "公开")
    assert "只能收到公开内容的订阅者中有 1 人" in page, page  # the console says who gets it
    worker.run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert len(inbox(db, "sandbox-o")) == 1 and AUDIT in sent_titles(db, "sandbox-o")
    assert TOWN not in sent_titles(db, "sandbox-o")

    set_level(client, f"/admin/items/{ids[TOWN]}/level", "公开")  # a second one: on its own
    for level in ("内部", "公开"):                                  # and back and forth
        set_level(client, f"/admin/items/{ids[AUDIT]}/level", level)
    worker.run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert sent_titles(db, "sandbox-o").count(AUDIT) == 1
    assert sent_titles(db, "sandbox-o").count(TOWN) == 1
    assert len(inbox(db, "sandbox-1")) == roster_had  # the roster's cadre: nothing new


def test_an_issue_made_public_after_the_push_reaches_them_once_as_the_issue(
        app, client, runner, db):
    from push import worker

    issue_id, ids = pushed_internal(runner, db)
    roster_had = len(inbox(db, "sandbox-1"))
    login(client)
    set_level(client, f"/admin/issues/{issue_id}/level", "公开")
    worker.run_until_idle(app.config["DATABASE_PATH"], app.config)
    got = sent_titles(db, "sandbox-o")
    assert all(got.count(title) == 1 for title in ids), got
    assert len(inbox(db, "sandbox-1")) == roster_had
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0  # again: nothing new
    assert sent_titles(db, "sandbox-o") == got

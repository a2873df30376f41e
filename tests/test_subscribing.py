"""订阅 / 退订 / 我的订阅 say what the push does: through the signed callback on a real SQLite
file, checked against the audience rule (subscriptions.audience) and the push's dry run.

    pytest tests/test_subscribing.py
"""

import pytest

from fixtures_chat import Chat, enrol, publish_sample
from push.publish import preview_push
from store.db import open_db
from subscriptions import audience


@pytest.fixture
def office(make_app, tmp_path):
    """make(**settings) -> (app, db, issue id, codes): the sample issue, a roster of three."""
    opened = []

    def make(**settings):
        app = make_app(**settings)
        db = open_db(app.config["DATABASE_PATH"])
        opened.append(db)
        issue_id = publish_sample(db)
        return app, db, issue_id, enrol(db, tmp_path)
    yield make
    for db in opened:
        db.conn.close()


def departments_sent(db, app, issue_id, recipient):
    """The departments of the items the push would send `recipient` ('' for the lead)."""
    reach = audience.audience(db, issue_id, audience.rule_for(app.config, "any"))
    [mine] = [r["items"] for r in reach.recipients if r["recipient"] == recipient] or [()]
    return {row[0] or "" for row in db.execute(
        f"SELECT department FROM items WHERE id IN ({','.join(map(str, mine)) or 'NULL'})")}


@pytest.mark.parametrize("follow, still, sent", [
    ("own", "每期头条和本部门（区审计局）的条目", {"", "区审计局"}),
    ("none", "每期头条", {""}),
    ("all", "每期简报的全部条目", None),
], ids=["own", "none", "all"])
def test_unsubscribing_from_everything_says_what_still_comes(office, follow, still, sent):
    """退订 全部 drops the subscriptions; what the cadre gets unasked (BOT_DEFAULT_FOLLOW)
    still comes, and the reply says so in 我的订阅's words (it used to say "不会再收到推送")."""
    app, db, issue_id, codes = office(BOT_DEFAULT_FOLLOW=follow)
    zhang = Chat(app.test_client(), "o_zhangsan")
    assert "绑定成功" in zhang.say(f"绑定 {codes['张三']}")
    assert "已订阅" in zhang.say("订阅 督查局 峡窝镇")
    reply = zhang.say("退订 全部")
    assert reply.startswith("已退订全部部门。") and "不会再收到" not in reply
    assert f"默认：您仍接收{still}。" in reply and "区委办公室" in reply
    assert zhang.say("我的订阅").startswith(f"默认：您接收{still}。")
    every = {row[0] or "" for row in db.execute("SELECT department FROM items")}
    assert departments_sent(db, app, issue_id, "o_zhangsan") == (sent or every)
    assert preview_push(db, issue_id, app.config, app.config["DATABASE_PATH"])["recipients"] == 1


def test_unsubscribing_one_department_under_the_all_default_says_it_still_comes(office):
    app, db, _, codes = office(BOT_DEFAULT_FOLLOW="all")
    zhang = Chat(app.test_client(), "o_zhangsan")
    zhang.say(f"绑定 {codes['张三']}")
    zhang.say("订阅 峡窝镇")
    reply = zhang.say("退订 峡窝镇")
    assert "已退订：峡窝镇" in reply and "默认：您仍接收每期简报的全部条目。" in reply


@pytest.mark.parametrize("text", ["退订 全部", "退订 审计", "退订", "我的订阅"],
                         ids=["unsubscribe-all", "unsubscribe-one", "bare", "my-subscriptions"])
def test_a_follower_who_never_subscribed_is_not_enrolled_by_unsubscribing(office, text):
    """Under open access 退订 (and asking 我的订阅) made the asker a follower record, and the
    push began sending them every issue's lead; now only 订阅 does."""
    app, db, issue_id, _ = office(BOT_OPEN_ACCESS=True)
    db.execute("UPDATE issues SET level = '公开'")
    db.conn.commit()
    path = app.config["DATABASE_PATH"]
    before = preview_push(db, issue_id, app.config, path)["recipients"]
    reply = Chat(app.test_client(), "o_passer_by").say(text)
    assert reply.startswith("您没有订阅任何部门，也不会收到推送。")
    assert db.execute("SELECT COUNT(*) FROM cadres WHERE openid = 'o_passer_by'").fetchone() \
        == (0,)
    assert preview_push(db, issue_id, app.config, path)["recipients"] == before


def test_a_follower_who_subscribed_unsubscribes_and_hears_the_truth(office):
    app, db, issue_id, _ = office(BOT_OPEN_ACCESS=True)
    db.execute("UPDATE issues SET level = '公开'")
    db.conn.commit()
    follower = Chat(app.test_client(), "o_follower")
    assert "已订阅：区审计局" in follower.say("订阅 审计")
    reply = follower.say("退订 全部")
    assert "默认：您仍接收每期头条。" in reply  # a follower has no department of their own
    assert departments_sent(db, app, issue_id, "o_follower") == {""}

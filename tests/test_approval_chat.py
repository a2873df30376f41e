"""What cadres see follows approval (审核): an issue awaiting approval (待审核) is not in 最新,
更多 or search, and its item pages refuse a chat reply's link; an approval or a push shows it
at once, a correction that sends an approved issue back hides it again, a pushed one stays.
The CLI's `search` (a staff tool) finds everything, marked; the demo's sample is approved
through the real path; an upgraded archive stored before approval existed stays searchable.

    pytest tests/test_approval_chat.py
"""

import json
import re

import sqlite_utils

from fixtures_chat import Chat, ITEMS, sample_issue
from test_approval import approve, office, post, upload  # noqa: F401 (office: a fixture)
from test_confidential import AUDIT, mixed_issue, wecom_app
from test_confidential_chat import say as wecom_say, text_of
from test_console import csrf_from
from test_plan import add_cadre, publish
from test_roles import sign_in

from channels import links
from store import audit, review, schema
from store.db import open_db
from store.issues import issue_items, save_issue
from store.search import search
from store.search_index import register_functions

LINK = re.compile(r'<a href="([^"]+)">')
TOWN = "峡窝镇"  # in the sample's items


def page(client, url, app):
    return client.get(url.replace(app.config["BOT_PUBLIC_URL"], "")).status_code


def test_an_upload_is_seen_in_chat_once_approved_hidden_by_a_correction_and_kept_once_pushed(
        office, db, sample_path, runner):  # noqa: F811
    app = office
    cadre = add_cadre(db, "张三", "o_zhang", everything=True)
    chat = Chat(app.test_client(), "o_zhang")
    zhang, _ = sign_in(app, "zhang")                                # editor
    li, _ = sign_in(app, "li")                                      # approvers
    wang, _ = sign_in(app, "wang")
    issue_id = upload(zhang, sample_path)                            # 待审核
    first = issue_items(db, issue_id)[0]
    link = links.item_path(app.config, first["id"], cadre_id=cadre)  # as a reply would carry

    assert chat.say("最新") == "还没有发布任何简报。"
    assert chat.say("疫情").startswith("没有找到")
    assert app.test_client().get(link).status_code == 403
    staff = runner.invoke(args=["search", "疫情"]).stdout             # the CLI sees it, marked
    assert "[待审核]" in staff
    assert {h["review_state"] for h in json.loads(
        runner.invoke(args=["search", "疫情", "--json"]).stdout)} == {"pending"}

    approve(li, issue_id)                                            # the page's version
    found = chat.say("疫情")                                         # at once: no reindex
    assert found.startswith("找到") and TOWN in found
    assert app.test_client().get(link).status_code == 200
    handed = LINK.findall(found)[0]
    assert page(app.test_client(), handed, app) == 200
    latest = chat.say("最新")
    assert latest.startswith("最新一期简报") and "更多" in latest

    wang.post(f"/admin/items/{first['id']}", data={                  # a correction: 待审核 again
        "title": "更正后的标题", "department": "", "csrf_token": csrf_from(wang.get("/admin/"))})
    assert review.state(db, issue_id)["state"] == "pending"
    assert chat.say("更多") == "这一期简报暂不可查看，请回复“最新”。"
    assert chat.say("疫情").startswith("没有找到")
    assert page(app.test_client(), handed, app) == 403                # the link it handed out
    assert chat.say("最新") == "还没有发布任何简报。"

    approve(li, issue_id)                                            # the page's version
    assert post(li, f"/admin/issues/{issue_id}/push").status_code == 200
    wang.post(f"/admin/items/{first['id']}", data={                  # pushed: stays pushed
        "title": "再次更正的标题", "department": "", "note": "标题有误",
        "csrf_token": csrf_from(wang.get("/admin/"))})
    assert review.state(db, issue_id)["state"] == "pushed"
    assert chat.say("疫情").startswith("找到") and "再次更正的标题" in chat.say("最新")
    assert page(app.test_client(), handed, app) == 200


def test_the_latest_approved_issue_is_latest_while_a_newer_one_awaits_approval(app, db):
    publish(db)                                                      # approved, 2021-01-06
    newer = publish(db, sample_issue(date="2021-02-03", number="第2期"), approve=False)
    add_cadre(db, "张三", "o_zhang", everything=True)
    chat = Chat(app.test_client(), "o_zhang")
    assert "2021-01-06" in chat.say("最新")
    assert ITEMS[-1][1] not in chat.say("发展研究")                    # only in the newer one
    review.approve(db, newer, "approver")
    assert "2021-02-03" in chat.say("最新")
    assert ITEMS[-1][1] in chat.say("发展研究")


def test_wecom_nothing_of_an_issue_awaiting_approval_is_sent(fake_wechat, make_app):
    """No confidential message and no passive reply lists a 待审核 issue's 内部 items."""
    app, db = wecom_app(fake_wechat, make_app)
    issue_id, ids = mixed_issue(db)
    db.execute("UPDATE issues SET review_state = 'pending' WHERE id = ?", [issue_id])
    db.conn.commit()
    add_cadre(db, "甲", "m1", ["区审计局"], identity="userid")
    fake_wechat.add_members(["m1"])
    assert wecom_say(app, "审计", 9801).startswith("没有找到")
    assert wecom_say(app, "最新", 9802) == "还没有发布任何简报。"
    assert fake_wechat.received("m1") == []
    review.approve(db, issue_id, "approver")
    assert wecom_say(app, "审计", 9803) == ""                        # now sent, safe
    [message] = fake_wechat.received("m1")
    assert message["safe"] == 1 and AUDIT in text_of(message)
    db.conn.close()


def test_the_demo_sample_is_approved_so_the_sandbox_phone_finds_it(make_app):
    from web.demo import load_demo

    app = make_app(BOT_ADMIN_PASSWORD=None)
    db = open_db(app.config["DATABASE_PATH"])
    summary = load_demo(db, app.config)
    assert review.state(db, summary["issue_id"])["state"] == "approved"
    reader = summary["cadres"][0]
    chat = Chat(app.test_client(), reader["openid"])
    assert chat.say("疫情").startswith("找到") and chat.say("最新").startswith("最新一期简报")
    db.conn.close()


# ---- upgrading (m016) -----------------------------------------------------------------------

def test_an_archive_stored_before_approval_existed_stays_searchable_after_the_upgrade(tmp_path):
    """m012 left unpushed issues 待审核; m016 approves those stored before m012 and never
    touched since (as `upgrade`, logged), holds what was uploaded since, and the index
    follows both."""
    path = str(tmp_path / "old.sqlite3")
    old = sqlite_utils.Database(path)
    register_functions(old.conn)
    schema.migrations.apply(old, stop_before="m016_held_until_approved")
    archive, _ = save_issue(old, sample_issue(date="2020-06-01", number="第9期"), source="old")
    uploaded, _ = save_issue(old, sample_issue(date="2021-01-06"), source="new")
    pushed, _ = save_issue(old, sample_issue(date="2020-05-01", number="第8期"), source="old")
    old.execute("UPDATE issues SET created_at = '2019-01-01T00:00:00Z' WHERE id IN (?, ?)",
                [archive, pushed])                                   # before m012 ran
    old.execute("UPDATE issues SET review_state = 'pushed' WHERE id = ?", [pushed])
    old.execute("UPDATE issues SET uploaded_by = 'zhang' WHERE id = ?", [uploaded])
    old.conn.commit()
    old.conn.close()

    db = open_db(path)                                               # the upgrade
    states = dict(db.execute("SELECT id, review_state FROM issues").fetchall())
    assert states == {archive: "approved", pushed: "pushed", uploaded: "pending"}
    assert review.state(db, archive)["approved_by"] == "upgrade"
    assert [(e["who"], e["action"], e["target"]) for e in audit.entries(db)] == [
        ("upgrade", "approve", f"issue:{archive}")]
    dates = {hit["date"] for hit in search(db, "疫情", per_page=50).hits}
    assert dates == {"2020-06-01", "2020-05-01"}                     # not the one uploaded since
    assert "2021-01-06" in {h["date"] for h in search(db, "疫情", per_page=50, held=True).hits}
    held = db.execute("SELECT COUNT(*) FROM items_search WHERE items_search MATCH"
                      " 'filters : \"held\"'").fetchone()[0]
    assert held == len(ITEMS)
    db.execute("INSERT INTO items_search (items_search) VALUES ('integrity-check')")
    db.conn.close()


def test_an_archive_stored_before_the_public_token_is_found_by_followers_after_the_upgrade(
        tmp_path):
    """The migration that writes 公开 into the index rewrites the rows already there: an
    issue marked 公开 before it (an item of it 内部 on its own, an item of a 内部 issue 公开 on
    its own) is found by a follower as the levels say, held items still left out."""
    from store import levels

    path = str(tmp_path / "old.sqlite3")
    old = sqlite_utils.Database(path)
    register_functions(old.conn)
    schema.migrations.apply(old, stop_before="m020_public_in_the_index")
    public, _ = save_issue(old, sample_issue(date="2020-06-01", number="第9期"), source="old")
    internal, _ = save_issue(old, sample_issue(date="2020-05-01", number="第8期"), source="old")
    held, _ = save_issue(old, sample_issue(date="2021-01-06"), source="new")
    for issue_id in (public, internal):
        old.execute("UPDATE issues SET review_state = 'approved' WHERE id = ?", [issue_id])
    for issue_id in (public, held):
        old.execute("UPDATE issues SET level = '公开' WHERE id = ?", [issue_id])
    town = {i: old.execute("SELECT id FROM items WHERE issue_id = ? AND department = '峡窝镇'",
                           [i]).fetchone()[0] for i in (public, internal)}
    old.execute("UPDATE items SET level = '内部' WHERE id = ?", [town[public]])
    old.execute("UPDATE items SET level = '公开' WHERE id = ?", [town[internal]])
    old.conn.commit()
    old.conn.close()

    db = open_db(path)                                               # the upgrade
    found = search(db, "疫情", per_page=50, public_only=True).hits
    expected = [i for i in issue_items_ids(db, public) if levels.item_level(db, i) == "公开"
                and "疫情" in text_of_item(db, i)] + [town[internal]]
    assert sorted(hit["item_id"] for hit in found) == sorted(expected)
    assert town[public] not in {hit["item_id"] for hit in found}
    assert len(search(db, "疫情", per_page=50).hits) > len(found)    # a cadre: everything
    db.execute("INSERT INTO items_search (items_search) VALUES ('integrity-check')")
    db.conn.close()


def issue_items_ids(db, issue_id):
    return [row[0] for row in db.execute("SELECT id FROM items WHERE issue_id = ?", [issue_id])]


def text_of_item(db, item_id):
    return "".join(db.execute("SELECT title, body FROM items WHERE id = ?", [item_id]).fetchone())

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

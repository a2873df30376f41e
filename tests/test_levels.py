"""公开 and 内部: an issue's level (default 内部) and an item's override; followers who enrolled
themselves under BOT_OPEN_ACCESS=1 never get 内部 items — not in a push, not in search, not
on an item page — while roster cadres get everything they follow."""

from channels import links
from store import audit, binding, levels, review
from store.search import search
from subscriptions.audience import Rule, audience
from test_console import csrf_from, login
from store.issues import issue_items
from test_plan import add_cadre, publish


def item_ids(db, issue_id):
    return [item["id"] for item in issue_items(db, issue_id)]


def open_follower(db, openid="o_public"):
    cadre = binding.enrol(db, openid=openid)
    db.execute("UPDATE cadres SET subscribe_all = 1 WHERE id = ?", [cadre["id"]])
    db.conn.commit()
    return cadre["id"]


def received(db, issue_id):
    reach = audience(db, issue_id, Rule("openid", "all"))
    return {r["recipient"]: r["items"] for r in reach.recipients}


def test_an_issue_is_internal_by_default_and_self_enrolled_followers_get_nothing_of_it(db):
    issue_id = publish(db)
    open_follower(db)
    add_cadre(db, "张三", "o_roster", everything=True)
    assert levels.issue_levels(db, issue_id)["issue"] == "内部"
    assert received(db, issue_id) == {"o_roster": tuple(item_ids(db, issue_id))}


def test_public_items_reach_self_enrolled_followers_and_an_item_can_stay_internal(db):
    issue_id = publish(db)
    open_follower(db)
    ids = item_ids(db, issue_id)
    levels.set_issue_level(db, issue_id, "公开")
    levels.set_item_level(db, ids[1], "内部")
    assert received(db, issue_id)["o_public"] == tuple(i for i in ids if i != ids[1])
    levels.set_item_level(db, ids[1], None)                 # back to the issue's level
    assert received(db, issue_id)["o_public"] == tuple(ids)


def test_search_for_open_access_finds_public_items_only(db):
    issue_id = publish(db)
    ids = item_ids(db, issue_id)
    everything = search(db, "审计")
    assert everything.hits
    assert search(db, "审计", public_only=True).hits == []
    levels.set_issue_level(db, issue_id, "公开")
    assert [h["item_id"] for h in search(db, "审计", public_only=True).hits] == \
        [h["item_id"] for h in everything.hits]
    levels.set_item_level(db, everything.hits[0]["item_id"], "内部")
    assert everything.hits[0]["item_id"] not in [
        h["item_id"] for h in search(db, "审计", public_only=True).hits]
    assert ids


def test_an_internal_item_page_is_refused_to_a_self_enrolled_follower(app, client, db):
    issue_id = publish(db)
    follower = open_follower(db)
    roster = add_cadre(db, "张三", "o_roster", everything=True)
    item_id = item_ids(db, issue_id)[0]
    assert client.get(links.item_path(app.config, item_id, cadre_id=follower)).status_code == 403
    page = client.get(links.item_path(app.config, item_id, cadre_id=roster))
    from web.render import watermark_svg
    assert page.status_code == 200
    assert watermark_svg("张三 · 内部资料") in page.get_data(as_text=True)  # the reader's watermark
    levels.set_issue_level(db, issue_id, "公开")
    assert client.get(links.item_path(app.config, item_id, cadre_id=follower)).status_code == 200


def test_the_console_overrides_levels_like_a_correction(client, db):
    issue_id = publish(db)
    item_id = item_ids(db, issue_id)[0]
    review.changed(db, issue_id, "zhang", uploaded=True)
    review.approve(db, issue_id, "li")
    login(client)
    token = csrf_from(client.get(f"/admin/issues/{issue_id}"))
    client.post(f"/admin/items/{item_id}/level", data={"level": "公开", "csrf_token": token})
    assert levels.issue_levels(db, issue_id)["items"][item_id] == ("公开", "公开")
    assert review.state(db, issue_id)["state"] == "pending"   # back to 待审核
    client.post(f"/admin/issues/{issue_id}/level", data={"level": "公开", "csrf_token": token})
    assert levels.issue_levels(db, issue_id)["issue"] == "公开"
    bad = client.post(f"/admin/issues/{issue_id}/level", follow_redirects=True,
                      data={"level": "秘密", "csrf_token": token})
    assert bad.status_code == 200 and levels.issue_levels(db, issue_id)["issue"] == "公开"
    assert [(r["target"], r["details"]) for r in reversed(audit.entries(db, action="classify"))] == [
        (f"item:{item_id}", {"before": None, "after": "公开"}),
        (f"issue:{issue_id}", {"before": "内部", "after": "公开"})]
    page = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    assert "密级" in page and "随本期（公开）" in page

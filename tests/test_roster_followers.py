"""A WeCom follower (open access: chatted, subscribed, before the office put them on the
roster) whom the roster later adds — by `roster sync` from the address book, a contact-change
event, or `roster import` of a CSV naming their userid — is merged with their follower record
as `绑定` merges it (store.binding): one cadre, the roster's, with the follower's
subscriptions added and their chat state kept, who now reads 内部 items too.

Everything real: WeCom through wechatpy against the fake server, the CLI, a SQLite file.
"""

import json

import pytest
from test_confidential import AUDIT, AUDIT2, TOWN, items_of, mixed_issue, wecom_app
from test_confidential_chat import say

from store import chat_state
from store.addressbook import apply_member_change
from store.departments import learn

BOOK_DEPARTMENTS = [{"id": 1, "name": "测试区", "parentid": 0},
                    {"id": 2, "name": "区审计局", "parentid": 1},
                    {"id": 3, "name": "区督查局", "parentid": 1}]


@pytest.fixture
def office(fake_wechat, make_app):
    """WeCom under open access, the mixed issue stored (its 区审计局 items 内部), and
    outsider `m9` in the corp: a follower who subscribed to 区督查局 and searched."""
    app, db = wecom_app(fake_wechat, make_app)
    app.config["BOT_OPEN_ACCESS"] = True
    _, ids = mixed_issue(db)
    fake_wechat.add_members(["m9"])
    assert say(app, "订阅 督查局", 9901, user="m9").startswith("已订阅：区督查局")
    assert AUDIT not in say(app, "审计", 9902, user="m9")               # 公开 only
    assert TOWN in say(app, "疫情", 9905, user="m9")                    # 更多 would go on
    follower = cadres_of(db, "m9")
    assert [c["open_access"] for c in follower] == [1]
    yield app, db, ids, follower[0]
    db.conn.close()


def cadres_of(db, userid):
    return [dict(row) for row in db.query("SELECT * FROM cadres WHERE userid = ?", [userid])]


def subscriptions_of(db, cadre_id):
    return {row[0] for row in db.execute(
        "SELECT d.name FROM subscriptions s JOIN departments d ON d.id = s.department_id"
        " WHERE s.cadre_id = ?", [cadre_id])}


def assert_merged(app, db, fake_wechat, follower, name, kept=("区督查局",)):
    """One record for m9, the roster's (not open access), with the follower's subscriptions;
    the follower's chat state (their last search) is kept; a search now lists the 内部 items
    (a safe message)."""
    [cadre] = cadres_of(db, "m9")
    assert (cadre["name"], cadre["open_access"]) == (name, 0)
    assert db.execute("SELECT COUNT(*) FROM cadres WHERE id = ?", [follower["id"]]).fetchone()[0] \
        == (1 if cadre["id"] == follower["id"] else 0)
    assert set(kept) <= subscriptions_of(db, cadre["id"])
    assert chat_state.load_state(db, "m9")["query"] == "疫情"
    assert "区督查局" in say(app, "我的订阅", 9903, user="m9")
    assert say(app, "审计", 9904, user="m9") == ""                     # 内部: sent as safe
    [message] = fake_wechat.received("m9")
    assert message["safe"] == 1 and set(items_of(message["body"])) == internal(db)
    return cadre


def internal(db):
    return {row[0] for row in db.execute("SELECT id FROM items WHERE title IN (?, ?)",
                                         [AUDIT, AUDIT2])}


def test_a_roster_import_naming_a_followers_userid_merges_them(office, fake_wechat, tmp_path):
    app, db, ids, follower = office
    path = tmp_path / "roster.csv"
    path.write_text("name,department,mobile,userid,subscriptions\n"
                    "李四,区审计局,13900000009,m9,审计\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 0, result.output
    cadre = assert_merged(app, db, fake_wechat, follower, "李四", kept=("区督查局", "区审计局"))
    assert cadre["mobile"] == "13900000009"


def test_a_sync_adding_a_follower_merges_them(office, fake_wechat):
    app, db, ids, follower = office
    fake_wechat.set_address_book(BOOK_DEPARTMENTS, [
        {"userid": "m9", "name": "李四", "department": [2], "mobile": "13900000009"}])
    result = app.test_cli_runner().invoke(args=["roster", "sync", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["added"] == 1
    cadre = assert_merged(app, db, fake_wechat, follower, "李四")
    assert cadre["synced_at"] and cadre["department"] == "区审计局"


def test_a_sync_matching_a_csv_cadre_by_mobile_merges_the_follower_into_them(office,
                                                                             fake_wechat):
    """The office imported 李四 without a userid; m9 chatted as a follower meanwhile; the
    book lists m9 with 李四's mobile: 李四 takes the userid and the follower is merged into
    them (it used to stop the sync: the userid was the follower's)."""
    app, db, ids, follower = office
    li = db["cadres"].insert({"name": "李四", "department": "区审计局",
                              "department_id": learn(db, "区审计局"),
                              "mobile": "13900000009"}).last_pk
    fake_wechat.set_address_book(BOOK_DEPARTMENTS, [
        {"userid": "m9", "name": "李四", "department": [2], "mobile": "13900000009"}])
    result = app.test_cli_runner().invoke(args=["roster", "sync", "--json"])
    assert result.exit_code == 0, result.output
    cadre = assert_merged(app, db, fake_wechat, follower, "李四")
    assert cadre["id"] == li


def test_a_contact_event_adding_a_follower_merges_them(office, fake_wechat):
    app, db, ids, follower = office
    learn(db, "区审计局")
    assert apply_member_change(db, {"change": "create_user", "userid": "m9", "name": "李四",
                                    "department": [], "mobile": "13900000009"}) == "added"
    assert_merged(app, db, fake_wechat, follower, "李四")

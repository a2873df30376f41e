"""Item pages that know their reader (BOT_READER_OAUTH, on by default): WeChat's snsapi_base on
the fake server, WeCom and the Official Account — identified, counted, forwarded links refused."""

import json
import re
from urllib.parse import unquote

import pytest

from fake_oauth import WECHAT_PHONE, WECOM_PHONE
from store.db import open_db
from test_plan import add_cadre, item_ids, message_urls, publish

AUDIT = "区审计局“四个一”提升信息宣传工作"


def wecom(fake_wechat, make_app):
    app = make_app(**fake_wechat.app_config("work"))
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    ids = {name: add_cadre(db, name, user, [dept], identity="userid")
           for name, user, dept in (("甲", "m1", "区审计局"), ("乙", "m2", "区审计局"),
                                    ("丙", "m3", "峡窝镇"))}
    fake_wechat.add_members(["m1", "m2", "m3"])
    assert app.test_cli_runner().invoke(args=["push", str(issue_id)]).exit_code == 0
    return app, db, issue_id, ids


def link_of(fake_wechat, user, item_id):
    for message in fake_wechat.received(user):  # 内部 (the default): WeCom's safe text
        for url in message_urls(message["body"]):
            if f"/items/{item_id}?" in url:
                return url.replace("http://jianbao.test", "")
    raise AssertionError(f"{user} got no link to {item_id}")


def test_a_wecom_reader_of_a_group_link_is_identified_and_counted(fake_wechat, make_app):
    app, db, issue_id, ids = wecom(fake_wechat, make_app)
    item_id = item_ids(db, issue_id)[AUDIT]
    client = app.test_client()
    page = fake_wechat.open_on_phone(client, "m1", link_of(fake_wechat, "m1", item_id), WECOM_PHONE)
    assert page.status_code == 200 and AUDIT in page.get_data(as_text=True)
    assert "甲 · 内部资料" in unquote(page.get_data(as_text=True))  # the real reader
    readers = [r for (r,) in db.execute("SELECT reader FROM read_receipts")]
    assert readers == [f"c:{ids['甲']}"]
    again = client.get(link_of(fake_wechat, "m1", item_id), headers=WECOM_PHONE)
    assert again.status_code == 200  # the reader cookie: no second round trip
    result = app.test_cli_runner().invoke(args=["remind", str(issue_id), "--json"])
    assert json.loads(result.stdout) == {"issue": issue_id, "reminded": 2, "already_read": 1,
                                         "skipped": 0}  # 乙 shares 甲's group yet is named unread
    db.conn.close()


def test_a_forwarded_link_opened_by_someone_outside_the_group_is_refused(fake_wechat, make_app):
    app, db, issue_id, ids = wecom(fake_wechat, make_app)
    item_id = item_ids(db, issue_id)[AUDIT]
    forwarded = link_of(fake_wechat, "m1", item_id)
    page = fake_wechat.open_on_phone(app.test_client(), "m3", forwarded, WECOM_PHONE)
    assert page.status_code == 403 and AUDIT not in page.get_data(as_text=True)
    stranger = fake_wechat.open_on_phone(app.test_client(), "not-a-member", forwarded, WECOM_PHONE)
    assert stranger.status_code == 403
    assert db.execute("SELECT COUNT(*) FROM read_receipts").fetchone()[0] == 0
    db.conn.close()


def test_a_removed_cadre_opens_nothing_and_a_desktop_browser_is_told_to_use_wechat(
        fake_wechat, make_app):
    app, db, issue_id, ids = wecom(fake_wechat, make_app)
    item_id = item_ids(db, issue_id)[AUDIT]
    link = link_of(fake_wechat, "m2", item_id)
    desktop = app.test_client().get(link, headers={"User-Agent": "Mozilla/5.0 (X11; Linux)"})
    assert desktop.status_code == 403 and "请在微信或企业微信中打开" in desktop.get_data(as_text=True)
    assert app.test_cli_runner().invoke(args=["roster", "remove", str(ids["乙"])]).exit_code == 0
    page = fake_wechat.open_on_phone(app.test_client(), "m2", link, WECOM_PHONE)
    assert page.status_code == 403 and AUDIT not in page.get_data(as_text=True)
    db.conn.close()


def test_a_bad_code_is_refused(fake_wechat, make_app):
    app, db, issue_id, ids = wecom(fake_wechat, make_app)
    link = link_of(fake_wechat, "m1", item_ids(db, issue_id)[AUDIT])
    page = app.test_client().get(link + "&code=forged&state=read", headers=WECOM_PHONE)
    assert page.status_code == 403
    db.conn.close()


def test_an_official_account_reader_is_identified_by_openid(fake_wechat, make_app):
    app = make_app(**fake_wechat.app_config("mp"))
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    cadre = add_cadre(db, "甲", "o1", ["区审计局"])
    add_cadre(db, "丙", "o3", ["峡窝镇"])
    fake_wechat.add_followers(["o1", "o3"])
    assert app.test_cli_runner().invoke(args=["push", str(issue_id)]).exit_code == 0
    item_id = item_ids(db, issue_id)[AUDIT]
    listing = fake_wechat.received("o1")[0]["body"]["text"]["content"]
    path = next(url for url in re.findall(r'<a href="([^"]+)">', listing)
                if f"/items/{item_id}?" in url).replace("http://jianbao.test", "")
    page = fake_wechat.open_on_phone(app.test_client(), "o1", path, WECHAT_PHONE)
    assert page.status_code == 200 and "甲 · 内部资料" in unquote(page.get_data(as_text=True))
    assert [r for (r,) in db.execute("SELECT reader FROM read_receipts")] == [f"c:{cadre}"]
    other = fake_wechat.open_on_phone(app.test_client(), "o3", path, WECHAT_PHONE)
    assert other.status_code == 403
    db.conn.close()


def test_a_chat_replys_link_opens_for_its_own_cadre_and_no_one_else(fake_wechat, make_app):
    """A search answer links items the cadre was not pushed (another department's): the link
    names that cadre, so WeChat's identity must be theirs."""
    from channels.links import item_url

    app, db, issue_id, ids = wecom(fake_wechat, make_app)
    town = next(i for t, i in item_ids(db, issue_id).items() if t != AUDIT
                and i not in _received(db, ids["甲"]))
    with app.app_context():
        reply_link = item_url(app.config, town, cadre_id=ids["甲"])  # as handlers.searching
    page = fake_wechat.open_on_phone(app.test_client(), "m1", reply_link, WECOM_PHONE)
    assert page.status_code == 200 and "甲 · 内部资料" in unquote(page.get_data(as_text=True))
    other = fake_wechat.open_on_phone(app.test_client(), "m2", reply_link, WECOM_PHONE)
    assert other.status_code == 403  # forwarded to 乙, who was not sent it either
    db.conn.close()


def _received(db, cadre_id):
    return {i for (items,) in db.execute(
        "SELECT items FROM deliveries WHERE cadre_id = ? AND kind = 'issue'", [cadre_id])
        for i in json.loads(items)}


def test_the_consoles_card_preview_opens_for_a_signed_in_account_only(fake_wechat, make_app):
    from channels.links import item_path
    from test_console import login

    app, db, issue_id, ids = wecom(fake_wechat, make_app)
    item_id = item_ids(db, issue_id)[AUDIT]
    with app.app_context():
        preview = item_path(app.config, item_id)  # as the issue page's card preview links
    desktop = {"User-Agent": "Mozilla/5.0 (X11; Linux)"}
    stranger = app.test_client().get(preview, headers=desktop)
    assert stranger.status_code == 403 and AUDIT not in stranger.get_data(as_text=True)
    staff = app.test_client()
    login(staff)
    page = staff.get(preview, headers=desktop)
    assert page.status_code == 200 and AUDIT in page.get_data(as_text=True)
    assert db.execute("SELECT COUNT(*) FROM read_receipts").fetchone()[0] == 0
    db.conn.close()


def test_an_open_access_follower_who_only_reads_opens_public_items_from_search(fake_wechat,
                                                                             make_app):
    """BOT_OPEN_ACCESS on the Official Account: searching enrols nobody, so the follower has
    no cadre record; WeChat names them, and the page shows 公开 items from links made for no
    cadre — never a 内部 one, never a link made for a cadre."""
    from channels.links import item_url
    from fixtures_chat import Chat, signed_args
    from store import levels

    app = make_app(**fake_wechat.app_config("mp"), BOT_OPEN_ACCESS=True)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    levels.set_issue_level(db, issue_id, "公开")
    reply = Chat(app.test_client(), "o_public", signed_args(app.config["WECHAT_TOKEN"])).say("审计")
    link = re.findall(r'<a href="([^"]+)">', reply)[0].replace("http://jianbao.test", "")
    page = fake_wechat.open_on_phone(app.test_client(), "o_public", link, WECHAT_PHONE)
    assert page.status_code == 200
    assert db.execute("SELECT COUNT(*) FROM cadres").fetchone()[0] == 0   # still nobody enrolled
    item_id = int(re.search(r"/items/(\d+)", link).group(1))
    levels.set_item_level(db, item_id, "内部")
    assert fake_wechat.open_on_phone(app.test_client(), "o_public", link,
                                     WECHAT_PHONE).status_code == 403
    cadre = add_cadre(db, "甲", "o1", ["区审计局"])
    with app.app_context():
        addressed = item_url(app.config, item_ids(db, issue_id)[AUDIT], cadre_id=cadre)
    assert fake_wechat.open_on_phone(app.test_client(), "o_public", addressed.replace(
        "http://jianbao.test", ""), WECHAT_PHONE).status_code == 403
    db.conn.close()


@pytest.mark.parametrize("channel, path, user, fault", [
    ("work", "user/getuserinfo", "m1", {"http": 500}),
    ("work", "user/getuserinfo", "m1", {"errcode": -1}),
    ("mp", "sns/oauth2/access_token", "o1", {"http": 502}),
    ("mp", "sns/oauth2/access_token", "o1", {"errcode": -1}),
])
def test_wechat_down_while_naming_the_reader_says_try_again_not_link_invalid(
        fake_wechat, make_app, channel, path, user, fault):
    """The code exchange failing for a passing reason (5xx, -1 busy) is not the reader's
    fault: 503 and "try again", and the same link opens once WeChat answers again."""
    app = make_app(**fake_wechat.app_config(channel))
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    add_cadre(db, "甲", user, ["区审计局"], identity="userid" if channel == "work" else "openid")
    (fake_wechat.add_members if channel == "work" else fake_wechat.add_followers)([user])
    assert app.test_cli_runner().invoke(args=["push", str(issue_id)]).exit_code == 0
    link = link_of(fake_wechat, user, item_ids(db, issue_id)[AUDIT])
    phone = WECOM_PHONE if channel == "work" else WECHAT_PHONE
    fake_wechat.inject(path, **fault)
    down = fake_wechat.open_on_phone(app.test_client(), user, link, phone)
    assert down.status_code == 503 and "稍后" in down.get_data(as_text=True)
    assert fake_wechat.open_on_phone(app.test_client(), user, link, phone).status_code == 200
    db.conn.close()

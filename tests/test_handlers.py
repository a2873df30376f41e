"""Every command, through the dispatcher without HTTP: messages built with
wechatpy.parse_message, answered by handlers.chat.answer on a real SQLite file."""

import itertools

import pytest
import xmltodict
from wechatpy import parse_message

from fixtures_chat import enrol, event_xml, image_xml, publish_sample, text_xml
from handlers.access import how_to_bind
from handlers.chat import answer
from handlers.replies import TEXT_LIMIT
from handlers.router import router
from store import binding, roster
from subscriptions import subscribe as store

IDS = itertools.count(10_000)


class Phone:
    """One user talking to the dispatcher directly."""

    def __init__(self, db, config, user):
        self.db, self.config, self.user = db, config, user

    def send(self, xml):
        reply = answer(self.db, self.config, parse_message(xml))
        assert len(reply.encode("utf-8")) < 4096
        return xmltodict.parse(reply)["xml"].get("Content", "") if reply else ""

    def say(self, text):
        reply = self.send(text_xml(self.user, text, next(IDS)))
        assert len(reply.encode("utf-8")) <= TEXT_LIMIT
        return reply

    def click(self, key):
        return self.send(event_xml(self.user, "CLICK", key=key, created=next(IDS)))


@pytest.fixture
def world(app, db, tmp_path):
    """The sample issue published, a roster of three, codes issued."""
    publish_sample(db)
    return enrol(db, tmp_path)


@pytest.fixture
def zhang(app, db, world):
    phone = Phone(db, app.config, "o_zhangsan")
    assert "绑定成功" in phone.say(f"绑定 {world['张三']}")
    return phone


def cadre_id(db, name):
    return next(c["id"] for c in roster.list_cadres(db) if c["name"] == name)


# ---- access and binding ----------------------------------------------------------------------

@pytest.mark.parametrize("text", ["帮助", "最新", "部门", "订阅 审计", "疫情", "123456"])
def test_unbound_users_get_only_the_binding_explanation(app, db, world, text):
    assert Phone(db, app.config, "o_stranger").say(text) == how_to_bind({})


def test_unbound_menu_click_gets_the_binding_explanation(app, db, world):
    assert Phone(db, app.config, "o_stranger").click("LATEST") == how_to_bind({})


def test_bind_with_a_code_then_the_code_is_spent(app, db, world):
    phone = Phone(db, app.config, "o_zhangsan")
    reply = phone.say(f"绑定 {world['张三']}")
    assert "绑定成功" in reply and "张三" in reply and "区审计局" in reply
    assert binding.cadre_for(db, openid="o_zhangsan")["name"] == "张三"
    assert "已绑定为张三" in phone.say(f"绑定 {world['张三']}")
    other = Phone(db, app.config, "o_someone_else")
    assert "已被使用" in other.say(f"绑定 {world['张三']}")


def test_bind_wrong_or_malformed_codes(app, db, world):
    phone = Phone(db, app.config, "o_guess")
    assert "不正确" in phone.say("绑定 00000000")
    assert "6位以上数字" in phone.say("绑定 abc")
    assert "6位以上数字" in phone.say("绑定")
    assert "6位以上数字" in phone.say("绑定 12")


def test_bind_accepts_full_width_separators_and_spaces(app, db, world):
    code = world["王五"]
    phone = Phone(db, app.config, "o_wangwu")
    assert "绑定成功" in phone.say(f"绑定：{code[:4]} {code[4:]}")


def test_removed_cadres_are_treated_as_unbound(app, db, zhang):
    roster.remove_cadre(db, cadre_id(db, "张三"))
    assert zhang.say("我的订阅") == how_to_bind({})


def test_open_access_lets_any_follower_read_and_subscribe(make_app, db):
    app = make_app(BOT_OPEN_ACCESS=True)
    publish_sample(db)
    phone = Phone(db, app.config, "o_public")
    assert phone.say("疫情").startswith("没有找到")     # an issue is 内部 until made 公开
    from store import levels
    levels.set_issue_level(db, db.execute("SELECT id FROM issues").fetchone()[0], "公开")
    assert phone.say("疫情").startswith("找到")
    assert "区审计局" in phone.say("部门")
    assert db.execute("SELECT COUNT(*) FROM cadres").fetchone()[0] == 0  # reading enrols nobody
    assert "区审计局" in phone.say("订阅 审计")
    follower = binding.cadre_for(db, openid="o_public")
    assert follower is not None
    assert [d["name"] for d in store.subscriptions_of(db, follower["id"])["departments"]] == ["区审计局"]
    assert "区审计局" in phone.say("我的订阅")


def test_open_access_does_not_revive_a_removed_follower(make_app, db):
    app = make_app(BOT_OPEN_ACCESS=True)
    publish_sample(db)
    phone = Phone(db, app.config, "o_public")
    phone.say("订阅 审计")
    roster.remove_cadre(db, binding.cadre_for(db, openid="o_public")["id"])
    assert "绑定" in phone.say("订阅 审计")


# ---- follow, help, menu, non-text --------------------------------------------------------------

def test_follow_event_welcomes_with_help_when_bound_and_binding_hint_when_not(app, db, zhang):
    welcome = zhang.send(event_xml("o_zhangsan", "subscribe", created=next(IDS)))
    assert "欢迎" in welcome and "订阅 部门" in welcome
    stranger = Phone(db, app.config, "o_new").send(
        event_xml("o_new", "subscribe", key="qrscene_123", created=next(IDS)))
    assert "欢迎" in stranger and how_to_bind({}) in stranger


def test_help_is_generated_from_every_handlers_help_text(zhang):
    reply = zhang.say("帮助")
    assert router.help_lines()  # the handlers carry help text ...
    for line in router.help_lines():
        assert line.split("{")[0] in reply  # ... and 帮助 shows all of it
    for word in ("订阅", "退订", "我的订阅", "部门", "最新", "绑定", "更多"):
        assert word in reply
    assert "{" not in reply
    assert zhang.click("HELP") == reply


def test_help_examples_come_from_the_offices_own_departments_and_items(app, db, zhang):
    """No example is built in: 帮助 and "nothing found" quote this office's departments,
    words and months, so another office sees its own."""
    from store import departments
    from store.examples import examples

    ex = examples(db)
    reply = zhang.say("帮助")
    assert f"订阅 {ex.short}" in reply and ex.queries() in reply
    assert ex.short in departments.cores(db).values()
    assert ex.keyword in " ".join(r[0] for r in db.execute("SELECT title FROM items"))
    assert ex.month == db.execute("SELECT substr(MAX(date), 1, 7) FROM issues").fetchone()[0]
    assert ex.queries() in zhang.say("毫无关系的词语组合甲乙丙")


def test_help_examples_are_neutral_before_any_data(make_app):
    from store.db import open_db
    from store.examples import examples

    app = make_app()
    fresh = open_db(app.config["DATABASE_PATH"])
    ex = examples(fresh)
    assert (ex.short, ex.keyword, ex.month) == ("部门简称", "关键词", None)
    fresh.conn.close()


def test_menu_keys_map_to_the_same_handlers(zhang):
    assert zhang.click("DEPARTMENTS") == zhang.say("部门")
    assert zhang.click("MY_SUBSCRIPTIONS") == zhang.say("我的订阅")
    assert zhang.click("LATEST").split("\n")[0] == zhang.say("最新").split("\n")[0]
    unknown = zhang.click("NO_SUCH_KEY")
    assert "暂不可用" in unknown and "订阅 部门" in unknown


def test_unfollow_gets_no_reply_and_images_a_polite_one(db, zhang):
    assert zhang.send(event_xml("o_zhangsan", "unsubscribe", created=next(IDS))) == ""
    assert "文字" in zhang.send(image_xml("o_zhangsan", next(IDS)))


# ---- subscriptions -----------------------------------------------------------------------------

def test_subscribe_by_short_and_variant_names(db, zhang):
    reply = zhang.say("订阅 审计 督察局")
    assert "已订阅：区审计局、区督查局" in reply
    mine = store.subscriptions_of(db, cadre_id(db, "张三"))
    assert [d["name"] for d in mine["departments"]] == sorted(["区审计局", "区督查局"])
    assert "区督查局" in zhang.say("我的订阅") and "2个部门" in zhang.say("我的订阅")


def test_subscribe_reports_unknown_departments(zhang):
    reply = zhang.say("订阅 卫健，不存在的局局长")
    assert "已订阅：区卫健委" in reply and "没有找到部门：不存在的局局长" in reply
    assert "请在“订阅”后写部门名" in zhang.say("订阅")


def test_ambiguous_department_gets_a_numbered_choice_then_the_number_picks(db, zhang):
    reply = zhang.say("订阅 发")
    assert "1. 区发改委" in reply and "2. 区发展研究中心" in reply
    assert store.subscriptions_of(db, cadre_id(db, "张三"))["departments"] == []  # no guess
    assert "已订阅：区发展研究中心" in zhang.say("2")
    assert [d["name"] for d in store.subscriptions_of(db, cadre_id(db, "张三"))["departments"]] \
        == ["区发展研究中心"]
    assert "已订阅" not in zhang.say("2")  # the choice is spent: "2" is now a query


def test_unsubscribe_and_unsubscribe_all(db, zhang):
    zhang.say("订阅 审计 督查局 峡窝镇")
    unsubscribed = zhang.say("退订 审计")
    assert "已退订：区审计局" in unsubscribed
    assert "本部门" in unsubscribed  # 张三's own department still comes by default
    mine = zhang.say("我的订阅")
    assert mine.startswith("默认：您接收每期头条和本部门（区审计局）的条目。")
    assert "区审计局" not in mine.split("\n", 1)[1]
    assert "已退订全部" in zhang.say("退订 全部")
    assert "还没有另外订阅" in zhang.say("我的订阅")


@pytest.mark.parametrize("follow, first_line", [
    ("own", "默认：您接收每期头条和本部门（区审计局）的条目。"),
    ("none", "默认：您接收每期头条。"),
    ("all", "默认：您接收每期简报的全部条目。"),
])
def test_my_subscriptions_says_which_part_is_the_default(make_app, tmp_path, follow,
                                                         first_line):
    from store.db import open_db

    app = make_app(BOT_DEFAULT_FOLLOW=follow)
    db = open_db(app.config["DATABASE_PATH"])
    try:
        publish_sample(db)
        phone = Phone(db, app.config, "o_zhangsan")
        assert "绑定成功" in phone.say(f"绑定 {enrol(db, tmp_path)['张三']}")
        assert phone.say("我的订阅").split("\n")[0] == first_line
    finally:
        db.conn.close()


def test_subscribe_all(db, zhang):
    assert "已订阅全部部门" in zhang.say("订阅 全部")
    assert store.subscriptions_of(db, cadre_id(db, "张三"))["all"] is True
    assert "全部部门" in zhang.say("我的订阅")


def test_ambiguous_unsubscribe_offers_a_choice_too(db, zhang):
    zhang.say("订阅 发改委 发展研究中心")
    assert "要退订哪一个" in zhang.say("退订 发")
    assert "已退订：区发改委" in zhang.say("1")
    assert [d["name"] for d in store.subscriptions_of(db, cadre_id(db, "张三"))["departments"]] \
        == ["区发展研究中心"]


def test_replies_name_the_office_the_deployment_serves(app, db, world, zhang):
    """A county office's cadres were told to ask the 区委办公室 for their code: the office's
    name was fixed in the replies. BOT_OFFICE_NAME says whom cadres ask."""
    app.config["BOT_OFFICE_NAME"] = "县委办公室"
    stranger = Phone(db, app.config, "o_stranger")
    for reply in (stranger.say("帮助"), stranger.say("绑定 99999999"),
                  stranger.send(event_xml("o_new", "subscribe", created=next(IDS))),
                  Phone(db, app.config, "o_zhangsan").say("退订 全部")):
        assert "县委办公室" in reply and "区委办公室" not in reply


def test_the_office_name_defaults_to_the_district_office(app, db, world):
    assert "向区委办公室索取" in Phone(db, app.config, "o_stranger").say("帮助")

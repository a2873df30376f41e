"""What people actually type: the forms a Chinese IME or habit gives a command, through the
signed callback on a real SQLite file — numbers as ② or ２ or 第2个, and so on.

    pytest tests/test_chat_forms.py
"""

import logging
import re

import pytest

from fixtures_chat import Chat, enrol, publish_sample
from handlers.chat import SORRY
from store import binding
from subscriptions import subscribe


@pytest.fixture
def zhang(app, db, tmp_path):
    """张三 (区审计局), bound, talking through the signed callback."""
    publish_sample(db)
    codes = enrol(db, tmp_path)
    chat = Chat(app.test_client(), "o_zhangsan")
    assert "绑定成功" in chat.say(f"绑定 {codes['张三']}")
    return chat


def subscribed(db):
    cadre = binding.cadre_for(db, openid="o_zhangsan")
    return [d["name"] for d in subscribe.subscriptions_of(db, cadre["id"])["departments"]]


# ---- the answer to a numbered choice ----------------------------------------------------------

@pytest.mark.parametrize("answer", ["2", "②", "２", "2.", "2、", "2。", "第2个", "第二个", " ② "],
                         ids=["ascii", "circled", "full-width", "dot", "dunhao", "juhao",
                              "di-ge", "di-hanzi-ge", "spaces"])
def test_a_numbered_choice_takes_the_number_in_any_form_an_ime_gives(db, zhang, answer):
    choice = zhang.say("订阅 发")
    assert "1. 区发改委" in choice and "2. 区发展研究中心" in choice
    assert "已订阅：区发展研究中心" in zhang.say(answer)
    assert subscribed(db) == ["区发展研究中心"]


@pytest.mark.parametrize("answer", ["²", "⑨", "2a", "二十"],
                         ids=["superscript", "not-listed", "letters", "twenty"])
def test_what_is_not_a_listed_number_falls_through_to_a_search(db, zhang, caplog, answer):
    """`²` used to pass str.isdigit() and crash int(): the apology and a traceback."""
    caplog.set_level(logging.ERROR)
    zhang.say("订阅 发")
    reply = zhang.say(answer)
    assert reply != SORRY and "已订阅" not in reply
    assert reply.startswith(("找到", "没有找到"))
    assert subscribed(db) == [] and not caplog.records


# ---- 绑定码 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["绑定码 {}", "绑定码：{}", "绑定码:{}", "绑定码{}", "绑定码 ：{}"],
                         ids=["space", "full-width-colon", "colon", "glued", "space-colon"])
def test_the_code_may_be_sent_under_its_own_name(app, db, tmp_path, form):
    """People copy "绑定码：12345678" from the invitation: the 码 used to become part of the
    code ("请在“绑定”后写6位以上数字绑定码")."""
    codes = enrol(db, tmp_path)
    reply = Chat(app.test_client(), "o_wangwu").say(form.format(codes["王五"]))
    assert reply.startswith("绑定成功，王五")
    assert binding.cadre_for(db, openid="o_wangwu")["name"] == "王五"


def test_a_bare_or_wrong_code_under_its_own_name_gets_the_usual_answers(app, db, tmp_path):
    enrol(db, tmp_path)
    phone = Chat(app.test_client(), "o_guess")
    assert "6位以上数字" in phone.say("绑定码")
    assert "不正确" in phone.say("绑定码：00000000")


# ---- commands with trailing punctuation -------------------------------------------------------

@pytest.mark.parametrize("text, plain", [
    ("最新。", "最新"), ("最新！", "最新"), ("更多？", "更多"), ("更多?", "更多"),
    ("帮助！", "帮助"), ("帮助。。", "帮助"), ("部门 。", "部门"), ("我的订阅？", "我的订阅"),
    ("　最新　", "最新"), ("最新…", "最新"),
], ids=["latest-juhao", "latest-bang", "more-question", "more-ascii-question", "help-bang",
        "help-two-juhao", "departments-space-juhao", "mine-question", "ideographic-spaces",
        "ellipsis"])
def test_a_command_ending_in_punctuation_is_the_command(zhang, text, plain):
    """`最新。`, `更多？`, `帮助！` ran as keyword searches."""
    zhang.say("疫情")  # something for 更多 to page
    expected = zhang.say(plain)
    if plain == "更多":  # paging moves on: ask the same page again
        zhang.say("疫情")
    # a link's token carries the second it was made: two replies a second apart differ there
    assert unsigned(zhang.say(text)) == unsigned(expected)


def unsigned(reply):
    return re.sub(r"\?t=[\w.\-]+", "?t=…", reply)


def test_arguments_lose_their_trailing_punctuation_too(db, zhang):
    assert "已订阅：区督查局" in zhang.say("订阅 督查局。")
    assert "没有找到部门" not in zhang.say("订阅 峡窝镇！")
    assert subscribed(db) == ["区督查局", "峡窝镇"]
    assert "已退订：峡窝镇" in zhang.say("退订 峡窝镇。")


@pytest.mark.parametrize("text", ["最新政策。", "更多信息？", "帮助文档！", "？？", "部门工作。"],
                         ids=["latest-policy", "more-info", "help-docs", "questions", "dept-work"])
def test_a_search_that_starts_with_a_command_word_stays_a_search(zhang, text):
    assert zhang.say(text).startswith(("找到", "没有找到"))


# ---- a department under the district's own name -----------------------------------------------

def test_a_department_may_be_named_with_the_districts_own_name(db, zhang):
    """The sample prints 区督查局; the issuer names the district, so `订阅 <district>督查局`
    is found like `订阅 督查局` (the district's name comes from the data, not from code)."""
    from store.departments import DISTRICT

    district = DISTRICT.match(db.execute("SELECT issuer FROM issues").fetchone()[0]).group(1)
    assert "已订阅：区督查局" in zhang.say(f"订阅 {district}督查局")
    assert "已订阅：区审计局" in zhang.say(f"订阅 {district}审计")
    assert subscribed(db) == ["区审计局", "区督查局"]

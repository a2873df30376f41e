"""The router and reply rendering, without HTTP or a database: messages come from
wechatpy.parse_message, replies go through the one render function."""

import xmltodict
from wechatpy import parse_message

from fixtures_chat import event_xml, image_xml, text_xml
from channels import channel_class
from handlers.replies import TEXT_LIMIT, fit_text, render
from handlers.router import (Context, Router, command, either, event, exact, menu,
                             split_words)


def ctx_for(xml):
    return Context(message=parse_message(xml), user="o_user", db=None, config={})


def test_decorator_returns_the_function_unchanged_and_first_match_wins():
    router = Router()

    def first(ctx):
        return "first"

    assert router.on(command("订阅"), help="订阅 部门")(first) is first

    @router.on(lambda ctx: True)
    def catch_all(ctx):
        return "catch-all"

    assert router.dispatch(ctx_for(text_xml("u", "订阅 审计", 1))) == "first"
    assert router.dispatch(ctx_for(text_xml("u", "订阅审计局", 2))) == "catch-all"
    assert router.help_lines() == ["订阅 部门"]


def test_the_match_reaches_the_handler_on_the_context():
    router = Router()

    @router.on(command("退订", "取消订阅"))
    def handle(ctx):
        return ctx.match

    assert router.dispatch(ctx_for(text_xml("u", "退订  审计 督查局 ", 1))) == "审计 督查局"
    assert router.dispatch(ctx_for(text_xml("u", "取消订阅：峡窝镇", 2))) == "峡窝镇"
    assert router.dispatch(ctx_for(text_xml("u", "退订", 3))) == ""
    assert router.dispatch(ctx_for(text_xml("u", "天气", 4))) is None


def test_checks_for_events_menus_and_exact_words():
    follow = ctx_for(event_xml("u", "subscribe"))
    click = ctx_for(event_xml("u", "CLICK", key="LATEST"))
    text = ctx_for(text_xml("u", "最新", 1))
    assert event("subscribe")(follow) == "subscribe"
    assert event("subscribe")(text) is None
    assert menu("LATEST")(click) == "LATEST"
    assert menu("HELP")(click) is None
    assert either(exact("最新"), menu("LATEST"))(text) == "最新"
    assert either(exact("最新"), menu("LATEST"))(click) == "LATEST"
    assert exact("最新")(ctx_for(text_xml("u", "最新消息", 2))) is None


def test_text_is_empty_for_non_text_messages():
    assert ctx_for(image_xml("u", 9)).text == ""
    assert ctx_for(event_xml("u", "subscribe")).event == "subscribe"


def test_split_words_accepts_chinese_and_ascii_separators():
    assert split_words("审计，督查局 、 发改委;人社") == ["审计", "督查局", "发改委", "人社"]
    assert split_words("") == []


def test_render_text_reply_addressed_back_to_the_sender():
    message = parse_message(text_xml("o_user", "帮助", 1))
    xml = render("你好", message, channel_class("mp").reply_kinds).render()
    reply = xmltodict.parse(xml)["xml"]
    assert reply["ToUserName"] == "o_user" and reply["FromUserName"] == "gh_jianbao"
    assert reply["MsgType"] == "text" and reply["Content"] == "你好"


def test_render_nothing_is_an_empty_reply():
    message = parse_message(text_xml("o_user", "x", 1))
    assert render(None, message).render() == ""


def test_render_articles_keeps_one_article_as_wechat_shows():
    message = parse_message(text_xml("o_user", "x", 1))
    articles = [{"title": "甲", "description": "一", "url": "http://a", "image": ""},
                {"title": "乙", "description": "二", "url": "http://b", "image": ""}]
    reply = xmltodict.parse(render(articles, message, channel_class("mp").reply_kinds).render())["xml"]
    assert reply["ArticleCount"] == "1"


def test_work_replies_carry_the_agent_id():
    from wechatpy.enterprise import parse_message as parse_work

    message = parse_work(text_xml("zhangsan", "帮助", 1, agent=1000002))
    reply = xmltodict.parse(render("好", message, channel_class("work").reply_kinds).render())["xml"]
    assert reply["AgentID"] == "1000002"


def test_fit_text_cuts_long_text_at_a_line_end_within_the_byte_limit():
    lines = [f"第{n}条：区审计局“四个一”提升信息宣传工作。" for n in range(200)]
    text = "\n".join(lines)
    fitted = fit_text(text)
    assert len(fitted.encode("utf-8")) <= TEXT_LIMIT
    assert fitted.endswith("。…")
    assert fitted[:-1] in text and text.startswith(fitted[:-1])


def test_fit_text_without_line_ends_cuts_at_a_sentence_or_bytes():
    text = "疫情防控" * 1000
    fitted = fit_text(text)
    assert len(fitted.encode("utf-8")) <= TEXT_LIMIT
    assert fitted.endswith("…")
    assert fit_text("短句。") == "短句。"


def test_glued_commands_take_arguments_without_a_space():
    glued, spaced = command("订阅", glued=True), command("订阅")
    assert glued(ctx_for(text_xml("u", "订阅审计局", 1))) == "审计局"
    assert glued(ctx_for(text_xml("u", "订阅 审计局", 2))) == "审计局"
    assert spaced(ctx_for(text_xml("u", "订阅审计局", 3))) is None

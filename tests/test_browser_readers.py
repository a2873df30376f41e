"""In headless Chromium on WeCom's phone (its User-Agent), against the real app over loopback
and the fake WeChat server: a group link's reader is identified through snsapi_base and
counted, a forwarded link is refused, a desktop browser is told to use WeCom, and a
withdrawn item shows 该条已撤回."""

import json
import pathlib
from urllib.parse import unquote

import pytest
from playwright.sync_api import sync_playwright

from store.db import open_db
from test_plan import add_cadre, item_ids, publish
from fake_oauth import WECOM_PHONE
from test_readers import AUDIT, link_of

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_a_wecom_reader_in_chromium_is_identified_counted_and_forwarding_fails(
        fake_wechat, make_app, live_server):
    if not pathlib.Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed: run scripts/install-system-deps.sh")
    app = make_app(**fake_wechat.app_config("work"))
    base = live_server(app).base
    app.config["BOT_PUBLIC_URL"] = base
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    reader = add_cadre(db, "甲", "m1", ["区审计局"], identity="userid")
    add_cadre(db, "丙", "m3", ["峡窝镇"], identity="userid")
    fake_wechat.add_members(["m1", "m3"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    item_id = item_ids(db, issue_id)[AUDIT]
    link = link_of(fake_wechat, "m1", item_id)  # absolute: BOT_PUBLIC_URL is the live server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            phone = browser.new_context(user_agent=WECOM_PHONE["User-Agent"],
                                        viewport={"width": 375, "height": 667})
            fake_wechat.sign_in("m1")
            page = phone.new_page()
            answer = page.goto(link)
            assert answer.status == 200 and page.inner_text("h1") == AUDIT
            assert "甲 · 内部资料" in unquote(page.content())
            assert [r for (r,) in db.execute("SELECT reader FROM read_receipts")] == [f"c:{reader}"]

            other = browser.new_context(user_agent=WECOM_PHONE["User-Agent"])
            fake_wechat.sign_in("m3")  # the link forwarded to a member outside the group
            refused = other.new_page()
            assert refused.goto(link).status == 403
            assert "链接无效或已过期" in refused.content() and AUDIT not in refused.content()

            desktop = browser.new_context().new_page()
            assert desktop.goto(link).status == 403
            assert "请在微信或企业微信中打开" in desktop.content()

            result = runner.invoke(args=["item", "withdraw", str(item_id), "--note", "误发",
                                         "--json"])
            assert json.loads(result.stdout)["recall"]["recalled"] == 1
            page.reload()
            assert page.inner_text("h1") == "该条已撤回" and AUDIT not in page.content()
        finally:
            browser.close()
    db.conn.close()

"""End to end in headless Chromium against the real app on 127.0.0.1 (werkzeug thread, real
SQLite file, the in-process push worker, the sandbox channel): log in, upload the sample,
correct a department, push and watch progress reach done, read the cadre's sandbox inbox,
open an item on a 375×667 phone, chat `订阅 审计`; expired links and CSRF-less forms refused.

Screenshots go to tests/artifacts/ (git-ignored) for a reviewer to look at.
"""

import pathlib
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from playwright.sync_api import sync_playwright

from store.issues import issue_items, list_issues
from test_console import add_cadre
from channels import links

pytestmark = pytest.mark.browser

ARTIFACTS = pathlib.Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "test-admin-password"


@pytest.fixture
def served_app(make_app, live_server):
    """The app served over real HTTP on a random loopback port, with its push worker."""
    app = make_app(BOT_INPROCESS_WORKER=True, BOT_SEND_RATE=200.0)
    app.config["BOT_PUBLIC_URL"] = live_server(app).base
    return app


@pytest.fixture(scope="module")
def browser():
    if not pathlib.Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed: run scripts/install-system-deps.sh")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def sign_in(page, base):
    page.goto(base + "/admin/")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=发布新一期")


def expired_path(app, item_id, cadre_id):
    class Yesterday(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - (app.config["BOT_LINK_TTL_DAYS"] + 1) * 86400

    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=links.SALT,
                                   signer=Yesterday).dumps({"i": item_id, "c": cadre_id})
    return f"/items/{item_id}?t={token}"


def test_publish_correct_push_read_and_chat(served_app, browser, db, sample_path):
    base = served_app.config["BOT_PUBLIC_URL"]
    desk = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    sign_in(desk, base)

    desk.set_input_files("#file", str(sample_path))
    desk.click("text=读取并预览")
    desk.wait_for_selector("text=核对条目")
    issue_id = list_issues(db)[0]["id"]
    items = issue_items(db, issue_id)
    wang = add_cadre(db, "王明", "sandbox-wang", departments=["区审计局"])
    add_cadre(db, "刘洋", "sandbox-liu", everything=True)
    chen = add_cadre(db, "陈静", "sandbox-chen")

    # (The lead item goes to every bound cadre: three messages in all.)
    # The 峡窝镇 item really concerns the audit bureau: correct it before pushing.
    moved = next(i for i in items if i["department"] == "峡窝镇")
    desk.fill(f"#department-{moved['id']}", "区审计局")
    desk.click(f"#item-{moved['id']} button[type=submit]")
    desk.wait_for_selector("text=已更新")
    assert desk.input_value(f"#department-{moved['id']}") == "区审计局"

    # A form whose CSRF token was removed is refused.
    desk.evaluate(f"document.querySelector('#item-{moved['id']} input[name=csrf_token]').remove()")
    desk.fill(f"#title-{moved['id']}", "不该保存的标题")
    desk.click(f"#item-{moved['id']} button[type=submit]")
    desk.wait_for_selector("text=请求被拒绝")
    assert "不该保存的标题" not in [i["title"] for i in issue_items(db, issue_id)]
    desk.go_back()
    desk.reload()

    desk.click("#push-button")
    # a selector, not wait_for_function: the pages' CSP allows no string evaluation
    desk.wait_for_selector("#push-panel[data-state=done]", state="attached", timeout=30000)
    counts = {k: int(desk.text_content(f'[data-count="{k}"]')) for k in ("total", "sent", "pending")}
    assert counts["total"] == 3 and counts["sent"] == 3 and counts["pending"] == 0
    assert "推送完成" in desk.text_content("#push-state")
    shot(desk, "console-issue.png")
    desk.goto(base + "/admin/")
    desk.click("#archive summary")
    assert moved["title"] in desk.text_content("#archive")
    shot(desk, "console-archive.png")

    # 王明's sandbox phone shows his cards, including the corrected item.
    desk.goto(f"{base}/sandbox/{wang}")
    inbox = desk.text_content("#inbox")
    assert moved["title"] in inbox and items[0]["title"] in inbox
    assert "区督查局" not in inbox
    shot(desk, "sandbox-inbox.png")
    link = desk.get_attribute("#inbox a.article", "href")
    assert link.startswith(base + "/items/")

    phone = browser.new_page(viewport={"width": 375, "height": 667}, locale="zh-CN")
    response = phone.goto(link)
    assert response.status == 200
    phone.wait_for_selector("h1.headline")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert float(phone.evaluate(
        "getComputedStyle(document.querySelector('.body p')).fontSize").rstrip("px")) >= 17
    shot(phone, "item-page.png")
    phone.click(".pager .next")
    phone.wait_for_selector("h1.headline")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # An expired link shows the friendly 403 page, not the text.
    response = phone.goto(base + expired_path(served_app, items[0]["id"], wang))
    assert response.status == 403
    assert "链接已过期" in phone.text_content("h1")
    shot(phone, "link-expired.png")

    # Chat as 陈静: the reply comes back from the real /wechat callback.
    desk.goto(f"{base}/sandbox/{chen}")
    desk.fill("#say-text", "订阅 审计")
    desk.click("#say button[type=submit]")
    desk.wait_for_selector("#chat .bubble.bot", timeout=10000)
    assert "区审计局" in desk.text_content("#chat")
    shot(desk, "sandbox-chat.png")
    phone.close()
    desk.close()


def test_the_review_page_shows_the_parsers_warnings_before_a_push(served_app, browser, db):
    """An issue the parser is unsure of: the dropped web chrome (quoted) above the items, the
    missing attribution beside its item — all before anything is pushed."""
    base = served_app.config["BOT_PUBLIC_URL"]
    desk = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    sign_in(desk, base)
    desk.set_input_files("#file", str(pathlib.Path(__file__).resolve().parent / "fixtures"
                                      / "web-copy-with-warnings.txt"))
    desk.click("text=读取并预览")
    desk.wait_for_selector("#issue-warnings")
    issue_id = list_issues(db)[0]["id"]
    items = {i["seq"]: i for i in issue_items(db, issue_id)}
    general = desk.text_content("#issue-warnings")
    assert "已略去" in general and "验证码" in general  # the dropped lines are quoted
    beside = desk.text_content(f"#item-{items[2]['id']}")
    assert "没有署名单位" in beside
    assert "没有署名单位" not in desk.text_content(f"#item-{items[1]['id']}")
    assert desk.locator("#push-button").is_visible()  # nothing pushed yet
    shot(desk, "console-warnings.png")

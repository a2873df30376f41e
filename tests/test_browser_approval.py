"""In headless Chromium (Debian's, through Playwright) against the real app over loopback: an
editor uploads an issue, an approver approves and pushes it, and the audit page shows the
three actions with their names. Screenshot: tests/artifacts/approval-audit.png."""

import pathlib

import pytest
from playwright.sync_api import sync_playwright

from store import accounts, review
from store.issues import list_issues
from test_console import add_cadre
from test_roles import HASH, PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = pathlib.Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def served_app(make_app, live_server):
    app = make_app(BOT_INPROCESS_WORKER=True, BOT_SEND_RATE=200.0)
    app.config["BOT_PUBLIC_URL"] = live_server(app).base
    return app


def sign_in(browser, base, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(base + "/admin/")
    page.fill("#user", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=发布新一期")
    return page


def test_editor_uploads_approver_approves_and_pushes_audit_shows_it(served_app, db, sample_path):
    if not pathlib.Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed: run scripts/install-system-deps.sh")
    accounts.add(db, "zhang", "editor", HASH)
    accounts.add(db, "li", "approver", HASH)
    add_cadre(db, "刘洋", "sandbox-liu", everything=True)
    base = served_app.config["BOT_PUBLIC_URL"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            editor = sign_in(browser, base, "zhang")
            editor.set_input_files("#file", str(sample_path))
            editor.click("text=读取并预览")
            editor.wait_for_selector("text=核对条目")
            assert editor.inner_text("#review-state").startswith("审核：待审核")
            assert editor.query_selector("#push-button") is None      # an editor cannot push
            assert editor.query_selector("#approve-button") is None
            issue_id = list_issues(db)[0]["id"]

            approver = sign_in(browser, base, "li")
            approver.goto(f"{base}/admin/issues/{issue_id}")
            approver.click("#approve-button")
            approver.wait_for_selector("text=已批准，可以推送")
            approver.click("#push-button")
            # a selector, not wait_for_function: the pages' CSP allows no string evaluation
            approver.wait_for_selector("#push-panel[data-state=done]", state="attached",
                                       timeout=30000)
            assert review.state(db, issue_id)["state"] == "pushed"

            approver.goto(f"{base}/admin/audit?target=issue:{issue_id}")
            rows = approver.query_selector_all("#audit tbody tr")
            seen = [[cell.inner_text() for cell in row.query_selector_all("td")][1:5]
                    for row in rows]
            assert seen == [["li", "127.0.0.1", "push", f"issue:{issue_id}"],
                            ["li", "127.0.0.1", "approve", f"issue:{issue_id}"],
                            ["zhang", "127.0.0.1", "publish", f"issue:{issue_id}"]]
            ARTIFACTS.mkdir(exist_ok=True)
            approver.screenshot(path=str(ARTIFACTS / "approval-audit.png"), full_page=True)
            editor.goto(f"{base}/admin/audit")
            assert "无权" in editor.content()                       # editors do not read it
        finally:
            browser.close()

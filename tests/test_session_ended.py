"""A console form submitted after its session ended (logged out in another tab, the password
or role changed, the cookie expired): a Chinese page, never raw JSON — the login page saying
nothing was saved, what was typed, and `next` back to the form's page. Scripts and JSON
callers keep their 401 {"error"}."""

from urllib.parse import parse_qs, urlsplit

from store.issues import issue_items
from test_console import csrf_from, login, stored_issue


def ended_elsewhere(app, db):
    """Two browsers signed in with the bootstrap password; the first logs out (every session
    of the account ends). Returns (the second browser, its form token, issue id, item)."""
    issue_id = stored_issue(db)
    first, second = app.test_client(), app.test_client()
    login(first)
    login(second)
    token = csrf_from(second.get(f"/admin/issues/{issue_id}"))
    first.post("/admin/logout", data={"csrf_token": csrf_from(first.get("/admin/"))})
    return second, token, issue_id, issue_items(db, issue_id)[1]


def test_a_form_after_logout_elsewhere_goes_to_the_login_page_saying_nothing_was_saved(app, db):
    browser, token, issue_id, item = ended_elsewhere(app, db)
    page = f"http://localhost/admin/issues/{issue_id}"
    answer = browser.post(f"/admin/items/{item['id']}", headers={
        "Referer": page, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, data={
        "csrf_token": token, "title": "白鹭湾新区集中签约（已核对）", "department": "区审计局"})
    assert answer.status_code == 303
    target = urlsplit(answer.location)
    assert target.path == "/admin/login"
    assert parse_qs(target.query)["next"] == [f"/admin/issues/{issue_id}"]
    login_page = browser.get(answer.location)
    html = login_page.get_data(as_text=True)
    assert login_page.status_code == 200 and "\\u" not in html and '{"error"' not in html
    assert "登录已失效" in html and "刚才提交的内容没有保存" in html
    assert "标题「白鹭湾新区集中签约（已核对）」" in html
    assert f'name="next" value="/admin/issues/{issue_id}"' in html
    assert issue_items(db, issue_id)[1]["title"] == item["title"]            # not saved
    signed_in = browser.post("/admin/login", data={
        "password": "test-admin-password", "next": f"/admin/issues/{issue_id}",
        "csrf_token": csrf_from(login_page)})
    assert urlsplit(signed_in.location).path == f"/admin/issues/{issue_id}"   # back to the page


def test_scripts_and_json_callers_keep_the_json_401(app, db):
    browser, token, issue_id, _ = ended_elsewhere(app, db)
    fetched = browser.post(f"/admin/issues/{issue_id}/push", data={"csrf_token": token},
                           headers={"Accept": "application/json"})
    assert fetched.status_code == 401 and fetched.get_json()["error"] == "请先登录控制台"
    scripted = browser.post(f"/admin/issues/{issue_id}/push", data={"csrf_token": token},
                            headers={"X-CSRFToken": token})
    assert scripted.status_code == 401 and scripted.get_json()["error"]


def test_a_form_after_the_session_cookie_expired_goes_to_the_login_page_too(app, db):
    issue_id = stored_issue(db)
    browser = app.test_client()
    login(browser)
    token = csrf_from(browser.get(f"/admin/issues/{issue_id}"))
    browser.delete_cookie("jianbao_session")          # what the browser does after 8 hours
    answer = browser.post(f"/admin/issues/{issue_id}/push", data={"csrf_token": token},
                          headers={"Referer": f"http://localhost/admin/issues/{issue_id}"})
    assert answer.status_code == 303 and urlsplit(answer.location).path == "/admin/login"
    assert "刚才提交的内容没有保存" in browser.get(answer.location).get_data(as_text=True)

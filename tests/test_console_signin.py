"""Signing in to the office console: the login page, the session cookie, CSRF on every
form, the lockout (per address, ending after fifteen minutes), console off without a
password. Through the Flask test client on a real SQLite file.

    pytest tests/test_console_signin.py
"""

import pytest

from store.issues import issue_items
from test_console import csrf_from, login, page_token, stored_issue
from web import auth


def test_console_redirects_to_login_then_lets_the_office_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.location
    response = login(client)
    assert response.status_code == 302 and response.location.endswith("/admin/")
    assert "发布新一期" in client.get("/admin/").get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite_lax(client):
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_is_401_and_does_not_sign_in(client):
    response = login(client, password="nope")
    assert response.status_code == 401
    assert "密码不正确" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_lockout_after_five_failures_even_with_the_right_password(client):
    token = csrf_from(client.get("/admin/login"))
    for _ in range(5):
        assert login(client, password="wrong").status_code == 401
    assert client.get("/admin/login").status_code == 429
    response = client.post("/admin/login", data={"password": "test-admin-password", "csrf_token": token})
    assert response.status_code == 429
    assert "分钟后再试" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_lockout_is_per_ip(app):
    bad, good = app.test_client(), app.test_client()
    for _ in range(5):
        login(bad, password="wrong")
    token = csrf_from(good.get("/admin/login", environ_base={"REMOTE_ADDR": "10.0.0.9"}))
    response = good.post("/admin/login", data={"password": "test-admin-password", "csrf_token": token},
                         environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 302


def test_login_without_csrf_token_is_refused(client):
    client.get("/admin/login")
    response = client.post("/admin/login", data={"password": "test-admin-password"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_every_console_form_needs_the_token(client, db):
    issue_id = stored_issue(db)
    login(client)
    item_id = issue_items(db, issue_id)[1]["id"]
    for path, data in [("/admin/publish", {"text": "x"}), (f"/admin/items/{item_id}", {"title": "改"}),
                       (f"/admin/issues/{issue_id}/push", {}), (f"/admin/issues/{issue_id}/resend", {}),
                       ("/admin/roster/invite", {}), ("/admin/logout", {})]:
        assert client.post(path, data=data).status_code == 400, path
    assert issue_items(db, issue_id)[1]["title"] == "审计局开展业务培训"


def test_signed_endpoints_are_not_csrf_checked(client):
    # /wechat and /api/ carry their own signatures: a missing CSRF token is not why they refuse.
    assert client.post("/wechat", data=b"<xml/>").status_code == 403
    assert client.post("/api/issues", data=b"x").status_code == 401


def test_no_password_means_console_disabled(make_app):
    client = make_app(BOT_ADMIN_PASSWORD=None).test_client()
    response = client.get("/admin/")
    assert response.status_code == 503
    assert "BOT_ADMIN_PASSWORD" in response.get_data(as_text=True)
    assert client.get("/admin/login").status_code == 503


def test_password_hash_accepted_and_plain_password_hashed_at_start(make_app):
    hashed = auth.password_hash("s3cret")
    assert hashed != "s3cret" and auth.password_hash(hashed) == hashed
    app = make_app(BOT_ADMIN_PASSWORD=hashed)
    assert app.config["WEB_ADMIN_PASSWORD_HASH"] == hashed
    assert login(app.test_client(), "s3cret").status_code == 302
    plain = make_app(BOT_ADMIN_PASSWORD="dev-password")
    assert plain.config["WEB_ADMIN_PASSWORD_HASH"].startswith(("scrypt:", "pbkdf2:"))


def test_logout_ends_the_session(client):
    login(client)
    token = page_token(client)
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("path", ["/admin/", "/admin/subscribers", "/admin/roster", "/sandbox/"])
def test_console_pages_need_login(client, path):
    assert client.get(path).status_code == 302


def test_lockout_ends_fifteen_minutes_after_the_failures(client, db):
    import time

    from web import store

    for _ in range(5):
        store.note_failure(db, "127.0.0.1", now=time.time() - 16 * 60)
    assert login(client).status_code == 302
    for _ in range(5):
        store.note_failure(db, "127.0.0.1", now=time.time() - 14 * 60)
    assert client.get("/admin/login").status_code == 429

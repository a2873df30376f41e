"""Named console accounts and roles: every console route against README's route table for each
role, sessions that end server-side (logout, disable, password change: a copied cookie stops
working), per-account lockout, and the `user` commands."""

import json
import pathlib
import re

import pytest
from werkzeug.security import generate_password_hash

from store import accounts, audit
from test_console import add_cadre, csrf_from, stored_issue
from store.issues import issue_items

ROLES = accounts.ROLES
PASSWORD = "role-test-password"
HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # fast for tests


def route_roles():
    """(method, rule, role) for every README route that names a console role."""
    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    rows = []
    for line in readme.splitlines():
        match = re.match(r"\|\s*([A-Z, ]+?)\s*\|\s*(/\S*)\s*\|\s*console role: (\w+)", line)
        if match:
            for method in match.group(1).split(","):
                rows.append((method.strip(), match.group(2), match.group(3)))
    return rows


def sign_in(app, name, password=PASSWORD, environ=None):
    client = app.test_client()
    token = csrf_from(client.get("/admin/login"))
    answer = client.post("/admin/login", data={"user": name, "password": password,
                                               "csrf_token": token}, environ_base=environ or {})
    return client, answer


@pytest.fixture
def accounts_app(app, db):
    for role in ROLES:
        accounts.add(db, f"r-{role}", role, HASH)
    accounts.add(db, "target", "editor", HASH)
    return app


def test_the_table_gives_a_role_to_every_console_route(app):
    served = {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}
              if r.rule.startswith(("/admin", "/sandbox"))} - {("GET", "/admin/login"),
                                                              ("POST", "/admin/login"),
                                                              ("POST", "/admin/logout")}
    assert served == {(m, r) for m, r, _ in route_roles()}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_routes_the_readme_gives_it(accounts_app, db, role):
    issue_id = stored_issue(db)
    values = {"issue_id": issue_id, "item_id": issue_items(db, issue_id)[0]["id"],
              "cadre_id": add_cadre(db, "张三", "o_zhang"), "name": "target"}
    client, answer = sign_in(accounts_app, f"r-{role}")
    assert answer.status_code == 302
    token = csrf_from(client.get("/admin/"))
    for method, rule, needed in route_roles():
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)
        response = client.open(path, method=method, data={"csrf_token": token} if method == "POST"
                               else None)
        allowed = accounts.at_least(role, needed)
        assert (response.status_code != 403) == allowed, (role, method, rule, response.status_code)
        assert response.status_code not in (401, 500), (role, method, rule)
        if not allowed:
            assert "无权" in response.get_data(as_text=True)


def test_a_copied_cookie_stops_working_after_logout(accounts_app):
    client, _ = sign_in(accounts_app, "r-editor")
    copy = accounts_app.test_client()
    copy.set_cookie("jianbao_session", client.get_cookie("jianbao_session").value)
    assert copy.get("/admin/").status_code == 200
    client.post("/admin/logout", data={"csrf_token": csrf_from(client.get("/admin/"))})
    assert copy.get("/admin/").status_code == 302


@pytest.mark.parametrize("change", ["disable", "password"])
def test_disabling_or_a_new_password_ends_the_accounts_sessions(accounts_app, db, change):
    client, _ = sign_in(accounts_app, "target")
    other, _ = sign_in(accounts_app, "r-editor")
    assert client.get("/admin/").status_code == 200
    if change == "disable":
        accounts.set_disabled(db, "target")
    else:
        accounts.set_password(db, "target", generate_password_hash("another-password-1",
                                                                   method="pbkdf2:sha256:1000"))
    assert client.get("/admin/").status_code == 302
    assert other.get("/admin/").status_code == 200           # other accounts carry on
    _, again = sign_in(accounts_app, "target")
    assert again.status_code == 401


def test_the_admin_page_adds_accounts_and_a_disabled_account_cannot_sign_in(accounts_app, db):
    admin, _ = sign_in(accounts_app, "r-admin")
    token = csrf_from(admin.get("/admin/accounts"))
    admin.post("/admin/accounts", data={"name": "wang", "role": "approver",
                                        "password": "wang-password-1", "csrf_token": token})
    assert accounts.get(db, "wang")["role"] == "approver"
    wang, answer = sign_in(accounts_app, "wang", "wang-password-1")
    assert answer.status_code == 302
    admin.post("/admin/accounts/wang/disable", data={"csrf_token": token})
    assert wang.get("/admin/").status_code == 302
    assert sign_in(accounts_app, "wang", "wang-password-1")[1].status_code == 401
    short = admin.post("/admin/accounts", follow_redirects=True, data={
        "name": "zhao", "role": "editor", "password": "short", "csrf_token": token})
    assert "至少" in short.get_data(as_text=True) and accounts.get(db, "zhao") is None
    assert [r["action"] for r in reversed(audit.entries(db, target="account:"))] == [
        "account_add", "account_disable"]


def test_the_bootstrap_password_still_signs_in_as_admin(app):
    client = app.test_client()
    token = csrf_from(client.get("/admin/login"))
    client.post("/admin/login", data={"password": "test-admin-password", "csrf_token": token})
    assert client.get("/admin/accounts").status_code == 200


def test_lockout_is_per_account_from_any_address(accounts_app):
    for n in range(5):
        sign_in(accounts_app, "target", "wrong", environ={"REMOTE_ADDR": f"10.0.0.{n}"})
    _, answer = sign_in(accounts_app, "target", environ={"REMOTE_ADDR": "10.0.9.9"})
    assert answer.status_code == 429
    assert sign_in(accounts_app, "r-editor", environ={"REMOTE_ADDR": "10.0.9.9"})[1].status_code == 302


def test_user_commands(runner, db, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("cli-password-123\n")
    add = runner.invoke(args=["user", "add", "li", "--role", "approver", "--password-file", str(secret)])
    assert add.exit_code == 0, add.output
    prompted = runner.invoke(args=["user", "add", "zhao", "--role", "editor"],
                             input="prompted-pass-1\nprompted-pass-1\n")
    assert prompted.exit_code == 0, prompted.output
    assert json.loads(runner.invoke(args=["user", "list", "--json"]).output) == [
        {"name": "li", "role": "approver", "disabled": False},
        {"name": "zhao", "role": "editor", "disabled": False}]
    for bad in (["user", "add", "li", "--role", "editor", "--password-file", str(secret)],
                ["user", "add", "admin", "--role", "admin", "--password-file", str(secret)],
                ["user", "disable", "nobody"]):
        result = runner.invoke(args=bad)
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, bad
    assert runner.invoke(args=["user", "disable", "zhao"]).exit_code == 0
    assert runner.invoke(args=["user", "password", "li", "--password-file", str(secret)]).exit_code == 0
    assert accounts.get(db, "zhao")["disabled"]
    assert [r["action"] for r in reversed(audit.entries(db))] == [
        "account_add", "account_add", "account_disable", "account_password"]


CLI_ROLES = [  # (arguments, the least role) for every CLI command that changes data
    (["publish", "{sample}"], "editor"),
    (["approve", "{issue}"], "approver"),
    (["push", "{issue}", "--no-wait"], "approver"),
    (["resend", "{issue}", "--no-wait"], "approver"),
    (["roster", "import", "{roster}"], "admin"),
    (["roster", "invite"], "admin"),
    (["roster", "remove", "{cadre}"], "admin"),
    (["roster", "unbind", "{cadre}"], "admin"),
    (["departments", "import", "{departments}"], "admin"),
    (["departments", "alias", "审计", "区审计局"], "admin"),
    (["reindex"], "admin"),
    (["user", "add", "new-{role}", "--role", "editor", "--password-file", "{password}"], "admin"),
    (["user", "password", "target", "--password-file", "{password}"], "admin"),
    (["user", "disable", "target"], "admin"),
    (["item", "correct", "{item}", "--title", "更正后的标题", "--note", "标题有误"], "editor"),
    (["remind", "{issue}", "--no-wait"], "approver"),
    (["item", "withdraw", "{item}", "--note", "误发"], "approver"),
    (["item", "recall", "{item}"], "approver"),
    (["push", "{issue}", "--at", "2099-01-01 08:00"], "approver"),
    (["push", "{issue}", "--cancel"], "approver"),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_run_exactly_its_cli_commands(make_app, db, tmp_path, sample_path, role):
    from store import review

    for name in ROLES:
        accounts.add(db, f"r-{name}", name, HASH)
    roster = tmp_path / "roster.csv"
    roster.write_text("name,department,mobile,userid,subscriptions\n王五,区审计局,,,\n", "utf-8")
    departments = tmp_path / "departments.csv"
    departments.write_text("name,aliases,parent\n区审计局,审计局,\n", "utf-8")
    password = tmp_path / "pw"
    password.write_text("a-long-password-1\n")
    cadre = add_cadre(db, "张三", "o_zhang")
    issue_id = stored_issue(db)
    runner = make_app(BOT_CLI_USER=f"r-{role}").test_cli_runner()
    for args, needed in CLI_ROLES:
        accounts.add(db, "target", "editor", HASH) if accounts.get(db, "target") is None else None
        if args[0] == "approve":
            review.changed(db, issue_id, "someone-else")   # pending, changed by another account
        elif review.state(db, issue_id)["state"] == "pending":
            review.approve(db, issue_id, "another-approver", four_eyes=False)
        item = db.execute("SELECT MIN(id) FROM items WHERE issue_id = ?", [issue_id]).fetchone()[0]
        if args[:2] == ["item", "recall"] and accounts.at_least(role, "approver"):
            assert db.execute("SELECT withdrawn_at FROM items WHERE id = ?", [item]).fetchone()[0]
        values = {"sample": sample_path, "issue": issue_id, "roster": roster, "cadre": cadre,
                  "item": item,
                  "departments": departments, "password": password, "role": role}
        result = runner.invoke(args=[a.format(**values) for a in args])
        if accounts.at_least(role, needed):
            assert result.exit_code == 0, (role, args, result.output)
        else:
            assert result.exit_code == 2, (role, args, result.output)
            assert len(result.output.strip().splitlines()) == 1 and "role" in result.output


def test_an_issue_page_shows_each_role_only_the_buttons_it_may_use(accounts_app, runner, db):
    """A pushed issue: an editor sees the items (read only) and no 更正, 撤回, 说明, 密级,
    提醒 or 取消定时 that would only answer 403 and lose what was typed; an approver sees them."""
    from test_corrections import pushed

    issue_id, item_id = pushed(runner, db)
    db.execute("INSERT INTO push_schedules (issue_id, action, due_at, why) VALUES (?, 'remind',"
               " 4102444800, 'scheduled')", [issue_id])
    db.conn.commit()
    pages = {}
    for role in ROLES:
        client, _ = sign_in(accounts_app, f"r-{role}")
        pages[role] = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    for marker in ('class="danger">撤回该条', f'action="/admin/items/{item_id}/withdraw"',
                   'name="note"', 'name="notify"', ">更正</button>", 'id="remind-button"',
                   ">取消定时<", f'action="/admin/items/{item_id}/level"',
                   f'action="/admin/issues/{issue_id}/level"'):
        assert marker not in pages["editor"], marker
        assert marker in pages["approver"] and marker in pages["admin"], marker
    editor_item = pages["editor"].split(f'id="item-{item_id}"')[1].split("</form>")[0]
    assert f'id="title-{item_id}"' in editor_item and "readonly" in editor_item
    assert "<button" not in editor_item
    assert "更正、撤回和改密级需要审核人" in pages["editor"]
    assert "待发" in pages["editor"]                      # the schedule is still shown


def test_before_the_push_an_editor_still_corrects(accounts_app, db):
    issue_id = stored_issue(db)
    item = issue_items(db, issue_id)[0]
    client, _ = sign_in(accounts_app, "r-editor")
    page = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    editor_item = page.split(f'id="item-{item["id"]}"')[1].split("</form>")[0]
    assert ">保存</button>" in editor_item and "readonly" not in editor_item
    assert f'action="/admin/items/{item["id"]}/level"' in page and "撤回该条" not in page


@pytest.mark.parametrize("name, role, words", [
    ("bad name!", "editor", "账号名“bad name!”不可用"), ("r-editor", "editor", "账号 r-editor 已存在"),
    ("admin", "editor", "内置账号"), ("zhou", "boss", "没有角色“boss”")])
def test_the_accounts_page_explains_a_refusal_in_chinese(accounts_app, db, name, role, words):
    admin, _ = sign_in(accounts_app, "r-admin")
    token = csrf_from(admin.get("/admin/accounts"))
    page = admin.post("/admin/accounts", follow_redirects=True, data={
        "name": name, "role": role, "password": "a-long-password", "csrf_token": token})
    text = page.get_data(as_text=True)
    assert "未添加：" in text and words in text and "exists" not in text and "bad role" not in text

"""Demo data (`make run`, `python bot.py demo`): idempotent, bound sandbox cadres, a password."""

import re
from urllib.parse import unquote

from store import review
from subscriptions import subscribe
from store.db import open_db
from store.issues import list_issues
from test_console import csrf_from
from web.demo import describe, load_demo


def test_demo_loads_once_and_binds_sandbox_cadres(make_app):
    app = make_app(BOT_ADMIN_PASSWORD=None)
    db = open_db(app.config["DATABASE_PATH"])
    first = load_demo(db, app.config)
    again = load_demo(db, app.config)
    assert first["issue_created"] and not again["issue_created"]
    assert first["issue_id"] == again["issue_id"] and len(list_issues(db)) == 1
    logged = db.execute("SELECT who, action, target FROM audit_log").fetchall()
    assert logged == [("demo", "approve", f"issue:{first['issue_id']}"),  # so chat finds it
                      ("demo", "demo", f"issue:{first['issue_id']}")]     # once: nothing new after
    assert review.state(db, first["issue_id"])["state"] == "approved"
    cadres = {c["name"]: c for c in again["cadres"]}
    assert len(cadres) == 5
    assert all(c["openid"] == f"sandbox-{c['id']}" for c in cadres.values())
    assert subscribe.subscriptions_of(db, cadres["刘洋"]["id"])["all"] is True
    wang = [d["name"] for d in subscribe.subscriptions_of(db, cadres["王明"]["id"])["departments"]]
    assert wang == ["区审计局"]
    assert first["admin_password"] == again["admin_password"]
    assert first["password_source"] == "generated"
    text = describe(again)
    assert "/admin/" in text and "/sandbox/" in text and again["admin_password"] in text
    db.conn.close()

    client = app.test_client()  # the generated password opens the console
    token = csrf_from(client.get("/admin/login"))
    answer = client.post("/admin/login", data={"password": first["admin_password"], "csrf_token": token})
    assert answer.status_code == 302
    item = client.get(first["urls"]["item"].replace(app.config["BOT_PUBLIC_URL"], ""))
    reader = again["cadres"][0]["name"]
    assert item.status_code == 200 and reader in unquote(item.get_data(as_text=True))


def test_demo_keeps_an_operator_password(make_app):
    app = make_app()
    db = open_db(app.config["DATABASE_PATH"])
    summary = load_demo(db, app.config)
    db.conn.close()
    assert summary["admin_password"] is None and summary["password_source"] == "environment"
    assert "BOT_ADMIN_PASSWORD" in describe(summary)


def test_demo_command_prints_where_to_go(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Console:\s+http://jianbao.test/admin/", result.output)
    assert "Sandbox phone" in result.output


def test_prepare_demo_points_links_at_the_served_address(make_app, monkeypatch):
    from web.demo import prepare_demo

    monkeypatch.delenv("BOT_PUBLIC_URL", raising=False)
    app = make_app(BOT_PUBLIC_URL="http://127.0.0.1:5000", BOT_ADMIN_PASSWORD=None)
    text = prepare_demo(app, "0.0.0.0", 8080)
    assert "http://127.0.0.1:8080/admin/" in text and "Console password (generated" in text
    assert app.config["BOT_PUBLIC_URL"] == "http://127.0.0.1:8080"
    assert app.config["WEB_ADMIN_PASSWORD_HASH"]

"""The sandbox phone: only on the sandbox channel, chat through the real signed /wechat path,
inbox of pushed cards."""

from push.publish import push_issue
from push.worker import run_until_idle
from subscriptions import subscribe
from test_console import add_cadre, login, page_token, stored_issue
from web import wechat_sim


def test_sandbox_is_404_on_real_channels(make_app):
    app = make_app(BOT_CHANNEL="mp", WECHAT_APP_ID="wx1", WECHAT_SECRET="s", WECHAT_TOKEN="t")
    client = app.test_client()
    login(client)
    assert client.get("/sandbox/").status_code == 404
    assert client.post("/sandbox/1/say", data={"text": "帮助"}).status_code == 404


def test_picker_opens_the_first_cadre(client, db):
    cadre = add_cadre(db, "王明", "sandbox-1")
    login(client)
    response = client.get("/sandbox/")
    assert response.status_code == 302 and response.location.endswith(f"/sandbox/{cadre}")
    page = client.get(response.location).get_data(as_text=True)
    assert "王明" in page and 'id="say"' in page
    assert client.get("/sandbox/999").status_code == 404


def test_chat_goes_through_the_signed_callback(app, client, db):
    stored_issue(db)
    cadre = add_cadre(db, "王明", "sandbox-1")
    login(client)
    token = page_token(client, f"/sandbox/{cadre}")
    answer = client.post(f"/sandbox/{cadre}/say", data={"text": "订阅 审计"},
                         headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    replies = answer.get_json()["replies"]
    assert replies and "区审计局" in replies[0]["text"]
    assert [d["name"] for d in subscribe.subscriptions_of(db, cadre)["departments"]] == ["区审计局"]
    assert "区审计局" in replies[0]["html"]


def test_chat_refuses_without_csrf_and_empty_text(client, db):
    cadre = add_cadre(db, "王明", "sandbox-1")
    login(client)
    assert client.post(f"/sandbox/{cadre}/say", data={"text": "帮助"}).status_code == 400
    token = page_token(client, f"/sandbox/{cadre}")
    empty = client.post(f"/sandbox/{cadre}/say", data={"text": "  "}, headers={"X-CSRFToken": token})
    assert empty.status_code == 400 and empty.get_json()["error"]
    long = client.post(f"/sandbox/{cadre}/say", data={"text": "长" * 601}, headers={"X-CSRFToken": token})
    assert long.status_code == 400


def test_a_wrongly_signed_message_is_refused_by_the_callback(app):
    query = wechat_sim.signed_query("not-the-token")
    response = app.test_client().post("/wechat", query_string=query,
                                      data=wechat_sim.text_message("sandbox-1", "帮助").encode())
    assert response.status_code == 403


def test_inbox_shows_pushed_cards_and_polls_new_ones(app, client, db):
    issue_id = stored_issue(db)
    cadre = add_cadre(db, "王明", "sandbox-1", departments=["区审计局"])
    login(client)
    assert "暂无消息" in client.get(f"/sandbox/{cadre}").get_data(as_text=True)
    push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    page = client.get(f"/sandbox/{cadre}").get_data(as_text=True)
    assert "上街区十个重大项目集中开工" in page and "审计局开展业务培训" in page
    assert "峡窝镇发放倡议书" not in page  # not subscribed to 峡窝镇
    assert "http://jianbao.test/items/" in page
    fresh = client.get(f"/sandbox/{cadre}/inbox.json?after=0").get_json()
    assert fresh["last_id"] > 0 and "审计局开展业务培训" in fresh["html"]
    none = client.get(f"/sandbox/{cadre}/inbox.json?after={fresh['last_id']}").get_json()
    assert none["html"] == "" and none["last_id"] == fresh["last_id"]

"""The signed publishing webhook: auth, size, formats, idempotent publish and push, status, resend."""

import io
import json
import time

import pytest
import requests

from channels import inbox
from fixtures_chat import webhook_headers
from push.worker import run_until_idle
from test_plan import add_cadre

SECRET = "test-publish-secret"  # conftest's BOT_PUBLISH_SECRET


def post(client, url, body=b"", content_type="text/plain; charset=utf-8", secret=SECRET, **kw):
    headers = webhook_headers("POST", url, body, secret) if secret else {}
    return client.post(url, data=body, headers=headers, content_type=content_type, **kw)


def signed_get(client, url, secret=SECRET):
    return client.get(url, headers=webhook_headers("GET", url, secret=secret))


def post_multipart(client, fields):
    """A signed multipart/form-data POST (the signature covers the raw multipart body)."""
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    values = MultiDict({k: FileStorage(v[0], filename=v[1], content_type=v[2])
                        if isinstance(v, tuple) else v for k, v in fields.items()})
    boundary, raw = encode_multipart(values)
    return client.post("/api/issues", data=raw, headers=webhook_headers("POST", "/api/issues", raw),
                       content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def sample(sample_path):
    return sample_path.read_bytes()


def test_new_issue_is_201_with_items_and_cards_and_the_same_content_is_200(client, sample):
    first = post(client, "/api/issues", sample)
    assert first.status_code == 201
    body = first.get_json()
    assert set(body) == {"id", "items", "cards", "same_as", "differs"}
    assert (body["same_as"], body["differs"]) == (None, {})
    assert body["items"][0]["title"] == "上街区十个重大项目集中开工"
    assert len(body["cards"]) == len(body["items"]) == 8
    assert body["cards"][0]["link"].startswith(f"http://jianbao.test/items/{body['items'][0]['id']}?t=")
    again = post(client, "/api/issues", sample)
    assert (again.status_code, again.get_json()["id"]) == (200, body["id"])


def test_the_same_issue_as_json_or_a_multipart_upload_is_the_same_issue(client, sample):
    import bulletin

    issue_id = post(client, "/api/issues", sample).get_json()["id"]
    as_json = json.dumps(bulletin.parse_bytes(sample, "a.txt").to_dict(), ensure_ascii=False).encode()
    response = post(client, "/api/issues", as_json, content_type="application/json")
    assert (response.status_code, response.get_json()["id"]) == (200, issue_id)
    response = post_multipart(client, {"file": (io.BytesIO(sample), "shangjie.txt", "text/plain")})
    assert (response.status_code, response.get_json()["id"]) == (200, issue_id)


@pytest.mark.parametrize("headers", [{}, {"X-Signature-256": "sha256=" + "0" * 64},
                                     {"X-Signature-256": "deadbeef"}])
def test_missing_or_wrong_signature_is_401(client, sample, headers):
    if headers:  # a current timestamp: the signature itself is what is wrong
        headers = {**headers, "X-Jianbao-Timestamp": str(int(time.time()))}
    response = client.post("/api/issues", data=sample, headers=headers, content_type="text/plain")
    assert response.status_code == 401
    assert "signature" in response.get_json()["error"].lower()


def test_a_signature_made_with_another_secret_is_401(client, sample):
    assert post(client, "/api/issues", sample, secret="other").status_code == 401


def test_without_a_publish_secret_the_webhook_is_off(make_app, sample):
    client = make_app(BOT_PUBLISH_SECRET=None).test_client()
    response = post(client, "/api/issues", sample)
    assert response.status_code == 503
    assert "BOT_PUBLISH_SECRET" in response.get_json()["error"]


@pytest.mark.parametrize("body, content_type", [
    (b"\x00\x01\x02 not an issue", "application/octet-stream"),
    (b"{not json", "application/json"),
    (b"%PDF-1.4 broken", "application/pdf"),
    (b"   ", "text/plain"),
])
def test_unreadable_bodies_are_400_with_a_reason(client, body, content_type):
    response = post(client, "/api/issues", body, content_type=content_type)
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]


def test_multipart_without_a_file_field_is_400(client):
    response = post_multipart(client, {"other": "x"})
    assert response.status_code == 400 and "file" in response.get_json()["error"]


def test_push_on_publish_delivers_to_the_sandbox_and_pushing_again_sends_nothing(app, client, db,
                                                                                 sample):
    add_cadre(db, "审计", "sandbox-1", ["区审计局"])
    add_cadre(db, "全部", "sandbox-2", everything=True)
    response = post(client, "/api/issues?push=1", sample)
    assert response.status_code == 201
    body = response.get_json()
    issue_id = body["id"]
    assert body["push"]["queued"] == 2 and body["push"]["counts"]["pending"] == 2
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    audit = inbox(db, "sandbox-1")
    assert len(audit) == 1
    titles = [a["title"] for a in audit[0]["payload"]["news"]["articles"]]
    assert titles == ["上街区十个重大项目集中开工", "区审计局“四个一”提升信息宣传工作"]
    again = post(client, f"/api/issues/{issue_id}/push")
    assert again.status_code == 202 and again.get_json()["queued"] == 0
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert len(inbox(db, "sandbox-1")) == 1 and len(inbox(db, "sandbox-2")) == 1

    status = signed_get(client, f"/api/issues/{issue_id}/deliveries")
    assert status.status_code == 200
    data = status.get_json()
    assert data["counts"] == {"pending": 0, "sent": 2, "failed": 0, "window_closed": 0}
    assert {(d["recipient"], d["status"]) for d in data["deliveries"]} == {
        ("sandbox-1", "sent"), ("sandbox-2", "sent")}


def test_auto_push_setting_pushes_every_new_issue(make_app, db, sample):
    app = make_app(BOT_AUTO_PUSH=True)
    add_cadre(db, "审计", "sandbox-1", ["区审计局"])
    body = post(app.test_client(), "/api/issues", sample).get_json()
    assert body["push"]["queued"] == 1


def test_status_and_resend_need_the_signature_and_a_known_issue(client, sample):
    issue_id = post(client, "/api/issues", sample).get_json()["id"]
    assert client.get(f"/api/issues/{issue_id}/deliveries").status_code == 401
    assert signed_get(client, "/api/issues/999/deliveries").status_code == 404
    assert post(client, "/api/issues/999/push").status_code == 404
    assert post(client, "/api/issues/999/resend").status_code == 404
    assert client.post(f"/api/issues/{issue_id}/push").status_code == 401
    response = post(client, f"/api/issues/{issue_id}/resend")
    assert response.status_code == 202 and response.get_json()["queued"] == 0


def test_over_the_size_limit_is_413_over_real_http(make_app, live_server, sample):
    server = live_server(make_app(BOT_MAX_BODY_BYTES=1000))
    too_big = requests.post(server.url("/api/issues"), data=sample, timeout=10,
                            headers={**webhook_headers("POST", "/api/issues", sample),
                                     "Content-Type": "text/plain"})
    assert too_big.status_code == 413 and "BOT_MAX_BODY_BYTES" in too_big.json()["error"]
    small = "中共上街区委办公室 2021年1月6日\n\n区审计局开展审计\n区审计局对项目开展审计。（区审计局）\n"
    data = small.encode()
    ok = requests.post(server.url("/api/issues"), data=data, timeout=10,
                       headers={**webhook_headers("POST", "/api/issues", data),
                                "Content-Type": "text/plain; charset=utf-8"})
    assert ok.status_code == 201 and ok.json()["items"][0]["title"] == "区审计局开展审计"


def test_a_serving_app_starts_its_in_process_worker_which_sends_at_once(make_app, db, sample):
    import time

    from push.worker import stop_background

    app = make_app(BOT_INPROCESS_WORKER=True)
    add_cadre(db, "审计", "sandbox-1", ["区审计局"])
    try:
        assert post(app.test_client(), "/api/issues?push=1", sample).status_code == 201
        deadline = time.monotonic() + 20
        while not inbox(db, "sandbox-1") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(inbox(db, "sandbox-1")) == 1
    finally:
        assert stop_background(app)


def test_deliveries_pages_its_rows(client, db, app, sample):
    for n in range(3):
        add_cadre(db, f"审计{n}", f"sandbox-{n}", ["区审计局"])
    issue_id = post(client, "/api/issues?push=1", sample).get_json()["id"]
    page = signed_get(client, f"/api/issues/{issue_id}/deliveries?limit=2&offset=1").get_json()
    assert [d["recipient"] for d in page["deliveries"]] == ["sandbox-1", "sandbox-2"]
    assert page["total"] == 3 and page["pending"] == 3
    assert signed_get(client, f"/api/issues/{issue_id}/deliveries?limit=x").status_code == 400

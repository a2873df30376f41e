"""The webhook's signature covers time, method, path and query: each replay is refused.

A captured request cannot be sent again (reused), with `?push=1` added (changed query), on
another issue (other id), or later (stale timestamp); the signature is
`sha256=HMAC(secret, "{timestamp}\\n{METHOD}\\n{path}[?{query}]\\n" + body)`.
"""

import hashlib
import hmac
import time

import pytest

from fixtures_chat import webhook_headers
from push.webhook import WINDOW, sign

SECRET = "test-publish-secret"  # conftest's BOT_PUBLISH_SECRET


@pytest.fixture
def issue_ids(client, sample_path):
    text = sample_path.read_text(encoding="utf-8")
    ids = []
    other = "某某办公室 2021年2月1日\n\n区审计局开展审计\n区审计局对项目开展审计。（区审计局）\n"
    for body in (text.encode(), other.encode()):
        answer = client.post("/api/issues", data=body, content_type="text/plain",
                             headers=webhook_headers("POST", "/api/issues", body))
        assert answer.status_code == 201, answer.get_json()
        ids.append(answer.get_json()["id"])
    return ids


def deliveries_planned(db):
    return db.execute("SELECT count(*) FROM deliveries").fetchone()[0]


def test_the_signature_is_the_documented_hmac_over_time_method_target_and_body():
    body = b"issue text"
    expected = hmac.new(SECRET.encode(), b"1764313200\nPOST\n/api/issues?push=1\n" + body,
                        hashlib.sha256).hexdigest()
    assert sign(SECRET, 1764313200, "POST", "/api/issues?push=1", body) == "sha256=" + expected


def test_a_publish_replayed_with_push_added_is_refused(client, sample_path, db):
    body = sample_path.read_bytes()
    headers = webhook_headers("POST", "/api/issues", body)
    assert client.post("/api/issues", data=body, headers=headers,
                       content_type="text/plain").status_code == 201
    # the attacker's copy with ?push=1: the query is signed, so the signature no longer fits
    replay = client.post("/api/issues?push=1", data=body, headers=headers, content_type="text/plain")
    assert replay.status_code == 401 and "bad signature" in replay.get_json()["error"]
    assert deliveries_planned(db) == 0


def test_a_changed_query_is_refused(client, issue_ids):
    target = f"/api/issues/{issue_ids[0]}/deliveries?limit=1"
    headers = webhook_headers("GET", target)
    response = client.get(f"/api/issues/{issue_ids[0]}/deliveries?limit=1000", headers=headers)
    assert response.status_code == 401
    assert client.get(target, headers=headers).status_code == 200


def test_a_signature_for_one_issue_does_not_work_for_another(client, issue_ids, db):
    first, second = issue_ids
    headers = webhook_headers("POST", f"/api/issues/{first}/push")
    refused = client.post(f"/api/issues/{second}/push", headers=headers)
    assert refused.status_code == 401 and "bad signature" in refused.get_json()["error"]
    assert client.get(f"/api/issues/{second}/deliveries",
                      headers=webhook_headers("POST", f"/api/issues/{second}/deliveries")
                      ).status_code == 401  # nor for another method
    assert client.post(f"/api/issues/{first}/push", headers=headers).status_code == 202


def test_a_request_replayed_as_is_is_refused(client, issue_ids):
    target = f"/api/issues/{issue_ids[0]}/resend"
    headers = webhook_headers("POST", target)
    assert client.post(target, headers=headers).status_code == 202
    again = client.post(target, headers=headers)
    assert again.status_code == 401 and "already used" in again.get_json()["error"]
    assert client.post(target, headers=webhook_headers("POST", target)).status_code == 202


def test_a_used_signature_is_refused_by_every_app_on_the_same_database(make_app, issue_ids, app):
    target = f"/api/issues/{issue_ids[0]}/deliveries"
    headers = webhook_headers("GET", target)
    assert app.test_client().get(target, headers=headers).status_code == 200
    # a second gunicorn worker: another app object, the same database file
    other = make_app(BOT_DATABASE=app.config["DATABASE_PATH"])
    assert other.test_client().get(target, headers=headers).status_code == 401


@pytest.mark.parametrize("offset", [-(WINDOW + 5), WINDOW + 5], ids=["stale", "from-the-future"])
def test_a_timestamp_outside_the_window_is_refused(client, issue_ids, offset):
    target = f"/api/issues/{issue_ids[0]}/deliveries"
    stamp = int(time.time()) + offset
    headers = {"X-Jianbao-Timestamp": str(stamp),
               "X-Signature-256": sign(SECRET, stamp, "GET", target)}
    response = client.get(target, headers=headers)
    assert response.status_code == 401 and "stale" in response.get_json()["error"]


@pytest.mark.parametrize("stamp", [None, "", "soon", "-5", "１２３", "9" * 40])
def test_a_missing_or_malformed_timestamp_is_refused(client, issue_ids, stamp):
    target = f"/api/issues/{issue_ids[0]}/deliveries"
    headers = {"X-Signature-256": sign(SECRET, stamp or "", "GET", target)}
    if stamp is not None:
        headers["X-Jianbao-Timestamp"] = stamp
    response = client.get(target, headers=headers)
    assert response.status_code == 401 and "X-Jianbao-Timestamp" in response.get_json()["error"]


def test_used_signatures_are_forgotten_once_stale(client, issue_ids, db):
    target = f"/api/issues/{issue_ids[0]}/deliveries"
    db.execute("INSERT INTO used_signatures (signature, expires) VALUES ('old', 1)")
    db.conn.commit()
    assert client.get(target, headers=webhook_headers("GET", target)).status_code == 200
    assert db.execute("SELECT count(*) FROM used_signatures WHERE signature = 'old'"
                      ).fetchone()[0] == 0


def readme_block(language, containing):
    import pathlib
    import re

    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(rf"```{language}\n(.*?)```", readme, re.S)
    return next(block for block in blocks if containing in block)


@pytest.mark.slow
def test_the_readme_shell_recipe_signs_what_the_server_checks(tmp_path):
    import os
    import subprocess

    block = readme_block("sh", "X-Jianbao-Timestamp")
    signing = block.split("\ncurl")[0]  # the signing lines, not the request
    signing = signing.replace("ts=$(date +%s)", "ts=1764313200")
    (tmp_path / "issue.pdf").write_bytes(b"%PDF body\n\x00\xff")
    out = subprocess.run(["bash", "-c", signing + '\necho "$sig"'],
                         cwd=tmp_path, capture_output=True, text=True, timeout=30,
                         env={**os.environ, "BOT_PUBLISH_SECRET": SECRET})
    assert out.returncode == 0, out.stderr
    assert "sha256=" + out.stdout.strip() == sign(SECRET, 1764313200, "POST", "/api/issues?push=1",
                                                  b"%PDF body\n\x00\xff")


def test_the_readme_python_recipe_is_accepted(live_server, app, issue_ids, monkeypatch):
    import requests

    block = readme_block("python", "def signed")
    monkeypatch.setenv("BOT_PUBLISH_SECRET", SECRET)
    scope = {}
    exec(block.split("body = open")[0], scope)  # the recipe's imports and signed()
    server = live_server(app)
    target = f"/api/issues/{issue_ids[0]}/deliveries?limit=5"
    answer = requests.get(server.url(target), headers=scope["signed"]("GET", target), timeout=10)
    assert answer.status_code == 200, answer.text

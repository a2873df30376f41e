"""Bad-input catalogue, part 2: hostile bulletins and requests to the publishing webhook, the
console, the item pages and the sandbox phone; a WeCom message for another application.

    pytest tests/test_hostile_uploads.py

Same harness as part 1 (tests/fixtures_hostile.py): the real app over loopback HTTP, the
exact status, the server still answering, and no rows added to issues, items, outbox,
deliveries, the sandbox inbox, subscriptions or bindings.
"""

import io
import re
import time
import zipfile

import pytest
import requests
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from fixtures_chat import webhook_headers
from push.webhook import sign
from fixtures_hostile import assert_unchanged, row_counts

SECRET = "test-publish-secret"  # conftest's BOT_PUBLISH_SECRET


def sample_text(sample_path):
    return sample_path.read_text(encoding="utf-8")


def publish(live, body, content_type="text/plain", signature=None, headers=None):
    data = body.encode("utf-8") if isinstance(body, str) else body
    head = {"Content-Type": content_type, **webhook_headers("POST", "/api/issues", data),
            **(headers or {})}
    if signature is not None:  # a given signature (or none) in place of the right one
        head.pop("X-Signature-256")
        head.update({"X-Signature-256": signature} if signature else {})
    return requests.post(live.url("/api/issues"), data=data, headers=head, timeout=60)


# ---- hostile files ------------------------------------------------------------------------

def zip_bomb(megabytes=100):
    """A ~100 KB .docx whose document.xml inflates to 100 MB."""
    buf = io.BytesIO()
    chunk = b"A" * (1024 * 1024)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)
    return buf.getvalue()


def encrypted_pdf():
    """A real bulletin page, encrypted with a user password (reportlab's encryption)."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    page = canvas.Canvas(buf, encrypt="secret")
    page.setFont("STSong-Light", 12)
    page.drawString(50, 750, "中共上街区委办公室 2021年1月6日 第1期")
    page.drawString(50, 700, "上街区十个重大项目集中开工")
    page.drawString(50, 680, "1月4日，郑州市2021年第一批重大项目集中开工。")
    page.save()
    return buf.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MASTHEAD_ONLY = "上 街 简 报\n中共上街区委办公室\n2021年1月6日\n第1期\n"

BAD_BULLETINS = [
    pytest.param(b"", "text/plain", "empty", id="empty-body"),
    pytest.param(b"   \r\n\t\n  ", "text/plain", "empty", id="whitespace-only"),
    pytest.param("\u200b\u200c\ufeff".encode(), "text/plain", "没有文字", id="zero-width-only"),
    pytest.param(MASTHEAD_ONLY.encode(), "text/plain", "没有识别出任何条目", id="masthead-no-items"),
    pytest.param("报：区委常委\n送：各部门\n".encode(), "text/plain", "没有识别出任何条目",
                 id="distribution-list-no-items"),
    pytest.param(bytes(range(256)) * 40, "text/plain", "编码", id="random-bytes"),
    pytest.param(lambda text: text[:300].encode() + text[300:900].encode("gbk")
                 + text[900:].encode(), "text/plain", "编码", id="mixed-utf8-and-gbk"),
    pytest.param(b"hello, I am not a PDF", "application/pdf", "PDF", id="pdf-that-is-not-a-pdf"),
    pytest.param(b"%PDF-1.7\n" + b"\x00" * 2000, "application/pdf", "PDF", id="pdf-header-only"),
    pytest.param(lambda text: encrypted_pdf(), "application/pdf", "加密", id="encrypted-pdf"),
    pytest.param(lambda text: zip_bomb(), DOCX, "压缩炸弹", id="zip-bomb-as-docx"),
    pytest.param(b"PK\x03\x04garbage", DOCX, "Word", id="truncated-zip-as-docx"),
    pytest.param(b'{"items": [', "application/json", "JSON", id="truncated-json"),
    pytest.param(b'[1, 2, 3]', "application/json", "JSON", id="json-array"),
    pytest.param(b'{"items": [{"title": 5}]}', "application/json", "title",
                 id="json-wrong-types"),
    pytest.param(b'{"items": []}', "application/json", "条目", id="json-no-items"),
]


@pytest.mark.parametrize("body, content_type, reason", BAD_BULLETINS)
def test_bad_bulletins_are_400_with_a_reason_and_store_nothing(live, sample_path, body,
                                                                 content_type, reason):
    if callable(body):
        body = body(sample_text(sample_path))
    before = live.counts()
    started = time.monotonic()
    response = publish(live, body, content_type)
    assert response.status_code == 400, response.text
    assert reason in response.json()["error"], response.json()
    assert time.monotonic() - started < 20
    assert live.alive()
    assert_unchanged(before, live.counts())


def test_a_bulletin_of_punctuation_only_has_no_items(live):
    before = live.counts()
    response = publish(live, "……\n。。。\n——")
    assert response.status_code == 400
    assert_unchanged(before, live.counts())


def test_a_gbk_bulletin_is_read_not_refused(live, sample_path):
    before = live.counts()
    response = publish(live, sample_text(sample_path).encode("gbk"))
    assert response.status_code == 201, response.text
    assert response.json()["items"] and live.alive()
    after = live.counts()
    assert after["issues"] == before["issues"] + 1 and after["outbox"] == before["outbox"]


def test_a_multipart_upload_named_pdf_that_is_not_a_pdf(live):
    body = b"not a pdf at all"
    before = live.counts()
    # multipart: the signature covers the raw multipart body, as the webhook documents
    request = requests.Request("POST", live.url("/api/issues"),
                               files={"file": ("issue.pdf", body, "application/pdf")}).prepare()
    request.headers.update(webhook_headers("POST", "/api/issues", request.body))
    response = requests.Session().send(request, timeout=30)
    assert response.status_code == 400 and "PDF" in response.json()["error"]
    assert live.alive()
    assert_unchanged(before, live.counts())


# ---- webhook signatures and sizes ---------------------------------------------------------

WEBHOOK_REFUSED = [
    pytest.param({"signature": ""}, 401, id="missing-signature"),
    pytest.param({"signature": "sha256=" + "0" * 64}, 401, id="wrong-signature"),
    pytest.param({"signature": sign("guess", 0, "POST", "/api/issues", b"x")}, 401, id="signed-with-another-secret"),
    pytest.param({"signature": "sha1=abc"}, 401, id="wrong-scheme"),
    pytest.param({"signature": "sig-of-other-body"}, 401, id="signature-of-another-body"),
    pytest.param({"size": 10 * 1024 * 1024 + 1}, 413, id="10MB-body"),
]


@pytest.mark.parametrize("change, status", WEBHOOK_REFUSED)
def test_webhook_refusals(live, sample_path, change, status):
    body = sample_text(sample_path).encode()
    if "size" in change:
        body = (body * (change["size"] // len(body) + 1))[: change["size"]]
    signature = change.get("signature")
    if signature == "sig-of-other-body":
        signature = webhook_headers("POST", "/api/issues", body + b" ")["X-Signature-256"]
    before = live.counts()
    response = publish(live, body, signature=signature)
    assert response.status_code == status
    assert "error" in response.json()
    assert live.alive()
    assert_unchanged(before, live.counts())


def test_a_republished_issue_is_stored_once_and_a_replayed_request_refused(live, sample_path):
    body = sample_text(sample_path).encode()
    before = live.counts()
    first = publish(live, body)
    again = [publish(live, body) for _ in range(3)]  # each signed anew
    assert first.status_code == 201
    assert [r.status_code for r in again] == [200] * 3
    assert {r.json()["id"] for r in again} == {first.json()["id"]}
    replayed = requests.post(live.url("/api/issues"), data=body, timeout=10,
                             headers=first.request.headers)  # the captured request, byte for byte
    assert replayed.status_code == 401 and "already used" in replayed.json()["error"]
    after = live.counts()
    assert after["issues"] == before["issues"] + 1
    assert after["outbox"] == before["outbox"]  # ingest alone pushes nothing


@pytest.mark.parametrize("path, method", [
    ("/api/issues/1/push", "POST"), ("/api/issues/1/resend", "POST"),
    ("/api/issues/1/deliveries", "GET"),
], ids=["push", "resend", "deliveries"])
def test_every_webhook_route_needs_the_signature(live, path, method):
    before = live.counts()
    response = requests.request(method, live.url(path), timeout=10)
    assert response.status_code == 401
    assert live.alive()
    assert_unchanged(before, live.counts())


def test_a_signed_push_of_an_unknown_issue_is_404(live):
    before = live.counts()
    response = requests.post(live.url("/api/issues/99999/push"),
                             headers=webhook_headers("POST", "/api/issues/99999/push"),
                             timeout=10)
    assert response.status_code == 404 and "99999" in response.json()["error"]
    assert_unchanged(before, live.counts())


# ---- console, item pages, sandbox --------------------------------------------------------

CONSOLE_UNAUTHENTICATED = [
    ("GET", "/admin/"), ("GET", "/admin/roster"), ("GET", "/admin/subscribers"),
    ("GET", "/admin/issues/1"), ("GET", "/admin/issues/1/progress.json"),
    ("POST", "/admin/publish"), ("POST", "/admin/issues/1/push"),
    ("POST", "/admin/issues/1/resend"), ("POST", "/admin/items/1"),
    ("POST", "/admin/roster/invite"), ("POST", "/admin/roster/import"),
    ("GET", "/sandbox/"), ("GET", "/sandbox/1"), ("GET", "/sandbox/1/inbox.json"),
    ("POST", "/sandbox/1/say"),
]


def login_page_token(session, live):
    page = session.get(live.url("/admin/login"), timeout=10).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("method, path", CONSOLE_UNAUTHENTICATED,
                         ids=[f"{m}{p}" for m, p in CONSOLE_UNAUTHENTICATED])
def test_console_without_a_session_gives_nothing_away(live, method, path):
    """Pages redirect to the login, JSON is 401; a form (even with a valid CSRF token) does
    nothing and is sent to the login page (303, docs/web.md "Session ended")."""
    session = requests.Session()
    data = {"text": "中共上街区委办公室\n测试\n正文。", "title": "改",
            "csrf_token": login_page_token(session, live)}
    before = live.counts()
    response = session.request(method, live.url(path), data=data if method == "POST" else None,
                               allow_redirects=False, timeout=10)
    if method == "GET" and not path.endswith(".json"):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login")
    elif method == "POST":
        assert response.status_code == 303
        assert response.headers["Location"].startswith("/admin/login")
    else:
        assert response.status_code == 401
    assert "上街区十个重大项目" not in response.text
    assert live.alive()
    assert_unchanged(before, live.counts())


def signed_in(live):
    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      session.get(live.url("/admin/login")).text).group(1)
    response = session.post(live.url("/admin/login"),
                            data={"password": "test-admin-password", "csrf_token": token},
                            allow_redirects=False)
    assert response.status_code == 302
    return session


CSRF_LESS = [("/admin/publish", {"text": "中共上街区委办公室\n标题\n正文。"}),
             ("/admin/items/1", {"title": "被改的标题"}), ("/admin/issues/1/push", {}),
             ("/admin/issues/1/resend", {}), ("/admin/roster/invite", {}),
             ("/sandbox/1/say", {"text": "订阅 审计"})]


@pytest.mark.parametrize("path, data", CSRF_LESS, ids=[p for p, _ in CSRF_LESS])
def test_console_forms_without_the_csrf_token_are_400(live, path, data):
    session = signed_in(live)
    before = live.counts()
    response = session.post(live.url(path), data=data, allow_redirects=False, timeout=10)
    assert response.status_code == 400
    assert live.alive()
    assert_unchanged(before, live.counts())
    conn = __import__("sqlite3").connect(live.app.config["DATABASE_PATH"])
    assert conn.execute("SELECT count(*) FROM items WHERE title = '被改的标题'").fetchone()[0] == 0
    conn.close()


def test_a_forged_session_cookie_is_not_signed_in(live):
    response = requests.get(live.url("/admin/"), cookies={"session": "eyJhZG1pbiI6dHJ1ZX0.x.y"},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


@pytest.mark.parametrize("query", ["", "?t=", "?t=garbage", "?t=" + "A" * 5000],
                         ids=["no-token", "empty-token", "garbage-token", "huge-token"])
def test_item_pages_without_a_valid_link_are_403(live, query):
    before = live.counts()
    response = requests.get(live.url(f"/items/1{query}"), timeout=10)
    assert response.status_code == 403
    assert "链接无效或已过期" in response.text and "上街区十个重大项目" not in response.text
    assert live.alive()
    assert_unchanged(before, live.counts())


def test_an_expired_item_link_is_403_and_records_no_receipt(live, monkeypatch):
    from channels.links import item_url

    url = item_url(live.app.config, 1, cadre_id=1)
    path = url[url.index("/items/"):]
    later = time.time() + (live.app.config["BOT_LINK_TTL_DAYS"] + 1) * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    before = live.counts()
    response = requests.get(live.url(path), timeout=10)
    assert response.status_code == 403 and "链接已过期" in response.text
    assert_unchanged(before, live.counts())


# ---- WeCom: a message for another application of the corp ----------------------------------

def test_a_wecom_message_for_another_agent_gets_no_reply_and_stores_nothing(make_app):
    from test_callback import VECTOR_CORP_ID, WORK, work_post
    from fixtures_chat import text_xml

    app = make_app(**WORK)
    before = row_counts(app)
    response, reply = work_post(app.test_client(),
                                text_xml("lisi", "帮助", 8080, to=VECTOR_CORP_ID, agent=99))
    assert response.status_code == 200 and reply == ""
    assert_unchanged(before, row_counts(app))
    assert row_counts(app)["bound"] == 0  # not even auto-bound as a WeCom member

"""Another version of a stored issue (same number and date, other content) and the masthead
correction: the console upload, the issue page's choices, the push hold, the webhook, the CLI."""

import io
import json
import re
import time

import pytest

from fixtures_chat import webhook_headers
from push.worker import run_until_idle
from store import audit, review
from store.issues import get_issue, issue_items
from test_console import add_cadre, login, page_token


def issue_json(number="第64期", date="2024-04-16", fix=False, extra=False):
    items = [
        {"title": "打造15分钟便民" + ("服务圈" if fix else "生活圈"), "body": "区商务局推进便民设施建设。",
         "department": "区商务局", "kind": "lead"},
        {"title": "区审计局开展业务培训", "body": "区审计局组织全体干部开展业务培训。", "department": "区审计局"},
    ]
    if extra:
        items.append({"title": "峡窝镇发放倡议书", "body": "峡窝镇扎实做好防汛工作。", "department": "峡窝镇"})
    return json.dumps({"issuer": "中共某区委办公室", "date": date, "number": number, "items": items},
                      ensure_ascii=False).encode()


def upload(client, data, name="issue.json"):
    response = client.post("/admin/publish", data={
        "file": (io.BytesIO(data), name, "application/json"), "csrf_token": page_token(client)},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    issue_id = int(response.location.rsplit("/", 1)[1])
    return issue_id, client.get(response.location).get_data(as_text=True)


def push(client, issue_id):
    return client.post(f"/admin/issues/{issue_id}/push", data={
        "csrf_token": page_token(client, f"/admin/issues/{issue_id}")},
        headers={"Accept": "application/json"})


def test_a_corrected_reupload_is_held_and_can_replace_the_earlier_items(client, db):
    login(client)
    first, _ = upload(client, issue_json())
    second, page = upload(client, issue_json(fix=True, extra=True), "fixed.json")
    assert second != first
    assert "期号和日期与这份相同，但内容不同" in page and 'id="same-as"' in page
    assert f'href="/admin/issues/{first}"' in page and 'id="replace-earlier"' in page
    refused = push(client, second)
    assert refused.status_code == 409 and "保留两期" in refused.get_json()["error"]
    replaced = client.post(f"/admin/issues/{second}/versions/replace",
                           data={"csrf_token": page_token(client, f"/admin/issues/{second}")})
    assert replaced.location.endswith(f"/admin/issues/{first}")
    assert [i["title"] for i in issue_items(db, first)][:1] == ["打造15分钟便民服务圈"]
    assert len(issue_items(db, first)) == 3 and get_issue(db, second) is None
    assert client.get(f"/admin/issues/{second}").status_code == 404
    assert review.state(db, first)["state"] == "pending"
    row = audit.entries(db, action="correct", target=f"issue:{first}")[0]
    assert row["details"]["replaced_by_upload"] == second
    again, page = upload(client, issue_json(fix=True, extra=True), "fixed.json")
    assert again == first and 'id="same-as"' not in page  # the corrected file is this issue now


def test_keeping_both_lifts_the_hold(client, db):
    login(client)
    first, _ = upload(client, issue_json())
    second, _ = upload(client, issue_json(fix=True), "fixed.json")
    kept = client.post(f"/admin/issues/{second}/versions/keep",
                       data={"csrf_token": page_token(client, f"/admin/issues/{second}")},
                       follow_redirects=True).get_data(as_text=True)
    assert "两期都保留" in kept and 'id="same-as"' not in kept and 'id="same-number"' in kept
    assert push(client, second).status_code == 200
    assert audit.entries(db, action="keep_both")[0]["target"] == f"issue:{second}"


def test_a_pushed_earlier_issue_is_not_replaced_whole(app, client, db):
    add_cadre(db, "王明", "sandbox-a", everything=True)
    login(client)
    first, _ = upload(client, issue_json())
    assert push(client, first).get_json()["queued"] == 1
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    second, page = upload(client, issue_json(fix=True), "fixed.json")
    assert 'id="replace-earlier"' not in page and "原来那期已推送" in page
    refused = client.post(f"/admin/issues/{second}/versions/replace", data={
        "csrf_token": page_token(client)}, follow_redirects=True).get_data(as_text=True)
    assert "不能整期替换" in refused
    assert issue_items(db, first)[0]["title"] == "打造15分钟便民生活圈"


def test_a_wrong_number_is_corrected_on_the_issue_page(client, db):
    login(client)
    first, _ = upload(client, issue_json(number="第7期", date="2024-04-09"))
    review.approve(db, first, "someone", four_eyes=False)
    again, page = upload(client, issue_json(number="第71期", date="2024-04-09"), "fixed.json")
    assert again == first and "期号是“第71期”，已有的一期是“第7期”" in page
    token = page_token(client, f"/admin/issues/{first}")
    bad = client.post(f"/admin/issues/{first}/masthead", data={
        "csrf_token": token, "number": "第71期", "date": "2024-13-40", "issuer": "中共某区委办公室"},
        follow_redirects=True).get_data(as_text=True)
    assert "YYYY-MM-DD" in bad and get_issue(db, first)["number"] == "第7期"
    fixed = client.post(f"/admin/issues/{first}/masthead", data={
        "csrf_token": token, "number": "第71期", "date": "2024-04-09", "issuer": "中共某区委办公室"},
        follow_redirects=True).get_data(as_text=True)
    assert "已更正期号（第7期 → 第71期）" in fixed and "第71期" in fixed
    assert get_issue(db, first)["number"] == "第71期"
    assert review.state(db, first)["state"] == "pending"  # approved before: back to 待审核
    row = audit.entries(db, action="correct", target=f"issue:{first}")[0]
    assert row["details"] == {"before": {"number": "第7期"}, "after": {"number": "第71期"}}
    same = client.post(f"/admin/issues/{first}/masthead", data={
        "csrf_token": token, "number": "第71期", "date": "2024-04-09", "issuer": "中共某区委办公室"},
        follow_redirects=True).get_data(as_text=True)
    assert "没有改动" in same


def test_the_webhook_says_same_as_and_holds_the_push(client, db):
    def post(url, body):
        return client.post(url, data=body, headers=webhook_headers("POST", url, body),
                           content_type="application/json")

    add_cadre(db, "王明", "sandbox-a", everything=True)
    first = post("/api/issues", issue_json()).get_json()
    second = post("/api/issues?push=1", issue_json(fix=True))
    body = second.get_json()
    assert second.status_code == 201 and body["same_as"] == first["id"]
    assert body["push"]["held"] == "same_as" and body["push"]["queued"] == 0
    renumbered = post("/api/issues", issue_json(number="第65期")).get_json()
    assert renumbered["id"] == first["id"]
    assert renumbered["differs"] == {"number": {"stored": "第64期", "uploaded": "第65期"}}


def test_a_held_version_is_not_approved_until_the_office_decides(app, client, runner, db,
                                                                 tmp_path):
    """Approval took a held upload: cadres' 最新 then showed the undecided version and a
    search found the article twice (the push alone was refused)."""
    from test_roles import HASH, sign_in
    from store import accounts

    accounts.add(db, "shen", "approver", HASH)
    login(client)
    first, _ = upload(client, issue_json())
    second, _ = upload(client, issue_json(fix=True), "fixed.json")
    approver, _ = sign_in(app, "shen")
    page = approver.get(f"/admin/issues/{second}").get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    answer = approver.post(f"/admin/issues/{second}/approve", follow_redirects=True, data={
        "version": version, "csrf_token": page_token(approver, f"/admin/issues/{second}")})
    assert "保留两期" in answer.get_data(as_text=True)
    cli = runner.invoke(args=["approve", str(second)])
    assert cli.exit_code == 2 and "保留两期" in cli.stderr and "Traceback" not in cli.stderr
    assert review.state(db, second)["state"] == "pending"
    client.post(f"/admin/issues/{second}/versions/keep",
                data={"csrf_token": page_token(client, f"/admin/issues/{second}")})
    assert runner.invoke(args=["approve", str(second)]).exit_code == 0  # decided: approvable


def test_the_cli_says_same_as_and_does_not_push_it(runner, db, tmp_path):
    (tmp_path / "a.json").write_bytes(issue_json())
    (tmp_path / "b.json").write_bytes(issue_json(fix=True))
    first = json.loads(runner.invoke(args=["publish", str(tmp_path / "a.json"), "--json"]).stdout)
    assert first["same_as"] is None
    held = runner.invoke(args=["publish", str(tmp_path / "b.json"), "--push"])
    assert held.exit_code == 2 and "not pushed" in held.stderr and f"issue {first['id']}" in held.stderr
    again = json.loads(runner.invoke(args=["publish", str(tmp_path / "b.json"), "--json"]).stdout)
    assert again["same_as"] == first["id"]


def test_the_archive_tags_a_held_version_and_lists_only_those_on_request(client, db):
    login(client)
    first, _ = upload(client, issue_json())
    second, _ = upload(client, issue_json(fix=True), "fixed.json")
    rows = archive_rows(client.get("/admin/").get_data(as_text=True))
    assert 'class="badge warn same-as"' in rows[second] and "另一版本" in rows[second]
    assert f"存档编号 {first} " in rows[second] and "另一版本" not in rows[first]
    held = client.get("/admin/?state=held").get_data(as_text=True)
    assert set(archive_rows(held)) == {second} and "另一版本待定" in held
    client.post(f"/admin/issues/{second}/versions/keep",
                data={"csrf_token": page_token(client, f"/admin/issues/{second}")})
    assert "没有另一版本待定的简报" in client.get("/admin/?state=held").get_data(as_text=True)
    assert "另一版本<" not in client.get("/admin/").get_data(as_text=True)


def archive_rows(page):
    """{issue id: its archive row's HTML}."""
    body = page.split('<table id="archive">')[1].split("</table>")[0]
    rows = body.split("<tr>")[2:]
    return {int(re.search(r'href="/admin/issues/(\d+)"', row).group(1)): row for row in rows}


def test_a_held_version_is_neither_scheduled_by_the_cli_nor_fired_by_the_worker(
        app, client, runner, db, tmp_path):
    """`push --at` and `push` refuse it; a schedule it had anyway (made before this rule)
    stays pending, held with its reason — on the page, in `status`, once in the audit log —
    and fires when the office keeps both."""
    import time

    from channels import inbox
    from push import schedules
    from push.worker import run_until_idle as run

    add_cadre(db, "王明", "sandbox-a", everything=True)
    (tmp_path / "a.json").write_bytes(issue_json())
    (tmp_path / "b.json").write_bytes(issue_json(fix=True))
    first = json.loads(runner.invoke(args=["publish", str(tmp_path / "a.json"), "--json"]).stdout)
    second = json.loads(runner.invoke(args=["publish", str(tmp_path / "b.json"), "--json"]).stdout)
    held = second["id"]
    assert second["same_as"] == first["id"]
    for args in (["push", str(held), "--at", "2099-01-01 08:00"], ["push", str(held), "--no-wait"]):
        refused = runner.invoke(args=args)
        assert refused.exit_code == 2 and "not pushed" in refused.stderr, args
        assert f"issue {first['id']} has this number and date" in refused.stderr
    assert schedules.pending(db, held) == [] and inbox(db, "sandbox-a") == []

    with db.conn:  # the operator's schedule, made before the hold was checked: it falls due
        schedules.add(db, held, "push", time.time() - 60, "scheduled",
                      content=review.versions(db, held)["version"])
    run(app.config["DATABASE_PATH"], app.config)
    run(app.config["DATABASE_PATH"], app.config)
    assert inbox(db, "sandbox-a") == []
    [row] = schedules.pending(db, held)
    assert "期号、日期相同而内容不同" in row["held"]
    [entry] = audit.entries(db, action="schedule_held", target=f"issue:{held}")
    assert entry["who"] == "scheduler" and "保留两期" in entry["details"]["reason"]
    login(client)
    page = client.get(f"/admin/issues/{held}").get_data(as_text=True)
    assert "已暂停：本期与存档编号" in page and "选定后立即发出" in page
    said = runner.invoke(args=["status", str(held)])
    assert said.exit_code == 0 and "held — 本期与存档编号" in said.stdout

    client.post(f"/admin/issues/{held}/versions/keep",
                data={"csrf_token": page_token(client, f"/admin/issues/{held}")})
    run(app.config["DATABASE_PATH"], app.config)
    assert schedules.pending(db, held) == [] and len(inbox(db, "sandbox-a")) == 1


def _earlier_with_a_due_schedule(runner, db, tmp_path):
    """Issue A approved with a scheduled push now due, then a corrected file B of it held
    (same_as A): -> (A, B)."""
    import time

    from push import schedules

    (tmp_path / "a.json").write_bytes(issue_json())
    (tmp_path / "b.json").write_bytes(issue_json(fix=True, extra=True))
    first = json.loads(runner.invoke(args=["publish", str(tmp_path / "a.json"), "--json"]).stdout)
    assert runner.invoke(args=["approve", str(first["id"])]).exit_code == 0
    with db.conn:  # `push A --at …` an hour ago; its time has come
        schedules.add(db, first["id"], "push", time.time() - 60, "scheduled")
    second = json.loads(runner.invoke(args=["publish", str(tmp_path / "b.json"), "--json"]).stdout)
    assert second["same_as"] == first["id"]
    return first["id"], second["id"]


def test_the_earlier_issues_schedule_waits_while_a_newer_version_awaits_the_decision(
        app, client, runner, db, tmp_path):
    """The office scheduled issue A, then a corrected file of it came in (held as another
    version): A's schedule fired anyway and cadres got the version about to be replaced.
    It is held (page, `status`, once in the audit log) and goes once both are kept."""
    from channels import inbox
    from push import schedules

    add_cadre(db, "王明", "sandbox-a", everything=True)
    first, held = _earlier_with_a_due_schedule(runner, db, tmp_path)
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert inbox(db, "sandbox-a") == []
    [row] = schedules.pending(db, first)
    assert f"存档编号 {held}" in row["held"]
    [entry] = audit.entries(db, action="schedule_held", target=f"issue:{first}")
    assert entry["who"] == "scheduler" and f"存档编号 {held}" in entry["details"]["reason"]
    login(client)
    page = client.get(f"/admin/issues/{first}").get_data(as_text=True)
    assert "已暂停：" in page and f"存档编号 {held}" in page and "选定后立即发出" in page
    said = runner.invoke(args=["status", str(first)])
    assert said.exit_code == 0 and f"held — " in said.stdout and f"存档编号 {held}" in said.stdout

    client.post(f"/admin/issues/{held}/versions/keep",
                data={"csrf_token": page_token(client, f"/admin/issues/{held}")})
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert schedules.pending(db, first) == [] and len(inbox(db, "sandbox-a")) == 1


def test_after_a_replacement_the_earlier_schedule_waits_for_the_new_texts_approval(
        app, client, runner, db, tmp_path):
    """Replace: the earlier issue now holds the new text, back to 待审核 — its schedule goes
    only when that is approved, and sends the new text, never the replaced one."""
    from channels import inbox
    from push import schedules
    from test_roles import HASH, sign_in
    from store import accounts

    add_cadre(db, "王明", "sandbox-a", everything=True)
    first, held = _earlier_with_a_due_schedule(runner, db, tmp_path)
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    login(client)
    client.post(f"/admin/issues/{held}/versions/replace",
                data={"csrf_token": page_token(client, f"/admin/issues/{held}")})
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    assert inbox(db, "sandbox-a") == []
    [row] = schedules.pending(db, first)
    assert "回到待审核" in row["held"]  # the reason moved on with the decision
    reasons = [e["details"]["reason"] for e in
               audit.entries(db, action="schedule_held", target=f"issue:{first}")]
    assert len(reasons) == 2 and any("回到待审核" in r for r in reasons)
    accounts.add(db, "shen", "approver", HASH)
    approver, _ = sign_in(app, "shen")
    page = approver.get(f"/admin/issues/{first}").get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    approver.post(f"/admin/issues/{first}/approve", data={
        "version": version, "csrf_token": page_token(approver, f"/admin/issues/{first}")})
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    [message] = inbox(db, "sandbox-a")
    assert "便民服务圈" in json.dumps(message, ensure_ascii=False)
    assert "便民生活圈" not in json.dumps(message, ensure_ascii=False)


def test_whoever_uploaded_the_replacing_version_cannot_approve_it(app, db):
    """Four eyes: 张 uploads a corrected file of 王's issue, 李 replaces the earlier items
    with it — 张 then approved the text 张 uploaded (the issue remembered only 王 as its
    uploader and 李 as its last changer)."""
    from test_roles import HASH, sign_in
    from store import accounts

    for name, role in (("wang", "approver"), ("zhang", "approver"), ("li", "admin")):
        accounts.add(db, name, role, HASH)
    wang, _ = sign_in(app, "wang")
    zhang, _ = sign_in(app, "zhang")
    li, _ = sign_in(app, "li")
    first, _ = upload(wang, issue_json())
    second, _ = upload(zhang, issue_json(fix=True), "fixed.json")
    li.post(f"/admin/issues/{second}/versions/replace",
            data={"csrf_token": page_token(li, f"/admin/issues/{second}")})
    assert get_issue(db, second) is None

    def approve(client):
        page = client.get(f"/admin/issues/{first}").get_data(as_text=True)
        version = re.search(r'name="version" value="([^"]+)"', page).group(1)
        return client.post(f"/admin/issues/{first}/approve", follow_redirects=True, data={
            "version": version, "csrf_token": page_token(client, f"/admin/issues/{first}")
        }).get_data(as_text=True)

    refused = approve(zhang)
    assert review.state(db, first)["state"] == "pending"
    assert "需由另一位审核人批准" in refused
    approve(wang)  # 王's text is gone: 王 reviews 张's
    assert review.state(db, first)["state"] == "approved"


@pytest.fixture
def server_a_day_behind(monkeypatch):
    """The server's own clock in UTC-12 (TZ), so its date lags an office in UTC+14."""
    monkeypatch.setenv("TZ", "Etc/GMT+12")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_masthead_dates_check_uses_the_offices_day_not_the_servers(make_app,
                                                                       server_a_day_behind):
    """The latest date a masthead may carry is counted from today — the office's today
    (BOT_TIMEZONE), not the server's: a server kept in UTC (or behind) is still on
    yesterday in the office's early morning, and refused a date the office may use. Here
    the server's clock is a day or more behind the office's, always."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    app = make_app(BOT_TIMEZONE="Pacific/Kiritimati")  # the office: UTC+14
    client = app.test_client()
    login(client)
    first, _ = upload(client, issue_json(date="2024-04-09"))
    latest = (datetime.now(ZoneInfo("Pacific/Kiritimati")).date() + timedelta(days=31)).isoformat()
    answer = client.post(f"/admin/issues/{first}/masthead", data={
        "csrf_token": page_token(client, f"/admin/issues/{first}"), "number": "第64期",
        "date": latest, "issuer": "中共某区委办公室"}, follow_redirects=True)
    assert "不像一期简报的日期" not in answer.get_data(as_text=True)
    from store.db import open_db
    db = open_db(app.config["DATABASE_PATH"])
    assert get_issue(db, first)["date"] == latest
    db.conn.close()


@pytest.mark.parametrize("change, survives", [
    ({"path": "level", "data": {"level": "公开"}}, True),            # the issue's level (内部 by default)
    ({"path": "masthead", "data": {"issuer": "中共某区委办公室", "number": "第64期",
                                   "date": "2024-04-16"}}, True),  # the masthead: 第46期 fixed
    ({"path": "item-level", "data": {"level": "内部"}}, False),       # an item's: gone with it
])
def test_who_changed_what_a_replacement_keeps_still_cannot_approve_alone(app, db, change,
                                                                         survives):
    """Four eyes after 替换: 王 uploaded the issue and also set its level (or corrected its
    masthead), which a replacement keeps; 张 uploads the corrected text, 李 replaces. 王's
    text is gone but 王's level (masthead) is not: 王 was let approve it alone. An item's own
    level goes with the replaced items, so that one does not count."""
    from test_roles import HASH, sign_in
    from store import accounts

    for name, role in (("wang", "approver"), ("zhang", "approver"), ("li", "admin")):
        accounts.add(db, name, role, HASH)
    wang, _ = sign_in(app, "wang")
    zhang, _ = sign_in(app, "zhang")
    li, _ = sign_in(app, "li")
    first, _ = upload(wang, issue_json(number="第46期" if change["path"] == "masthead"
                                       else "第64期"))
    path = change["path"]
    if path == "item-level":
        item_id = issue_items(db, first)[0]["id"]
        url = f"/admin/items/{item_id}/level"
    else:
        url = f"/admin/issues/{first}/{path}"
    answer = wang.post(url, data={**change["data"],
                                  "csrf_token": page_token(wang, f"/admin/issues/{first}")})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    second, _ = upload(zhang, issue_json(fix=True), "fixed.json")
    li.post(f"/admin/issues/{second}/versions/replace",
            data={"csrf_token": page_token(li, f"/admin/issues/{second}")})
    assert get_issue(db, second) is None

    page = wang.get(f"/admin/issues/{first}").get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    answer = wang.post(f"/admin/issues/{first}/approve", follow_redirects=True, data={
        "version": version, "csrf_token": page_token(wang, f"/admin/issues/{first}")})
    if survives:
        assert review.state(db, first)["state"] == "pending"
        assert "需由另一位审核人批准" in answer.get_data(as_text=True)
        assert "wang" in review.changers(db, first)
    else:
        assert review.state(db, first)["state"] == "approved"

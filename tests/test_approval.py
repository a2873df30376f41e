"""Approval before a push (审核): 待审核 -> 已批准 -> 已推送, four-eyes, a change after approval
sends the issue back, the console's push gate, and the CLI as the operator or as an account."""

import re

import pytest
from werkzeug.security import generate_password_hash

from store import accounts, audit, review
from store.issues import issue_items
from test_console import csrf_from, stored_issue
from test_roles import HASH, sign_in


@pytest.fixture
def office(app, db):
    accounts.add(db, "zhang", "editor", HASH)
    accounts.add(db, "li", "approver", HASH)
    accounts.add(db, "wang", "approver", HASH)
    return app


def upload(client, sample_path):
    answer = client.post("/admin/publish", data={"text": sample_path.read_text(encoding="utf-8"),
                                                 "csrf_token": csrf_from(client.get("/admin/"))})
    return int(answer.location.rstrip("/").split("/")[-1])


def approve_form(client, issue_id):
    """The approve form's fields as the issue page renders them now (its content version)."""
    page = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="(version|seen)" value="([^"]*)"', page))
    return dict(fields, csrf_token=re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))


def approve(client, issue_id, **kwargs):
    return client.post(f"/admin/issues/{issue_id}/approve", data=approve_form(client, issue_id),
                       **kwargs)


def post(client, path, **data):
    return client.post(path, data=dict(data, csrf_token=csrf_from(client.get("/admin/"))),
                       headers={"Accept": "application/json"})


def test_upload_approve_push_moves_through_the_three_states(office, db, sample_path):
    zhang, _ = sign_in(office, "zhang")
    li, _ = sign_in(office, "li")
    issue_id = upload(zhang, sample_path)
    assert review.state(db, issue_id)["state"] == "pending"
    assert "待审核" in zhang.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    assert "待审核" in zhang.get("/admin/").get_data(as_text=True)            # the archive too
    refused = post(li, f"/admin/issues/{issue_id}/push")
    assert refused.status_code == 409 and "批准" in refused.get_json()["error"]
    assert post(zhang, f"/admin/issues/{issue_id}/approve").status_code == 403   # an editor
    approve(li, issue_id)
    assert review.state(db, issue_id)["state"] == "approved"
    assert "已批准" in li.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    assert post(li, f"/admin/issues/{issue_id}/push").status_code == 200
    assert review.state(db, issue_id)["state"] == "pushed"
    assert "已推送" in li.get("/admin/").get_data(as_text=True)
    names = [(r["who"], r["action"]) for r in reversed(audit.entries(db, target=f"issue:{issue_id}"))]
    assert names == [("zhang", "publish"), ("li", "approve"), ("li", "push")]


def test_four_eyes_the_uploader_or_last_changer_cannot_approve(office, db, sample_path):
    li, _ = sign_in(office, "li")
    wang, _ = sign_in(office, "wang")
    issue_id = upload(li, sample_path)
    page = approve(li, issue_id, follow_redirects=True).get_data(as_text=True)
    assert "另一位审核人" in page and review.state(db, issue_id)["state"] == "pending"
    item = issue_items(db, issue_id)[1]
    wang.post(f"/admin/items/{item['id']}", data={"title": "王改的标题", "department": "",
                                                 "csrf_token": csrf_from(wang.get("/admin/"))})
    with pytest.raises(review.ReviewRefused):           # wang changed it last
        review.approve(db, issue_id, "wang")
    with pytest.raises(review.ReviewRefused):           # li uploaded it
        review.approve(db, issue_id, "li")


def test_four_eyes_off_lets_the_uploader_approve(make_app, sample_path):
    app = make_app(BOT_FOUR_EYES=False)
    from store.db import open_db
    db = open_db(app.config["DATABASE_PATH"])
    accounts.add(db, "li", "approver", HASH)
    li, _ = sign_in(app, "li")
    issue_id = upload(li, sample_path)
    approve(li, issue_id)
    assert review.state(db, issue_id)["state"] == "approved"


def test_a_change_after_approval_sends_it_back_and_a_pushed_issue_needs_an_approver(office, db,
                                                                                     sample_path):
    zhang, _ = sign_in(office, "zhang")
    issue_id = upload(zhang, sample_path)
    review.approve(db, issue_id, "li")
    item = issue_items(db, issue_id)[1]
    zhang.post(f"/admin/items/{item['id']}", data={"title": "改过", "department": "",
                                                  "csrf_token": csrf_from(zhang.get("/admin/"))})
    assert review.state(db, issue_id)["state"] == "pending"
    review.approve(db, issue_id, "wang")
    review.pushed(db, issue_id)
    refused = zhang.post(f"/admin/items/{item['id']}", data={
        "title": "再改", "department": "", "csrf_token": csrf_from(zhang.get("/admin/"))})
    assert refused.status_code == 403 and issue_items(db, issue_id)[1]["title"] == "改过"


def test_without_named_accounts_the_push_button_works_as_before(client, db):
    issue_id = stored_issue(db)
    token = csrf_from(client.get("/admin/login"))
    client.post("/admin/login", data={"password": "test-admin-password", "csrf_token": token})
    assert post(client, f"/admin/issues/{issue_id}/push").status_code == 200


def test_cli_as_operator_may_push_unapproved_and_as_an_editor_is_refused(make_app, sample_path,
                                                                          tmp_path):
    from store.db import open_db

    operator = make_app()
    db = open_db(operator.config["DATABASE_PATH"])
    accounts.add(db, "zhang", "editor", HASH)
    accounts.add(db, "li", "approver", HASH)
    runner = operator.test_cli_runner()
    issue_id = int(runner.invoke(args=["publish", str(sample_path)]).output.split()[0])
    assert runner.invoke(args=["push", str(issue_id), "--no-wait"]).exit_code == 0
    assert review.state(db, issue_id)["state"] == "pushed"

    text = "某某办公室 2021年2月1日\n\n区审计局开展审计\n区审计局对项目开展审计。（区审计局）\n"
    other = tmp_path / "other.txt"
    other.write_text(text, encoding="utf-8")
    as_zhang = make_app(BOT_CLI_USER="zhang").test_cli_runner()
    second = int(as_zhang.invoke(args=["publish", str(other)]).output.split()[0])
    assert review.state(db, second)["uploaded_by"] == "zhang"
    refused = as_zhang.invoke(args=["push", str(second)])
    assert refused.exit_code == 2 and len(refused.output.strip().splitlines()) == 1
    assert "zhang is editor" in refused.output
    as_li = make_app(BOT_CLI_USER="li").test_cli_runner()
    assert as_li.invoke(args=["push", str(second), "--no-wait"]).exit_code == 2  # not approved
    assert as_li.invoke(args=["approve", str(second)]).exit_code == 0
    assert as_li.invoke(args=["push", str(second), "--no-wait"]).exit_code == 0
    assert [(r["who"], r["where"], r["action"]) for r in reversed(audit.entries(db, target=f"issue:{second}"))] == [
        ("zhang", "cli", "publish"), ("li", "cli", "approve"), ("li", "cli", "push")]
    unknown = make_app(BOT_CLI_USER="nobody").test_cli_runner().invoke(args=["approve", "1"])
    assert unknown.exit_code == 2 and "BOT_CLI_USER" in unknown.output


def test_webhook_publishes_are_pending_and_its_push_is_allowed(client, db, sample_path):
    from fixtures_chat import webhook_headers

    body = sample_path.read_bytes()
    answer = client.post("/api/issues?push=1", data=body, content_type="text/plain",
                         headers=webhook_headers("POST", "/api/issues?push=1", body)).get_json()
    state = review.state(db, answer["id"])
    assert (state["state"], state["uploaded_by"]) == ("pushed", "webhook")


def test_the_new_settings_are_read_and_checked():
    import config

    values = config.from_env({"BOT_FOUR_EYES": "0", "BOT_CLI_USER": "li"})
    assert values["BOT_FOUR_EYES"] is False and values["BOT_CLI_USER"] == "li"
    assert config.from_env({})["BOT_FOUR_EYES"] is True
    with pytest.raises(config.ConfigError, match="BOT_FOUR_EYES"):
        config.from_env({"BOT_FOUR_EYES": "maybe"})
    with pytest.raises(config.ConfigError, match="BOT_CLI_USER"):
        config.check(dict(values, BOT_CLI_USER="li; rm -rf"))


def test_a_cli_correction_after_approval_sends_the_issue_back_for_review(runner, db, sample_path):
    """As in the console: a change after approval (and before the push) needs approving
    again; a correction after the push leaves it pushed."""
    import json

    from store import review

    issue_id = json.loads(runner.invoke(args=["publish", str(sample_path), "--json"]).output)["id"]
    review.approve(db, issue_id, "an-approver", four_eyes=False)
    item_id = db.execute("SELECT MIN(id) FROM items WHERE issue_id = ?", [issue_id]).fetchone()[0]
    args = ["item", "correct", str(item_id), "--title", "改过的标题", "--note", "标题有误"]
    assert runner.invoke(args=args).exit_code == 0
    assert review.state(db, issue_id)["state"] == "pending"
    review.approve(db, issue_id, "an-approver", four_eyes=False)
    assert runner.invoke(args=["push", str(issue_id), "--no-wait"]).exit_code == 0
    assert runner.invoke(args=args[:4] + ["又改的标题", "--note", "再改"]).exit_code == 0
    assert review.state(db, issue_id)["state"] == "pushed"


def test_approving_from_a_page_loaded_before_a_change_approves_nothing_and_marks_it(office, db,
                                                                                    sample_path):
    """The approver reads the issue; an editor changes a title; 批准 on the page read before
    the change is refused, and the page opens again with that item marked."""
    zhang, _ = sign_in(office, "zhang")
    li, _ = sign_in(office, "li")
    issue_id = upload(zhang, sample_path)
    read = approve_form(li, issue_id)                      # li's page, before the change
    item = issue_items(db, issue_id)[1]
    zhang.post(f"/admin/items/{item['id']}", data={
        "title": "未经审核的改动", "department": item["department"] or "",
        "csrf_token": csrf_from(zhang.get("/admin/"))})
    refused = li.post(f"/admin/issues/{issue_id}/approve", data=read)
    assert review.state(db, issue_id)["state"] == "pending"
    assert f"changed={item['id']}" in refused.location
    page = li.get(refused.location).get_data(as_text=True)
    assert "在你打开页面后已被修改（最后修改：zhang），未批准" in page
    marked = page.split(f'id="item-{item["id"]}"')[1].split("</form>")[0]
    assert "此条在你打开页面后已被修改" in marked and "未经审核的改动" in marked
    others = page.split(f'id="item-{issue_items(db, issue_id)[2]["id"]}"')[1].split("</form>")[0]
    assert "此条在你打开页面后已被修改" not in others
    without = li.post(f"/admin/issues/{issue_id}/approve",           # no version: not approved
                      data={"csrf_token": read["csrf_token"]}, follow_redirects=True)
    assert "页面已过期，未批准" in without.get_data(as_text=True)
    assert review.state(db, issue_id)["state"] == "pending"
    approve(li, issue_id)                                  # read again, then approved
    assert review.state(db, issue_id)["state"] == "approved"
    assert [r["action"] for r in audit.entries(db, target=f"issue:{issue_id}")].count("approve") == 1


@pytest.mark.parametrize("change", ["level", "withdrawn", "department"])
def test_the_version_moves_with_every_change_an_approver_would_see(db, change):
    issue_id = stored_issue(db)
    before = review.versions(db, issue_id)
    item = issue_items(db, issue_id)[0]
    if change == "level":
        from store import levels
        levels.set_item_level(db, item["id"], "公开")
    elif change == "withdrawn":
        db.execute("UPDATE items SET withdrawn_at = '2026-01-01T00:00:00Z' WHERE id = ?", [item["id"]])
        db.conn.commit()
    else:
        from store.issues import update_item
        update_item(db, item["id"], department="区审计局")
    after = review.versions(db, issue_id)
    assert after["version"] != before["version"]
    assert [i for i in after["items"] if after["items"][i] != before["items"][i]] == [item["id"]]


def test_cli_approve_prints_what_it_approved_and_refuses_a_stale_version(make_app, sample_path):
    from store.db import open_db

    app = make_app()
    db = open_db(app.config["DATABASE_PATH"])
    runner = app.test_cli_runner()
    issue_id = int(runner.invoke(args=["publish", str(sample_path)]).output.split()[0])
    seen = review.versions(db, issue_id)["version"]
    item = issue_items(db, issue_id)[0]
    args = ["item", "correct", str(item["id"]), "--title", "改过的标题", "--note", "标题有误"]
    assert runner.invoke(args=args).exit_code == 0
    stale = runner.invoke(args=["approve", str(issue_id), "--version", seen])
    assert stale.exit_code == 2 and len(stale.output.strip().splitlines()) == 1
    assert f"changed since version {seen}" in stale.output
    assert review.state(db, issue_id)["state"] == "pending"
    now = review.versions(db, issue_id)["version"]
    done = runner.invoke(args=["approve", str(issue_id), "--version", now])
    assert done.exit_code == 0 and f"approved (version {now})" in done.output
    assert "改过的标题" in done.output
    assert audit.entries(db, action="approve")[0]["details"] == {"version": now}
    db.conn.close()


def test_four_eyes_counts_everyone_who_changed_it_since_its_last_approval(office, db,
                                                                          sample_path):
    """王 corrected an item's title, then 李 changed an item's level: 王 was no longer the
    last changer and approved alone the text 王 had written. Everyone who uploaded or
    changed the issue since its last approval is refused — the console and the CLI alike,
    naming why — and after an approval the count starts again."""
    accounts.add(db, "zhao", "approver", HASH)
    zhang, _ = sign_in(office, "zhang")
    wang, _ = sign_in(office, "wang")
    li, _ = sign_in(office, "li")
    zhao, _ = sign_in(office, "zhao")
    issue_id = upload(zhang, sample_path)
    first, second = issue_items(db, issue_id)[1:3]
    wang.post(f"/admin/items/{first['id']}", data={"title": "王改的标题", "department": "",
                                                  "csrf_token": csrf_from(wang.get("/admin/"))})
    li.post(f"/admin/items/{second['id']}/level",
            data={"level": "公开", "csrf_token": csrf_from(li.get("/admin/"))})
    assert review.state(db, issue_id)["changed_by"] == "li"

    page = approve(wang, issue_id, follow_redirects=True).get_data(as_text=True)
    assert review.state(db, issue_id)["state"] == "pending"
    why = f"第 {issue_id} 期自上次批准以来由 wang 修改过"
    assert why in page and "需由另一位审核人批准" in page
    office.config["BOT_CLI_USER"] = "wang"
    refused = office.test_cli_runner().invoke(args=["approve", str(issue_id)])
    assert refused.exit_code == 2 and why in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert review.state(db, issue_id)["state"] == "pending"

    approve(zhao, issue_id)
    assert review.state(db, issue_id)["state"] == "approved"
    li.post(f"/admin/items/{second['id']}/level",          # changed after the approval
            data={"level": "内部", "csrf_token": csrf_from(li.get("/admin/"))})
    assert review.state(db, issue_id)["state"] == "pending"
    approve(wang, issue_id)                                # wang's change was approved by zhao
    assert review.state(db, issue_id)["state"] == "approved"

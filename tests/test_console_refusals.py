"""A refused save in the console loses nothing: the reason is shown and every field typed is
back in its form (the item form, the masthead, a new account, a paste), nothing is saved —
and a script's edit without the form's `*_was` is saved but marked in the audit log."""

import html
import re

from store import accounts, audit
from store.departments import learn
from store.issues import get_issue, issue_items
from test_concurrent_edits import arranged, form_fields, item_form
from test_console import csrf_from, login, page_token, stored_issue
from test_roles import HASH, sign_in


def edit(client, item, **fields):
    return client.post(f"/admin/items/{item['id']}", data=fields)


def refused_edit(client, db, issue_id, **typed):
    """Sign in, open the issue's third item, submit its form with `typed` in it: refused
    (422) -> (the item as it was, the page, the fields the page's form holds again)."""
    login(client)
    item = issue_items(db, issue_id)[2]
    refused = edit(client, item, **dict(item_form(client, issue_id, item["id"]), **typed))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    return item, page, form_fields(page, item["id"])


def test_an_empty_title_keeps_the_department_typed(client, db):
    issue_id = stored_issue(db)
    item, page, again = refused_edit(client, db, issue_id, title="  ", department="区审计局")
    assert "第 3 条的标题不能为空" in page and "输入框里是你输入的内容" in page
    assert again["department"] == "区审计局" and again["title_was"] == item["title"]
    assert issue_items(db, issue_id)[2]["department"] == "峡窝镇"  # nothing saved


def test_an_ambiguous_department_keeps_the_new_title_too(client, db):
    issue_id = stored_issue(db)
    learn(db, "市审计局")
    item, page, again = refused_edit(client, db, issue_id, title="改过的标题", department="审计局")
    assert "未更新" in page and "市审计局" in page
    assert (again["title"], again["department"]) == ("改过的标题", "审计局")
    assert issue_items(db, issue_id)[2]["title"] == item["title"]


def test_a_refusal_still_catches_a_change_made_meanwhile(app, db):
    """The refused page keeps the `*_was` the form was opened with: if someone changed the
    item in between, submitting again is a conflict, not a silent overwrite."""
    issue_id, item, a, b = arranged(app, db)
    seen_by_b = item_form(b, issue_id, item["id"])
    refused = edit(b, item, **dict(seen_by_b, title=" "))
    assert refused.status_code == 422
    a.post(f"/admin/items/{item['id']}",
           data=dict(item_form(a, issue_id, item["id"]), title="张改的标题"))
    again = form_fields(refused.get_data(as_text=True), item["id"])
    conflict = edit(b, item, **dict(again, title="赵改的标题"))
    assert conflict.status_code == 409
    assert issue_items(db, issue_id)[2]["title"] == "张改的标题"


def test_after_the_push_a_missing_note_keeps_the_correction_typed(app, client, runner, db):
    from test_corrections import pushed

    issue_id, item_id = pushed(runner, db)
    login(client)
    item = {"id": item_id}
    form = item_form(client, issue_id, item_id)
    refused = edit(client, item, **dict(form, title="区审计局新标题", notify="1"))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "更正须写明说明" in page
    assert form_fields(page, item_id)["title"] == "区审计局新标题"
    assert re.search(r'name="notify" value="1" checked', page)


def test_a_refused_masthead_correction_keeps_what_was_typed(client, db):
    issue_id = stored_issue(db)
    login(client)
    token = page_token(client, f"/admin/issues/{issue_id}")
    refused = client.post(f"/admin/issues/{issue_id}/masthead", data={
        "csrf_token": token, "issuer": "改过的发文单位", "number": "第2期", "date": "2021-13-40"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "YYYY-MM-DD" in page and 'id="masthead" open' in page
    for name, value in (("issuer", "改过的发文单位"), ("number", "第2期"), ("date", "2021-13-40")):
        assert re.search(rf'name="{name}" value="{value}"', page), name
    assert get_issue(db, issue_id)["number"] == "第1期"


def test_a_refused_account_keeps_its_name_and_role(app, db):
    accounts.add(db, "boss", "admin", HASH)
    admin, _ = sign_in(app, "boss")
    token = csrf_from(admin.get("/admin/accounts"))
    refused = admin.post("/admin/accounts", data={"csrf_token": token, "name": "zhou",
                                                  "role": "approver", "password": "short"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "密码至少" in page and 'name="name" value="zhou"' in page
    assert '<option value="approver" selected>' in page and "short" not in page
    assert accounts.get(db, "zhou") is None


def test_a_refused_paste_stays_in_its_box(client, db):
    login(client)
    text = "Minutes of the meeting: not a bulletin, no Chinese at all."
    refused = client.post("/admin/publish", data={"csrf_token": page_token(client), "text": text})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "无法读取" in page and html.escape(text) in page
    from test_classified import BODY

    secret = client.post("/admin/publish", data={"csrf_token": page_token(client),
                                                 "text": BODY.format(mark="机密★6个月")})
    assert secret.status_code == 302  # a classified text is not shown again


# --- scripts: the item edit endpoint without the form's `*_was`


def test_a_script_without_was_is_saved_and_marked_unchecked_in_the_audit_log(client, db):
    issue_id = stored_issue(db)
    login(client)
    item = issue_items(db, issue_id)[2]
    token = page_token(client, f"/admin/issues/{issue_id}")
    saved = client.post(f"/admin/items/{item['id']}", json={"title": "脚本改的标题"},
                        headers={"X-CSRFToken": token})
    assert saved.status_code == 200
    assert saved.get_json() == {"item": item["id"], "saved": {"title": "脚本改的标题"},
                                "message": "第 3 条已更新。", "unchecked": ["title"]}
    now = issue_items(db, issue_id)[2]
    assert (now["title"], now["department"]) == ("脚本改的标题", "峡窝镇")  # not sent: kept
    row = audit.entries(db, action="correct", target=f"item:{item['id']}")[0]
    assert row["details"]["unchecked"] == ["title"]
    # the browser's form carries its `*_was`: no mark
    form = item_form(client, issue_id, item["id"])
    client.post(f"/admin/items/{item['id']}", data=dict(form, title="表单改的标题"))
    row = audit.entries(db, action="correct", target=f"item:{item['id']}")[0]
    assert "unchecked" not in row["details"]


def test_a_script_with_was_gets_the_conflict_and_refusals_as_json(client, db):
    issue_id = stored_issue(db)
    login(client)
    item = issue_items(db, issue_id)[2]
    token = page_token(client, f"/admin/issues/{issue_id}")
    headers = {"X-CSRFToken": token}
    url = f"/admin/items/{item['id']}"
    assert client.post(url, json={"title": "甲"}, headers=headers).status_code == 200
    stale = client.post(url, json={"title": "乙", "title_was": item["title"]}, headers=headers)
    assert stale.status_code == 409
    assert stale.get_json()["conflicts"] == {"title": "甲"} and "未保存" in stale.get_json()["error"]
    empty = client.post(url, json={"title": " "}, headers=headers)
    assert empty.status_code == 422 and "标题不能为空" in empty.get_json()["error"]
    unknown = client.post(url, json={"department": "区审汁局"}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.get_json()["confirm_department"] == "区审汁局"
    assert issue_items(db, issue_id)[2]["title"] == "甲"


def test_a_masthead_date_no_bulletin_could_carry_is_refused(client, db):
    """9999-12-31 (or 2201 for 2021) was taken: once approved, that issue was every cadre's 最新
    and topped search for years."""
    from datetime import date, timedelta

    issue_id = stored_issue(db)
    login(client)
    stored = get_issue(db, issue_id)["date"]
    soon = (date.today() + timedelta(days=7)).isoformat()   # an issue dated the day it goes out
    for typo in ("9999-12-31", "0001-01-01", "2201-03-05"):
        refused = client.post(f"/admin/issues/{issue_id}/masthead", data={
            "csrf_token": page_token(client, f"/admin/issues/{issue_id}"), "date": typo})
        assert refused.status_code == 422 and "请检查是否输错" in refused.get_data(as_text=True)
        assert get_issue(db, issue_id)["date"] == stored
    client.post(f"/admin/issues/{issue_id}/masthead", data={
        "csrf_token": page_token(client, f"/admin/issues/{issue_id}"), "date": soon})
    assert get_issue(db, issue_id)["date"] == soon


def test_a_reason_from_the_store_ends_its_sentence_before_the_next(client, db):
    """"单位名称“区”太短，请写全称你输入的内容保留在下面" read as one garbled instruction."""
    issue_id = stored_issue(db)
    login(client)
    item = issue_items(db, issue_id)[2]
    form = item_form(client, issue_id, item["id"])
    page = edit(client, item, **dict(form, department="区")).get_data(as_text=True)
    assert "请写全称。你输入的内容保留在下面" in page and "请写全称。输入框里" in page


def test_a_department_typed_as_a_word_is_audited_and_answered_as_stored(client, db):
    """`审计` is stored as 区审计局; the audit row's `after` and a script's `saved` said 审计,
    so the trail read 峡窝镇 -> 审计 and the next row's `before` 区审计局."""
    issue_id = stored_issue(db)
    learn(db, "区审计局")
    login(client)
    item = issue_items(db, issue_id)[2]
    headers = {"X-CSRFToken": page_token(client, f"/admin/issues/{issue_id}")}
    saved = client.post(f"/admin/items/{item['id']}", json={"department": "审计"}, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["saved"] == {"department": "区审计局"}
    assert issue_items(db, issue_id)[2]["department"] == "区审计局"
    row = audit.entries(db, action="correct", target=f"item:{item['id']}")[0]
    assert row["details"]["after"] == {"department": "区审计局"}
    assert row["details"]["before"] == {"department": item["department"]}


def test_a_script_s_unreadable_json_is_refused_with_a_reason_and_saves_nothing(client, db):
    """A `true` in `title_was` was a 500; a body that is no JSON object was "200 没有改动" (the
    script thought it had corrected the item); a list was saved as the title `['a', 'b']`."""
    issue_id = stored_issue(db)
    login(client)
    item = issue_items(db, issue_id)[2]
    headers = {"X-CSRFToken": page_token(client, f"/admin/issues/{issue_id}")}
    url = f"/admin/items/{item['id']}"
    for body, code in (({"title": "甲", "title_was": True}, 422),
                       ({"department": "区审计局", "department_was": False}, 422),
                       ({"title": ["a", "b"]}, 422), (["title"], 400)):
        answer = client.post(url, json=body, headers=headers)
        assert answer.status_code == code and answer.get_json()["item"] == item["id"], body
    broken = client.post(url, data='{"title": "甲"', headers=dict(headers, **{
        "Content-Type": "application/json"}))
    assert broken.status_code == 400 and "JSON 对象" in broken.get_json()["error"]
    assert issue_items(db, issue_id)[2] == item                      # nothing saved
    missing = client.post("/admin/items/99999", json={"title": "甲"}, headers=headers)
    assert missing.status_code == 404 and "error" in missing.get_json()


def test_going_back_from_the_new_department_question_keeps_the_typing(client, db):
    issue_id = stored_issue(db)
    login(client)
    item = issue_items(db, issue_id)[2]
    form = item_form(client, issue_id, item["id"])
    asked = edit(client, item, **dict(form, title="新标题", department="区审汁局"))
    page = asked.get_data(as_text=True)
    assert "不是已知部门" in page and 'id="edit-again"' in page
    back = page.split('id="edit-again"')[0].rsplit("<form", 1)[1]
    fields = {n: html.unescape(v) for n, v in re.findall(r'name="(\w+)" value="([^"]*)"', back)}
    again = client.post(f"/admin/items/{item['id']}", data=fields)
    assert again.status_code == 200
    typed = form_fields(again.get_data(as_text=True), item["id"])
    assert (typed["title"], typed["department"]) == ("新标题", "区审汁局")
    assert issue_items(db, issue_id)[2]["title"] == item["title"]  # nothing saved

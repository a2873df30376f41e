"""Two people correcting the same issue: a save writes only the fields its user changed (the
form carries what it was loaded with), and a field someone else changed since is a conflict —
409, the current value shown, what the user typed kept in the form, nothing saved."""

import html
import re

from store import accounts
from store.issues import issue_items
from test_console import stored_issue
from test_roles import HASH, sign_in


def item_form(client, issue_id, item_id):
    """The fields of one item's form as the issue page renders it now (hidden ones too)."""
    page = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    return form_fields(page, item_id)


def form_fields(page, item_id):
    form = page.split(f'<form class="item-edit" id="item-{item_id}"')[1].split("</form>")[0]
    fields = {name: html.unescape(value) for name, value in re.findall(
        r'<input type="(?:hidden|text)"[^>]*?name="(\w+)"[^>]*?value="([^"]*)"', form)}
    fields.update(re.findall(r'<input type="checkbox" name="(\w+)" value="([^"]*)" checked', form))
    return fields


def arranged(app, db):
    for name in ("zhang", "zhao"):
        accounts.add(db, name, "editor", HASH)
    issue_id = stored_issue(db)
    item = issue_items(db, issue_id)[2]
    a, _ = sign_in(app, "zhang")
    b, _ = sign_in(app, "zhao")
    return issue_id, item, a, b


def test_a_save_from_an_older_page_keeps_what_someone_else_changed(app, db):
    issue_id, item, a, b = arranged(app, db)
    seen_by_a = item_form(a, issue_id, item["id"])
    seen_by_b = item_form(b, issue_id, item["id"])
    assert seen_by_a["title_was"] == item["title"]
    a.post(f"/admin/items/{item['id']}", data=dict(seen_by_a, title=item["title"] + "（更正版）"))
    # b, on the page loaded before, changes only the department
    saved = b.post(f"/admin/items/{item['id']}", data=dict(seen_by_b, department="区审计局"))
    assert saved.status_code == 302
    now = issue_items(db, issue_id)[2]
    assert (now["title"], now["department"]) == (item["title"] + "（更正版）", "区审计局")


def test_both_changing_the_same_field_is_a_conflict_that_loses_nothing(app, db):
    issue_id, item, a, b = arranged(app, db)
    seen_by_a = item_form(a, issue_id, item["id"])
    seen_by_b = item_form(b, issue_id, item["id"])
    a.post(f"/admin/items/{item['id']}", data=dict(seen_by_a, title="张改的标题"))
    refused = b.post(f"/admin/items/{item['id']}",
                     data=dict(seen_by_b, title="赵改的标题", department="区审计局"))
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "第 3 条未保存" in page and "标题现为「张改的标题」" in page and "zhang" in page
    again = form_fields(page, item["id"])
    assert (again["title"], again["department"]) == ("赵改的标题", "区审计局")  # what b typed
    assert again["title_was"] == "张改的标题"                                # what is stored
    now = issue_items(db, issue_id)[2]
    assert (now["title"], now["department"]) == ("张改的标题", item["department"])  # nothing saved
    # b read the current title and submits again: now b's wins, knowingly
    assert b.post(f"/admin/items/{item['id']}", data=again).status_code == 302
    now = issue_items(db, issue_id)[2]
    assert (now["title"], now["department"]) == ("赵改的标题", "区审计局")


def test_the_same_change_twice_is_no_conflict(app, db):
    issue_id, item, a, b = arranged(app, db)
    seen_by_a = item_form(a, issue_id, item["id"])
    seen_by_b = item_form(b, issue_id, item["id"])
    a.post(f"/admin/items/{item['id']}", data=dict(seen_by_a, title="同一个标题"))
    assert b.post(f"/admin/items/{item['id']}",
                  data=dict(seen_by_b, title="同一个标题")).status_code == 302
    assert issue_items(db, issue_id)[2]["title"] == "同一个标题"


def test_after_the_push_a_conflict_keeps_the_typed_note_too(app, runner, db):
    from store import corrections
    from test_corrections import pushed

    issue_id, item_id = pushed(runner, db)
    accounts.add(db, "li", "approver", HASH)
    accounts.add(db, "wang", "approver", HASH)
    li, _ = sign_in(app, "li")
    wang, _ = sign_in(app, "wang")
    seen_by_li = item_form(li, issue_id, item_id)
    seen_by_wang = item_form(wang, issue_id, item_id)
    li.post(f"/admin/items/{item_id}", data=dict(seen_by_li, title="李的更正", note="标题有误"))
    refused = wang.post(f"/admin/items/{item_id}", data=dict(
        seen_by_wang, title="王的更正", note="王写的说明", notify="1"))
    assert refused.status_code == 409
    again = form_fields(refused.get_data(as_text=True), item_id)
    assert (again["title"], again["note"]) == ("王的更正", "王写的说明")
    assert re.search(r'name="notify" value="1" checked', refused.get_data(as_text=True))
    assert [c["who"] for c in corrections.changes(db, item_id)] == ["li"]

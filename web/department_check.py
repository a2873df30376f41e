"""A correction naming a department nobody has heard of is confirmed before it is saved.

    if (page := confirm_new_department(db, item, request.form, changes)) is not None:
        return page        # "“区审汁局”不是已知部门。是否指：区审计局？" with the choices

A typo in an item's 单位 would otherwise create a department cadres see and can subscribe
to. The page offers the closest known names, saving the typed name as a new department
(the same form posted again with `confirm_department` set to it), or going back. Names that
cannot be a department (too short, markup) never get here: the store refuses them
(store.department_refs.check_name) and the issue page says why.
"""

from flask import render_template, request, url_for

from store.department_refs import check_name
from store.departments import resolve, suggest

KEPT_FIELDS = ("title", "note", "notify", "title_was", "department_was")  # the item form's other fields


def confirm_new_department(db, item, form, changes):
    """None when `changes` names no new department or the office confirmed it; else the
    confirmation page (200), or for a JSON caller 422 `{"error", "item", "choices",
    "confirm_department"}`."""
    name = changes.get("department")
    if not name or form.get("confirm_department") == name:
        return None
    found = resolve(db, name, strict=True)
    if found.department or found.choices or check_name(name):
        return None  # known, or refused by the store with its reason
    close = suggest(db, name)
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return {"error": f"“{name}”不是已知部门：请改用已知部门，或确是新部门时再次提交并带上"
                         f" confirm_department=“{name}”。", "item": item["id"], "choices": close,
                "confirm_department": name}, 422
    fields = {key: form.get(key) for key in KEPT_FIELDS if form.get(key)}
    return render_template(
        "admin/confirm_department.html", item=item, name=name, fields=fields,
        close=close, action=url_for("issues.edit_item", item_id=item["id"]),
        back=url_for("issues.review", issue_id=item["issue_id"]) + f"#item-{item['id']}")

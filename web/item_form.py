"""An item's edit form: what was sent (a browser's form or a script's JSON), what changes,
and what the user typed, to show back when nothing was saved (web/issue_views.py answers).

    form = sent()                                # the fields; Unreadable(status, reason)
    written, conflicts = changes(item, typed, form)
    draft(item, form, typed, refused="…")       # the form's values on the page again
    wants_json()                                 # answer JSON, not the page
"""

from flask import request


TEXT_FIELDS = ("title", "department", "note", "title_was", "department_was")


class Unreadable(Exception):
    """A script's JSON body the edit cannot read: (status, reason)."""


def sent():
    """The posted fields: the form, or a JSON object's (a script's `{"title": …}`). A JSON
    body that is no object (400), or a text field that is not text (422: a list became the
    title `['a', 'b']`, a `true` in `title_was` a 500), is Unreadable — never "no change"."""
    if not request.is_json:
        return request.form.to_dict()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Unreadable(400, '请求体须是一个 JSON 对象，如 {"title": "……"}。')
    wrong = [key for key in TEXT_FIELDS if body.get(key) is not None
             and not isinstance(body[key], str)]
    if wrong:
        raise Unreadable(422, f"{'、'.join(wrong)} 须是文字。")
    return body


def wants_json():
    """A script asked for JSON (Accept) or sent it: it gets JSON, not the page."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def unchecked(fields):
    """The audit row's `unchecked`: fields a script wrote without the `*_was` it loaded."""
    return {"unchecked": fields} if fields else {}


def draft(item, form, typed, **more):
    """What the user typed, for the item's form (fields not sent: as stored)."""
    typed_in = {"title": item["title"], "department": item.get("department") or "",
             "note": form.get("note") or "", "notify": bool(form.get("notify")),
             "conflicts": {}, "was": {}}
    return dict(typed_in, **typed, **more)


FIELD_NAMES = {"title": "标题", "department": "单位"}


def loaded(form):
    """{field: the value the form was opened with} (`title_was`, …; None: not sent)."""
    return {field: form.get(f"{field}_was") for field in FIELD_NAMES}


def changes(item, typed, form):
    """({field: new value} to write, {field: its value now} changed by someone else).

    The form carries the values it was loaded with (`title_was`, `department_was`): a field
    the user left as loaded is not written (so an older page never undoes someone's newer
    change), and a field both changed since is a conflict unless they agree. A form without
    them (a script) is compared with the stored item, as before: written unchecked, which
    the audit row says (`unchecked`: the fields)."""
    current = {"title": item["title"], "department": item.get("department") or ""}
    written, conflicts = {}, {}
    for field, value in typed.items():
        loaded = form.get(f"{field}_was")
        if value == current[field]:
            continue  # nothing to write (or both made the same change)
        if loaded is None or value != " ".join(loaded.split()):
            if loaded is not None and " ".join(loaded.split()) != current[field]:
                conflicts[field] = current[field]
            else:
                written[field] = value
    return written, conflicts

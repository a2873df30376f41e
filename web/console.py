"""The office console home: publish an issue (upload or paste) and the archive of issues.

    GET  /admin/           the publish form and the archive (items, delivery, reads per issue);
                           ?state=pending|approved|pushed shows only those, ?state=held the
                           uploads held as another version (tagged 另一版本), ?page=n older ones
    POST /admin/publish    a file (text/PDF/DOCX) or pasted text -> parse, store -> its preview
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from store.ingest import Classified, ingest_upload, limits_from
from store.db import get_db
from store.issues import get_issue, issue_items, list_issues
from store.review import LABELS
from web import push_actions as progress, store
from web.args import int_arg
from web.auth import admin_required
from web.review_views import uploaded
from web.trail import note
from web.errors import on_console_errors

bp = Blueprint("console", __name__, url_prefix="/admin")
on_console_errors(bp)
PAGE_SIZE = 20
HELD = "held"  # ?state=held: uploads held as another version of a stored issue (same_as)
FILTERS = dict(LABELS, **{HELD: "另一版本待定"})


@bp.route("/")
@admin_required
def home(pasted=None):
    """The publish form above the archive, newest issue first (`pasted`: a refused paste,
    back in its box)."""
    db = get_db()
    page = int_arg("page")
    state = request.args.get("state") if request.args.get("state") in FILTERS else None
    issues = list_issues(db, limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE,
                         state=state if state in LABELS else None, held=state == HELD)
    more = len(issues) > PAGE_SIZE
    issues = issues[:PAGE_SIZE]
    reads = store.issue_read_counts(db, [i["id"] for i in issues])
    rows = []
    for issue in issues:
        items = issue_items(db, issue["id"])
        item_reads = store.read_counts(db, [i["id"] for i in items])
        rows.append(dict(issue, reads=reads[issue["id"]], delivery=progress.issue_progress(db, issue["id"]),
                         items=[dict(i, reads=item_reads[i["id"]]) for i in items]))
    return render_template("admin/home.html", issues=rows, page=page, more=more, state=state,
                           states=FILTERS, pasted=pasted or "")


@bp.route("/publish", methods=["POST"])
@admin_required
def publish():
    """Parse an uploaded file or pasted text and store it; the office reviews it next."""
    upload = request.files.get("file")
    pasted = (request.form.get("text") or "").strip()
    if upload and upload.filename:
        data, name, kind = upload.read(), upload.filename, upload.mimetype
    elif pasted:
        data, name, kind = pasted.encode("utf-8"), "粘贴.txt", "text/plain; charset=utf-8"
    else:
        flash("请选择文件或粘贴简报全文。", "error")
        return redirect(url_for("console.home"))
    from bulletin import ParseError  # the parser package, loaded when first needed

    db = get_db()
    try:
        result = ingest_upload(db, data, filename=name, content_type=kind, source=name,
                               limits=limits_from(current_app.config), bounded=True)
    except (ParseError, ValueError) as error:  # unreadable, or no items found
        flash(f"无法读取“{name}”：{error}", "error")
        if pasted and not (upload and upload.filename) and not isinstance(error, Classified):
            return home(pasted=request.form.get("text")), 422  # the paste stays in its box
        return redirect(url_for("console.home"))
    issue_id, created = result.issue_id, result.created
    count = get_issue(db, issue_id)["item_count"]
    if created:
        uploaded(db, issue_id)
    note("publish", f"issue:{issue_id}", file=name, created=created, items=count,
         **({"same_as": result.same_as} if result.same_as else {}))
    if result.same_as:
        earlier = get_issue(db, result.same_as)
        flash(f"已读取 {count} 条。注意：已有一期（{earlier['number']}，{earlier['date']}，存档编号 "
              f"{earlier['id']}）期号和日期与这份相同，但内容不同。请在本页选择用这份替换原来那期的"
              "条目，或保留两期；决定之前这份不能推送。", "warn")
    elif created:
        flash(f"已读取 {count} 条，请核对标题和单位后推送。")
    else:
        flash("这一期已经发布过，打开的是已有的一期。")
        for field, values in result.differs.items():
            label = {"number": "期号", "issuer": "发文单位"}[field]
            flash(f"注意：文件中的{label}是“{values['uploaded']}”，已有的一期是“{values['stored'] or '无'}”"
                  f"（内容相同，按同一期处理）。如需更正{label}，请在本页“期号、日期、发文单位”处修改。",
                  "warn")
    return redirect(url_for("issues.review", issue_id=issue_id))

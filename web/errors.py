"""Readable error pages for the console blueprints (a 404 or 413 never shows Flask's default).

    on_console_errors(bp)     # at import time, before the blueprint is registered
    issue = found(get_issue(db, 7))   # the row, or the console's 404 page
"""

from flask import abort, current_app, render_template, request


def found(row):
    """The row a view was asked for, or a 404 (answered by `not_found`) when there is none."""
    if row is None:
        abort(404)
    return row


def not_found(error):
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return {"error": "找不到这个页面"}, 404
    return render_template("message.html", title="找不到", message="没有这一期、这一条或这位干部。",
                           back="/admin/"), 404


def too_large(error):
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return render_template("message.html", title="文件太大",
                           message=f"上传的文件超过 {limit} MB，请压缩或拆分后再试。",
                           back="/admin/"), 413


def on_console_errors(bp):
    bp.register_error_handler(404, not_found)
    bp.register_error_handler(413, too_large)
    return bp

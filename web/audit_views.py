"""The console's audit page: the log filtered by time, account, action and target; CSV export.

    GET /admin/audit?since=2026-11-01&until=2026-11-30&who=li&action=push&target=issue:7
    GET /admin/audit.csv?…same filters…         # every matching row, as a spreadsheet file

Times are shown in BOT_TIMEZONE like everywhere in the console, and `since`/`until` are days
of that time zone (both inclusive): stored times stay UTC, the bounds are converted. An
`action` that is not one of store.audit.ACTIONS (the select offers those) and a date that is
no date are named on the page and left out of the filter; an empty answer names the filters.
"""

import re

from flask import Blueprint, Response, render_template, request

from store import audit
from store.db import get_db
from web.auth import role_required
from web.errors import on_console_errors
from web.render import local_day_bounds, local_time

bp = Blueprint("audit", __name__, url_prefix="/admin")
on_console_errors(bp)
PAGE_ROWS = 500
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


LABELS = {"since": "自", "until": "至", "who": "账号", "action": "操作", "target": "对象"}


def _filters(dropped=None):
    """The query's filters, bad dates and unknown action words dropped (a filter never
    errors); what was dropped goes into `dropped` ({key: the text given}) for the page."""
    args = request.args
    chosen = {key: (args.get(key) or "").strip()[:100] or None
              for key in ("since", "until", "who", "action", "target")}
    for key in ("since", "until"):
        if chosen[key]:
            try:
                if not DATE.fullmatch(chosen[key]):
                    raise ValueError
                local_day_bounds(chosen[key])
            except (ValueError, OverflowError):
                if dropped is not None:
                    dropped[key] = chosen[key]
                chosen[key] = None
    if chosen["action"] and chosen["action"] not in audit.ACTIONS:
        if dropped is not None:
            dropped["action"] = chosen["action"]
        chosen["action"] = None
    return chosen


def _query(filters):
    """The store's filters for these: local days -> the stored (UTC) times they span."""
    query = dict(filters)
    if filters["since"]:
        query["since"] = local_day_bounds(filters["since"])[0]
    if filters["until"]:
        query["until"] = local_day_bounds(filters["until"])[1]  # before the next day starts
    return query


@bp.route("/audit")
@role_required("approver")
def audit_page():
    """The newest PAGE_ROWS rows matching the filters."""
    dropped = {}
    filters = _filters(dropped)
    rows = audit.entries(get_db(), limit=PAGE_ROWS, **_query(filters))
    applied = [f"{LABELS[key]} {value}" for key, value in filters.items() if value]
    return render_template("admin/audit.html", rows=rows, filters=filters,
                           actions=audit.ACTIONS, page_rows=PAGE_ROWS, dropped=dropped,
                           applied=applied)


@bp.route("/audit.csv")
@role_required("approver")
def audit_csv():
    """Every row matching the filters as CSV (UTF-8 with BOM)."""
    body = audit.as_csv(audit.entries(get_db(), **_query(_filters())),
                        local=lambda at: local_time(at, seconds=True))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})

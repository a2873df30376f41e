"""The console's audit page: the log filtered by time, account, action and target; CSV export.

    GET /admin/audit?since=2026-11-01&until=2026-11-30&who=li&action=push&target=issue:7
    GET /admin/audit.csv?…same filters…         # every matching row, as a spreadsheet file

Times are shown in BOT_TIMEZONE like everywhere in the console, and `since`/`until` are days
of that time zone (both inclusive): stored times stay UTC, the bounds are converted.
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


def _filters():
    """The query's filters, bad dates dropped (a filter never errors)."""
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
                chosen[key] = None
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
    filters = _filters()
    rows = audit.entries(get_db(), limit=PAGE_ROWS, **_query(filters))
    return render_template("admin/audit.html", rows=rows, filters=filters,
                           actions=audit.ACTIONS, page_rows=PAGE_ROWS)


@bp.route("/audit.csv")
@role_required("approver")
def audit_csv():
    """Every row matching the filters as CSV (UTF-8 with BOM)."""
    body = audit.as_csv(audit.entries(get_db(), **_query(_filters())),
                        local=lambda at: local_time(at, seconds=True))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})

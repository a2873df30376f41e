"""Writing the audit log from the console: one line where an action happens.

    note("push", f"issue:{issue_id}", queued=12)     # who: the signed-in account; where: the IP
    note("login_failed", None, who="li")             # before anyone is signed in

The rows go to store/audit.py; the console page that reads them is web/audit_views.py.
"""

from flask import g, request

from store import audit
from store.db import get_db


def current_user():
    """The signed-in account's name (`admin` for the bootstrap password), or None: what
    web.auth found for this request."""
    account = g.get("account")
    return account and account["name"]


def note(action, target=None, who=None, **details):
    """Append one audit row for the current request."""
    audit.record(get_db(), who or current_user() or "anonymous",
                 request.remote_addr or "unknown", action, target, details)

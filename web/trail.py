"""Writing the audit log from the console: one line where an action happens.

    note("push", f"issue:{issue_id}", queued=12)     # who: the signed-in account; where: the IP
    note("login_failed", None, who="li")             # before anyone is signed in

The rows go to store/audit.py; the console page that reads them is web/audit_views.py.
"""

from flask import request, session

from store import audit
from store.db import get_db

BOOTSTRAP = "admin"  # the account name of BOT_ADMIN_PASSWORD's sign-in


def current_user():
    """The signed-in account's name (`admin` for the bootstrap password), or None."""
    return session.get("user") or (BOOTSTRAP if session.get("admin") is True else None)


def note(action, target=None, who=None, **details):
    """Append one audit row for the current request."""
    audit.record(get_db(), who or current_user() or "anonymous",
                 request.remote_addr or "unknown", action, target, details)

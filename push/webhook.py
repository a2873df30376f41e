"""The signed publishing webhook: ingest an issue, push it, see and retry its deliveries.

    POST /api/issues                  body = the issue; 201 new / 200 same content; ?push=1
                                      (+ "same_as", "differs": another version of a stored
                                      issue is held from the push: "push": {"held": …})
    POST /api/issues/<id>/push        queue the issue's messages (twice = nothing new)
    GET  /api/issues/<id>/deliveries  counts by status and per-recipient rows (?limit&offset)
    POST /api/issues/<id>/resend      queue the failed deliveries again

Every request carries `X-Jianbao-Timestamp: <unix seconds>` (within ±WINDOW of the server's
clock) and `X-Signature-256: sha256=<hex HMAC-SHA256>` keyed with BOT_PUBLISH_SECRET over

    "{timestamp}\n{METHOD}\n{path}[?{query}]\n" + raw body

with the path and query exactly as sent. So a captured request cannot be replayed with another
query (`?push=1`), on another issue, later (stale timestamp) or again (a signature is accepted
once: push/replay.py). `signed_headers(secret, "POST", "/api/issues?push=1", body)` builds the
two headers. Errors are JSON `{"error": reason}`: 401 bad, stale or reused signature, 503 secret
not configured, 413 too large, 400 unreadable issue, 404 unknown issue.
"""

import hashlib
import hmac
import logging
import time

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from push import publish, replay, status, worker
from store import review
from store.audit import record
from store.ingest import ingest_upload, limits_from

log = logging.getLogger(__name__)
bp = Blueprint("push_api", __name__, url_prefix="/api/issues")

# Content-Type -> a file name hint for bulletin.parse_bytes
FORMATS = {
    "text/plain": "issue.txt",
    "application/pdf": "issue.pdf",
    "application/json": "issue.json",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "issue.docx",
}


class WebhookError(Exception):
    """An error answered as JSON `{"error": message}` with `status`."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


WINDOW = 300  # seconds a timestamp may differ from the server's clock


def sign(secret, timestamp, method, target, body=b""):
    """`sign("s3cret", 1764313200, "POST", "/api/issues?push=1", b"...")` -> "sha256=<hex>":
    the X-Signature-256 value; `target` is the path and query exactly as sent."""
    message = f"{timestamp}\n{method.upper()}\n{target}\n".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret, method, target, body=b"", timestamp=None):
    """`signed_headers("s3cret", "GET", "/api/issues/7/deliveries")` -> the two headers a
    webhook request carries, signed now (or at `timestamp`, Unix seconds)."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return {"X-Jianbao-Timestamp": str(timestamp),
            "X-Signature-256": sign(secret, timestamp, method, target, body)}


def _target():
    """The path and query as the client sent them (the request line's target)."""
    env = request.environ
    raw = env.get("RAW_URI") or env.get("REQUEST_URI")
    if raw:
        return raw
    query = env.get("QUERY_STRING", "")
    return request.script_root + request.path + (f"?{query}" if query else "")


@bp.before_request
def check_signature():
    secret = current_app.config.get("BOT_PUBLISH_SECRET")
    if not secret:
        raise WebhookError(503, "publishing is off: set BOT_PUBLISH_SECRET to enable the webhook")
    limit = current_app.config.get("BOT_MAX_BODY_BYTES")
    if limit and (request.content_length or 0) > limit:
        raise WebhookError(413, f"the body is larger than BOT_MAX_BODY_BYTES ({limit} bytes)")
    body = request.get_data(cache=True)
    given = request.headers.get("X-Signature-256", "")
    if not given:
        raise WebhookError(401, "missing X-Signature-256 header")
    stamp = request.headers.get("X-Jianbao-Timestamp", "").strip()
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        raise WebhookError(401, "missing or bad X-Jianbao-Timestamp header (Unix seconds)")
    now = time.time()
    if abs(now - int(stamp)) > WINDOW:
        raise WebhookError(401, f"stale X-Jianbao-Timestamp: more than {WINDOW} s from the"
                                " server's clock (sign each request when sending it)")
    expected = sign(secret, stamp, request.method, _target(), body)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise WebhookError(401, "bad signature: X-Signature-256 must be sha256=<hex HMAC-SHA256"
                                " with BOT_PUBLISH_SECRET of \"{timestamp}\\n{METHOD}\\n"
                                "{path}[?{query}]\\n\" + the raw body>")
    from store.db import get_db

    if not replay.first_use(get_db(), expected, expires=int(stamp) + WINDOW + 1, now=now):
        raise WebhookError(401, "signature already used: sign each request afresh")


@bp.post("")
def create_issue():
    from bulletin import ParseError
    from store.db import get_db

    data, filename, content_type = _issue_upload()
    db = get_db()
    try:
        result = ingest_upload(db, data, filename, content_type, source="webhook",
                               limits=limits_from(current_app.config), bounded=True)
    except ParseError as error:  # over a limit (413/422), classified (422), unreadable (400)
        raise WebhookError(getattr(error, "status", 400), str(error))
    issue_id, created = result.issue_id, result.created
    answer = publish.issue_view(db, issue_id, current_app.config)
    # another version of a stored issue (same number and date, other content): held from the
    # push until the office replaces the earlier one's items or keeps both, in the console
    answer.update(same_as=result.same_as, differs=result.differs)
    if created:
        review.changed(db, issue_id, "webhook", uploaded=True)
    record(db, "webhook", request.remote_addr, "publish", f"issue:{issue_id}",
           {"created": created, **({"same_as": result.same_as} if result.same_as else {})})
    if request.args.get("push") in ("1", "true", "yes") or current_app.config.get("BOT_AUTO_PUSH"):
        answer["push"] = (_held(db, issue_id, result.same_as) if result.same_as
                          else _push(db, issue_id))
    return jsonify(answer), 201 if created else 200


@bp.post("/<int:issue_id>/push")
def push_issue(issue_id):
    from store.db import get_db

    return jsonify(_push(get_db(), issue_id)), 202


@bp.post("/<int:issue_id>/resend")
def resend(issue_id):
    from store.db import get_db

    db = get_db()
    try:
        queued = publish.resend_failed(db, issue_id, current_app.config,
                                       current_app.config["DATABASE_PATH"])
    except publish.UnknownIssue:
        raise WebhookError(404, f"no issue {issue_id}")
    worker.wake(current_app)
    record(db, "webhook", request.remote_addr, "resend", f"issue:{issue_id}", {"queued": queued})
    return jsonify({"issue": issue_id, "queued": queued, **_counts(db, issue_id)}), 202


@bp.get("/<int:issue_id>/deliveries")
def deliveries(issue_id):
    from store.db import get_db

    db = get_db()
    if not publish.issue_exists(db, issue_id):
        raise WebhookError(404, f"no issue {issue_id}")
    try:
        limit = min(max(int(request.args.get("limit", 1000)), 0), 10000)
        offset = min(max(int(request.args.get("offset", 0)), 0), 2 ** 62)  # SQLite's integers
    except ValueError:
        raise WebhookError(400, "limit and offset must be whole numbers")
    return jsonify({"issue": issue_id, **status.summary(db, issue_id), **_counts(db, issue_id),
                    "deliveries": status.rows(db, issue_id, limit=limit, offset=offset)})


@bp.errorhandler(WebhookError)
def webhook_error(error):
    return jsonify({"error": error.message}), error.status


@bp.errorhandler(HTTPException)
def http_error(error):
    if isinstance(error, RequestEntityTooLarge):
        return jsonify({"error": "the body is larger than BOT_MAX_BODY_BYTES"}), 413
    return jsonify({"error": error.description}), error.code


@bp.errorhandler(Exception)
def unexpected_error(error):
    log.exception("webhook request failed")
    return jsonify({"error": "internal error (logged); please try again"}), 500


def _issue_upload():
    """(bytes, file name hint, content type) from a raw body or a multipart `file` field."""
    content_type = (request.mimetype or "").lower()
    if content_type == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise WebhookError(400, "multipart upload needs a `file` field")
        return upload.read(), upload.filename, upload.mimetype
    data = request.get_data(cache=True)
    if not data.strip():
        raise WebhookError(400, "empty body: send the issue as text, PDF, DOCX or JSON")
    return data, FORMATS.get(content_type), content_type or None


def _push(db, issue_id):
    try:
        result = publish.push_issue(db, issue_id, current_app.config,
                                    current_app.config["DATABASE_PATH"])
    except publish.UnknownIssue:
        raise WebhookError(404, f"no issue {issue_id}")
    worker.wake(current_app)
    record(db, "webhook", request.remote_addr, "push", f"issue:{issue_id}", {"queued": result["queued"]})
    return {**result, **_counts(db, issue_id)}


def _held(db, issue_id, same_as):
    """The push answer for an upload held as another version of issue `same_as`."""
    return {"issue": issue_id, "queued": 0, "recipients": 0, "held": "same_as",
            "message": f"issue {same_as} has the same number and date with other content: "
                       "replace its items or keep both in the console, then push",
            **_counts(db, issue_id)}


def _counts(db, issue_id):
    run = status.run_state(db, issue_id)
    return {"counts": status.counts_by_status(db, issue_id),
            "paused": bool(run and run["status"] == "paused"),
            "paused_reason": run and run["paused_reason"]}

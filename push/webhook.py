"""The signed publishing webhook: ingest an issue, push it, see and retry its deliveries.

    POST /api/issues                  body = the issue; 201 new / 200 same content; ?push=1
    POST /api/issues/<id>/push        queue the issue's messages (twice = nothing new)
    GET  /api/issues/<id>/deliveries  counts by status and per-recipient rows (?limit&offset)
    POST /api/issues/<id>/resend      queue the failed deliveries again

Every request carries `X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` keyed with
BOT_PUBLISH_SECRET (for GET and empty POSTs: of the empty body). Errors are JSON
`{"error": reason}`: 401 bad signature, 503 secret not configured, 413 too large,
400 unreadable issue, 404 unknown issue.
"""

import hashlib
import hmac
import logging

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from push import publish, status, worker
from store.ingest import ingest

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


def sign(secret, body):
    """`sign("s3cret", b"...")` -> "sha256=<hex>": the X-Signature-256 value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


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
    if not hmac.compare_digest(given.encode(), sign(secret, body).encode()):
        raise WebhookError(401, "bad signature: X-Signature-256 must be sha256=<hex HMAC-SHA256"
                                " of the raw body with BOT_PUBLISH_SECRET>")


@bp.post("")
def create_issue():
    from bulletin import ParseError
    from store.db import get_db

    data, filename, content_type = _issue_upload()
    db = get_db()
    try:
        issue_id, created = ingest(db, data, filename, content_type, source="webhook")
    except ParseError as error:
        raise WebhookError(400, str(error))
    answer = publish.issue_view(db, issue_id, current_app.config)
    if request.args.get("push") in ("1", "true", "yes") or current_app.config.get("BOT_AUTO_PUSH"):
        answer["push"] = _push(db, issue_id)
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
        queued = publish.resend_failed(db, issue_id)
    except publish.UnknownIssue:
        raise WebhookError(404, f"no issue {issue_id}")
    worker.wake(current_app)
    return jsonify({"issue": issue_id, "queued": queued, **_counts(db, issue_id)}), 202


@bp.get("/<int:issue_id>/deliveries")
def deliveries(issue_id):
    from store.db import get_db

    db = get_db()
    if not publish.issue_exists(db, issue_id):
        raise WebhookError(404, f"no issue {issue_id}")
    try:
        limit = min(int(request.args.get("limit", 1000)), 10000)
        offset = max(int(request.args.get("offset", 0)), 0)
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
    return {**result, **_counts(db, issue_id)}


def _counts(db, issue_id):
    run = status.run_state(db, issue_id)
    return {"counts": status.counts_by_status(db, issue_id),
            "paused": bool(run and run["status"] == "paused"),
            "paused_reason": run and run["paused_reason"]}

"""Taking in an issue: the one path the CLI, the console, the webhook and the demo share.

    issue_id, created = ingest(db, data, filename="a.pdf", content_type="application/pdf")
    ingest(db, upload, filename=name, limits=limits_from(app.config), bounded=True)  # uploads
    result = ingest_upload(db, upload, filename=name, bounded=True)
    result.issue_id, result.created, result.same_as, result.differs   # what the office is told

Bytes (text, PDF, DOCX, a scan, item JSON) are parsed by `bulletin` within the stated limits
(BOT_MAX_PAGES, BOT_MAX_ITEMS, BOT_PARSE_SECONDS, BOT_PARSE_MEMORY_MB; the rest
`bulletin.limits`) and stored once: the same content again gives the same id and
`created=False`. `ingest_upload` says more: a new upload with the number and date of a
stored issue but other content is another version of it (`same_as`, store/issue_identity.py:
held from the push until the office decides), and an upload of stored content whose masthead
says otherwise tells how (`differs`). With `bounded=True` — what the webhook and the console use, for files from
outside — parsing runs in a child process with a memory and a time limit, so a hostile file
costs a refusal, never the serving worker.

Refusals, nothing stored: `bulletin.ParseError` (unreadable, 400), `bulletin.limits.TooLarge`
(over a limit, its `.status` 413 or 422) and `Classified` (marked 秘密/机密/绝密, 422):
classified documents must never be on a system connected to the internet.
"""

from dataclasses import dataclass, field, replace

import bulletin
from bulletin.bounded import parse_bytes_bounded
from bulletin.limits import DEFAULT_LIMITS
from store.issue_identity import differences, flag, same_as
from store.issues import save_issue
from store.transaction import write

SECRET_MARKS = ("秘密", "机密", "绝密")
LIMIT_SETTINGS = {"pages": "BOT_MAX_PAGES", "items": "BOT_MAX_ITEMS",
                  "seconds": "BOT_PARSE_SECONDS", "memory_mb": "BOT_PARSE_MEMORY_MB"}


class Classified(bulletin.ParseError):
    """The issue carries a classification marking: refused everywhere (status 422)."""

    status = 422


def limits_from(config):
    """`limits_from(app.config)` -> bulletin.limits.Limits with the BOT_* limits applied."""
    chosen = {field: config[name] for field, name in LIMIT_SETTINGS.items()
              if config.get(name) is not None}
    return replace(DEFAULT_LIMITS, **chosen)


@dataclass
class Ingested:
    """What storing an upload did."""
    issue_id: int
    created: bool
    same_as: int | None = None  # another version of this stored issue (held from the push)
    differs: dict = field(default_factory=dict)  # not created: {"number": {"stored", "uploaded"}}


def ingest(db, data, filename=None, content_type=None, source=None, limits=None,
           bounded=False):
    """Parse `data` and store the issue -> (issue_id, created)."""
    result = ingest_upload(db, data, filename, content_type, source, limits, bounded)
    return result.issue_id, result.created


def ingest_upload(db, data, filename=None, content_type=None, source=None, limits=None,
                  bounded=False):
    """Parse `data` and store the issue -> Ingested."""
    parse = parse_bytes_bounded if bounded else bulletin.parse_bytes
    issue = parse(data, filename=filename, content_type=content_type, limits=limits)
    refuse_classified(issue)
    with write(db):
        issue_id, created = save_issue(db, issue, source=source or filename or "webhook")
        if created:
            return Ingested(issue_id, True, same_as=flag(db, issue_id))
    return Ingested(issue_id, False, same_as=same_as(db, issue_id),  # still held, if it was
                    differs=differences(db, issue_id, issue))


def refuse_classified(issue):
    """Raise Classified for an issue marked 秘密, 机密 or 绝密 (with or without ★期限)."""
    marking = issue.classification or ""
    if marking.startswith(SECRET_MARKS):
        raise Classified(f"本期标有密级“{marking}”：涉密文件不得上传到连接互联网的系统，"
                         "未予保存。")

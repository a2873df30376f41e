"""Taking in an issue: the one path the CLI, the console, the webhook and the demo share.

    issue_id, created = ingest(db, data, filename="a.pdf", content_type="application/pdf")

Bytes (text, PDF, DOCX or item JSON) are parsed by `bulletin` and stored once: the same
content again gives the same id and `created=False`. An unreadable upload raises
`bulletin.ParseError` (a ValueError) with a reason a person can act on; nothing is stored.
"""

import bulletin
from store.issues import save_issue


def ingest(db, data, filename=None, content_type=None, source=None):
    """Parse `data` and store the issue -> (issue_id, created)."""
    issue = bulletin.parse_bytes(data, filename=filename, content_type=content_type)
    return save_issue(db, issue, source=source or filename or "webhook")

"""The item page a card links to: `GET /items/<id>?t=<token>`, read on a phone inside WeChat.

    /items/42?t=…   -> 200, the item's full text (a read receipt is recorded)
    /items/42?t=bad -> 403, a friendly page saying the link is invalid or expired
    /items/42?t=old -> 403, a link we signed that is only too old: the page names the issue's
                       day to send in the chat for fresh links (nothing of the item itself)

A link addressed to a cadre who has since left the roster is refused like an expired one.
A corrected item shows its current text under `已更正（时间）：说明`; a withdrawn one shows
`该条已撤回` and its note, nothing of its text, and is left out of previous/next
(store.corrections). Previous/next reach only the items of the issue this reader was sent
(push.status.received_items: their cadre's deliveries, or their WeCom delivery group's), and
their links expire when the opened one does (channels.links.issued_at): following them never
renews a link.

On `work`/`mp` the page learns its reader from WeChat (web.reader_auth: snsapi_base; off only
with BOT_READER_OAUTH=0, the link-only fallback): the token still has to be valid, and the
reader must be an active cadre who was sent this item or the cadre the link was made for (a
chat reply's link) — a forwarded link, a removed cadre, a desktop browser get no text. The
receipt and the watermark then name that cadre, on WeCom too. The console's card previews
(links naming no reader) open without it for a signed-in console account.

An item of an issue awaiting approval (待审核, store.review) opens for the console's card
preview only: a link a chat reply carried while the issue was approved stops working when a
correction sends it back (a pushed issue stays pushed, its links keep working).

A link naming no reader (no `c`, no `g`) is made for two readers only: a chat reply to
someone with no cadre record (an open-access follower, who is sent 公开 items only) and the
console's card preview. So with the link alone deciding (sandbox, BOT_READER_OAUTH=0) such a
link opens a 内部 item for a signed-in console account only: a 内部 link a follower was
handed before the chat kept them to 公开 (it did until stop 21) opens nothing.
"""

from flask import Blueprint, current_app, make_response, render_template, request

from push import status
from store import corrections, levels, review
from store.db import get_db
from store.issues import get_item, issue_items
from channels import links, readers
from web import item_body, reader_auth, store
from web.auth import signed_in
from web.people import active_cadre

bp = Blueprint("pages", __name__)


@bp.route("/items/<int:item_id>")
def item_page(item_id):
    """Show one item to the reader its link token names; record that they opened it."""
    config = current_app.config
    claim = links.read_token(config, request.args.get("t"), item_id)
    db = get_db()
    item = get_item(db, item_id) if claim else None
    reader = active_cadre(db, claim["c"]) if claim and claim.get("c") is not None else None
    if claim is None and links.expired(config, request.args.get("t"), item_id):
        return _expired_page(db, item_id)
    if item is None or (claim.get("c") is not None and reader is None):
        return render_template("link_invalid.html"), 403
    if not _office_preview(claim) and not review.is_approved(db, item["issue_id"]):
        return render_template("link_invalid.html"), 403  # 待审核: for the console only
    auth = readers.reader_auth(config, config["DATABASE_PATH"])
    if auth is not None and not _office_preview(claim):  # work/mp: the reader is who WeChat says
        reader = reader_auth.identify(auth, db, config)
        if not isinstance(reader, dict):
            return reader
        if reader["id"] is None:  # an open-access follower who only reads: 公开, unaddressed
            if set(claim) != {"i"} or levels.item_level(db, item_id) == levels.INTERNAL:
                return render_template("link_invalid.html"), 403
            reader = None
        else:
            own = claim.get("c") == reader["id"]  # the cadre the link was made for (a reply)
            if not own and item_id not in status.received_items(db, item["issue_id"],
                                                                 reader["id"]):
                return render_template("link_invalid.html"), 403  # a forwarded link
            claim = {"i": item_id, "c": reader["id"]}
    elif auth is None and set(claim) == {"i"} and not signed_in() \
            and levels.item_level(db, item_id) == levels.INTERNAL:
        return render_template("link_invalid.html"), 403  # link only: see below
    if reader is not None and levels.item_level(db, item_id) == levels.INTERNAL \
            and levels.is_open_access(db, reader["id"]):  # 内部: not for self-enrolled followers
        return render_template("link_invalid.html"), 403
    received = status.received_items(db, item["issue_id"], claim.get("c"), claim.get("g"))
    siblings = [s for s in issue_items(db, item["issue_id"])  # what this reader was sent
                if s["id"] == item_id or (s["id"] in received and not s.get("withdrawn_at"))]
    previous, following = _neighbours(siblings, item_id)
    internal = levels.item_level(db, item_id) == levels.INTERNAL
    store.record_read(db, item_id, claim)
    change = corrections.latest(db, item_id)
    if item.get("withdrawn_at"):
        item = {key: item.get(key) for key in ("id", "issuer", "number", "date", "withdrawn_at")}
    return reader_auth.remember(make_response(render_template(
        "item.html", item=item, change=change,
        blocks=item_body.blocks(item.get("body")),
        watermark=_watermark(reader, item, internal),
        internal=internal,
        previous=previous and _link(config, previous, claim, links.issued_at(config, request.args.get("t"))),
        following=following and _link(config, following, claim, links.issued_at(config, request.args.get("t"))),
        position=[s["id"] for s in siblings].index(item_id) + 1, count=len(siblings))), config)


def _expired_page(db, item_id):
    """A link we signed that is only too old: the page names the issue's day, which the
    cadre sends in the chat for fresh links (最新 gives the newest issue, not this one)."""
    item = get_item(db, item_id)
    return render_template("link_invalid.html", expired=True,
                           day=item and item.get("date"),
                           days=current_app.config["BOT_LINK_TTL_DAYS"]), 403


def _office_preview(claim):
    """A link that names no reader (the console's card previews) opened by a signed-in
    console account: shown as before, recording nothing, without WeChat's identity."""
    return claim.get("c") is None and claim.get("g") is None and signed_in()


def _neighbours(siblings, item_id):
    ids = [s["id"] for s in siblings]
    at = ids.index(item_id) if item_id in ids else -1
    if at < 0:
        return None, None
    previous = siblings[at - 1] if at > 0 else None
    following = siblings[at + 1] if at + 1 < len(siblings) else None
    return previous, following


def _link(config, item, claim, issued_at):
    """Previous/next links for the same reader, expiring when the opened link does."""
    return {"title": item["title"],
            "href": links.item_path(config, item["id"], cadre_id=claim.get("c"),
                                    group=claim.get("g"), issued_at=issued_at)}


def _watermark(reader, item, internal=True):
    """The reader's name (a group link: the department and the issue), `· 内部资料` on a 内部
    item only: a 公开 one is no 内部资料 (it said so until stop 24)."""
    if reader is not None:
        parts = [reader["name"]]
    else:
        parts = [p for p in (item.get("department"), item.get("number") or item.get("date")) if p]
    return " · ".join(parts + (["内部资料"] if internal else []))
